/**
 * A simulation of one scenario: its nodes, its workload, virtual time and metrics. Commands in
 * (run, runSql, setNodeSetting ...), snapshots and a report out. Deterministic: the same scenario and
 * seed give the same result; time and randomness come only from the scheduler and the seeded streams.
 */
import { simError } from './core/errors.ts';
import { Rng } from './core/rng.ts';
import { Scheduler } from './core/Scheduler.ts';
import type { EngineFactory } from './engine/DbEngine.ts';
import { dataSnapshot } from './engine/snapshots.ts';
import { Metrics } from './metrics/Metrics.ts';
import { AppNode } from './nodes/app/AppNode.ts';
import { nodeKind } from './nodes/index.ts';
import { PostgresNode } from './nodes/postgres/PostgresNode.ts';
import type { ConsoleResult, NodeModel, NodeSnapshot, SimContext, SimEvent } from './nodes/types.ts';
import { formatIssues, parseScenario } from './scenario/load.ts';
import type { Scenario } from './scenario/schema.ts';
import { timeUs } from './scenario/settings.ts';
import { defaultOperations, defaultSetupSql } from './workload/defaults.ts';
import { Workload } from './workload/Workload.ts';

export interface SimulationOptions {
  engines: EngineFactory;
  /** Boot progress: a phase and a fraction 0..1 of the whole boot. */
  onProgress?: (phase: string, fraction: number) => void;
  onEvent?: (event: SimEvent) => void;
}

export interface SimSnapshot {
  /** Virtual time, seconds. */
  time: number;
  completed: number;
  failed: number;
  nodes: NodeSnapshot[];
  inFlight: { id: number; op: string; at: string }[];
  events: SimEvent[];
}

export class ScenarioError extends Error {
  constructor(readonly issues: { path: string; message: string }[]) {
    super(`the scenario is not valid:\n${formatIssues(issues)}`);
  }
}

export class Simulation {
  readonly scheduler = new Scheduler();
  readonly metrics = new Metrics(() => this.scheduler.now);
  readonly events: SimEvent[] = [];
  readonly nodes = new Map<string, NodeModel>();
  private readonly workload: Workload;
  private readonly ctx: SimContext;
  private lock: Promise<unknown> = Promise.resolve();
  private started = false;

  private constructor(
    readonly scenario: Scenario,
    private readonly options: SimulationOptions,
  ) {
    const seed = scenario.run.seed;
    const latency = new Map<string, number>();
    const targets = new Map<string, string[]>();
    for (const e of scenario.edges) {
      latency.set(`${e.from}->${e.to}`, timeUs(e.latency));
      targets.set(e.from, [...(targets.get(e.from) ?? []), e.to]);
    }
    this.ctx = {
      scheduler: this.scheduler,
      metrics: this.metrics,
      engines: options.engines,
      rng: (name) => new Rng(seed, name),
      emit: (e) => this.emit(e),
      node: (id) => this.nodes.get(id),
      latencyUs: (from, to) => latency.get(`${from}->${to}`),
      targets: (from) => targets.get(from) ?? [],
    };
    for (const n of scenario.nodes) {
      const def = nodeKind(n.kind)!;
      this.nodes.set(n.id, def.create(this.ctx, { id: n.id, kind: n.kind, settings: structuredClone(n.settings) }));
    }
    const w = scenario.workload;
    const apps = [...this.nodes.values()].filter((n): n is AppNode => n instanceof AppNode);
    this.workload = new Workload(this.ctx, w, w.operations ?? defaultOperations(w.data), apps);
  }

  /** Validates the scenario, builds its nodes and boots every database node. */
  static async create(input: unknown, options: SimulationOptions): Promise<Simulation> {
    const parsed = parseScenario(input);
    if (!parsed.ok) throw new ScenarioError(parsed.issues);
    const sim = new Simulation(parsed.scenario, options);
    try {
      await sim.boot();
    } catch (e) {
      await sim.close();
      throw e;
    }
    return sim;
  }

  private async boot(): Promise<void> {
    const progress = this.options.onProgress ?? (() => undefined);
    const w = this.scenario.workload;
    const holdsData = [...this.nodes.values()].some((n) => n instanceof PostgresNode);
    progress('preparing data', 0);
    const snapshot = holdsData ? await dataSnapshot(this.options.engines, w.setup_sql ?? defaultSetupSql(w.data)) : undefined;
    const booting = [...this.nodes.values()].filter((n) => n.boot);
    let booted = 0;
    progress('booting nodes', 0.3);
    await Promise.all(
      booting.map(async (n) => {
        await n.boot!(snapshot);
        booted++;
        progress(`booted ${n.id}`, 0.3 + (0.7 * booted) / booting.length);
        this.emit({ type: 'node-booted', node: n.id, message: `${n.id} is up` });
      }),
    );
    progress('ready', 1);
  }

  private emit(e: Omit<SimEvent, 'at'>): void {
    const event = { ...e, at: this.scheduler.now };
    this.events.push(event);
    this.options.onEvent?.(event);
  }

  /** Virtual time now, in microseconds. */
  get now(): number {
    return this.scheduler.now;
  }

  /** Runs `fn` alone: runs and console statements never interleave. */
  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.lock.then(fn, fn);
    this.lock = next.catch(() => undefined);
    return next;
  }

  /** Advances virtual time to `untilUs`, running every event due. */
  runUntil(untilUs: number): Promise<void> {
    return this.exclusive(async () => {
      if (!this.started) {
        this.started = true;
        this.workload.start();
      }
      await this.scheduler.runUntil(untilUs);
      await this.metrics.settled();
    });
  }

  /** Stops the workload from sending new requests (those in flight finish). */
  stopWorkload(): void {
    this.workload.stop();
  }

  /** Runs a console statement on a node at the current virtual time, between events. */
  runSql(nodeId: string, sql: string): Promise<ConsoleResult> {
    return this.exclusive(async () => {
      const node = this.nodes.get(nodeId);
      if (!node?.console) {
        const message = node ? `node "${nodeId}" (${node.kind}) has no console` : `no node "${nodeId}"`;
        return { node: nodeId, query: sql, columns: [], rows: [], rowCount: 0, error: simError('unknown_node', { message }) };
      }
      const r = await node.console(sql);
      this.emit({ type: 'console', node: nodeId, message: r.error ? `console error: ${r.error.message}` : `console: ${r.rowCount} row(s)` });
      return r;
    });
  }

  snapshot(maxInFlight = 50): SimSnapshot {
    const inFlight: SimSnapshot['inFlight'] = [];
    for (const n of this.nodes.values()) {
      if (n instanceof AppNode) inFlight.push(...n.sampleInFlight(maxInFlight - inFlight.length));
    }
    return {
      time: this.scheduler.now / 1e6,
      completed: this.metrics.completed,
      failed: this.metrics.failed,
      nodes: [...this.nodes.values()].map((n) => n.snapshot()),
      inFlight,
      events: this.events.slice(-50),
    };
  }

  async close(): Promise<void> {
    this.workload.stop();
    await Promise.all([...this.nodes.values()].map((n) => n.close()));
  }
}
