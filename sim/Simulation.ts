/**
 * A simulation of one scenario: its nodes, its workload, virtual time and metrics. Commands in
 * (run, runSql, setNodeSetting ...), snapshots and a report out. Deterministic: the same scenario and
 * seed give the same result; time and randomness come only from the scheduler and the seeded streams.
 */
import type { FaultCommand } from './core/commands.ts';
import { simError } from './core/errors.ts';
import { Rng } from './core/rng.ts';
import { Scheduler } from './core/Scheduler.ts';
import type { EngineFactory } from './engine/DbEngine.ts';
import { dataSnapshot } from './engine/snapshots.ts';
import { Metrics } from './metrics/Metrics.ts';
import { ConsoleHistory } from './monitoring/consoleHistory.ts';
import { AppNode } from './nodes/app/AppNode.ts';
import { nodeKind } from './nodes/index.ts';
import { PostgresNode } from './nodes/postgres/PostgresNode.ts';
import { type ConsoleResult, isSqlEndpoint, type NodeModel, type NodeSnapshot, type SimContext, type SimEvent } from './nodes/types.ts';
import { Network } from './net/Link.ts';
import { Replication } from './replication/Replication.ts';
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

export type { FaultCommand };

export class ScenarioError extends Error {
  constructor(readonly issues: { path: string; message: string }[]) {
    super(`the scenario is not valid:\n${formatIssues(issues)}`);
  }
}

export class Simulation {
  readonly scheduler = new Scheduler();
  readonly metrics = new Metrics(() => this.scheduler.now);
  readonly events: SimEvent[] = [];
  /** Every console statement of the run, in order (sim/monitoring/consoleHistory.ts). */
  readonly consoleHistory = new ConsoleHistory();
  readonly nodes = new Map<string, NodeModel>();
  private readonly workload: Workload;
  /** Streaming replication between the postgres nodes (sim/replication/), when the scenario has replication edges. */
  readonly replication: Replication;
  private readonly ctx: SimContext;
  private lock: Promise<unknown> = Promise.resolve();
  private started = false;

  private constructor(
    readonly scenario: Scenario,
    private readonly options: SimulationOptions,
  ) {
    const seed = scenario.run.seed;
    const net = new Network(
      this.scheduler,
      scenario.edges.map((e) => ({ from: e.from, to: e.to, latencyUs: timeUs(e.latency) })),
      (id) => {
        const n = this.nodes.get(id);
        return isSqlEndpoint(n) ? n : undefined;
      },
    );
    this.ctx = {
      scheduler: this.scheduler,
      metrics: this.metrics,
      engines: options.engines,
      rng: (name) => new Rng(seed, name),
      emit: (e) => this.emit(e),
      node: (id) => this.nodes.get(id),
      net,
    };
    for (const n of scenario.nodes) {
      const def = nodeKind(n.kind)!;
      this.nodes.set(n.id, def.create(this.ctx, { id: n.id, kind: n.kind, settings: structuredClone(n.settings) }));
    }
    const pg = [...this.nodes.values()].filter((n): n is PostgresNode => n instanceof PostgresNode);
    this.replication = new Replication(this.ctx, scenario.edges, pg);
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
    this.replication.start();
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

  /**
   * Changes a node's setting during a run, validated by its kind's schema. A `user` setting applies at
   * once; one that needs a restart is recorded and says so (it takes effect when the run is reloaded).
   * A bad value is refused with the schema's message and changes nothing.
   */
  setNodeSetting(nodeId: string, name: string, value: unknown): Promise<{ outcome: 'applied' | 'restart-required'; value: unknown }> {
    return this.exclusive(async () => {
      const spec = this.scenario.nodes.find((n) => n.id === nodeId);
      const model = this.nodes.get(nodeId);
      if (!spec || !model) throw new Error(`no node "${nodeId}" in the running scenario`);
      const parsed = nodeKind(spec.kind)!.settings.safeParse({ ...spec.settings, [name]: value });
      if (!parsed.success) throw new Error(parsed.error.issues.map((i) => i.message).join('; '));
      const applied = (parsed.data as Record<string, unknown>)[name];
      const outcome = await model.applySetting(name, applied);
      spec.settings = { ...spec.settings, [name]: applied };
      this.emit({
        type: outcome === 'applied' ? 'setting-applied' : 'restart-required',
        node: nodeId,
        message:
          outcome === 'applied'
            ? `${nodeId}: ${name} = ${String(applied)} applied`
            : `${nodeId}: ${name} = ${String(applied)} needs a restart of the node (reload the run to apply it)`,
      });
      return { outcome, value: applied };
    });
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
      this.consoleHistory.record(r, this.scheduler.now);
      this.emit({ type: 'console', node: nodeId, message: r.error ? `console error: ${r.error.message}` : `console: ${r.rowCount} row(s)` });
      return r;
    });
  }

  // ---- faults and failover (commands) ----

  /** Applies a fault now (inside an event or under the lock); an error message, or undefined when done. */
  private async applyFault(f: FaultCommand): Promise<string | undefined> {
    const n = this.nodes.get(f.node);
    if (!n) return `no node "${f.node}"`;
    if (!n.fault) return `node "${f.node}" (${n.kind}) takes no faults`;
    return n.fault(f);
  }

  /** Runs a fault command now, between events. Resolves to an error message, or undefined when done. */
  fault(f: FaultCommand): Promise<string | undefined> {
    return this.exclusive(() => this.applyFault(f));
  }

  /** Schedules a fault at virtual time `atUs`; a refused fault becomes an event. */
  faultAt(atUs: number, f: FaultCommand): void {
    this.scheduler.at(Math.max(atUs, this.scheduler.now), async () => {
      const error = await this.applyFault(f);
      if (error) this.emit({ type: 'replication', node: f.node, message: `${f.kind} refused: ${error}` });
    });
  }

  /** Stops a postgres node (a clean, fast shutdown): its connections end, its data stays; a replica stops replaying. */
  stopNode(node: string): Promise<string | undefined> {
    return this.fault({ kind: 'stop', node });
  }

  /** Starts a stopped postgres node; a replica reconnects and catches up. */
  startNode(node: string): Promise<string | undefined> {
    return this.fault({ kind: 'start', node });
  }

  /** Kills a postgres node (its machine dies): a primary's replicas lose their stream; with auto_failover_after one is promoted. */
  killNode(node: string): Promise<string | undefined> {
    return this.fault({ kind: 'kill', node });
  }

  /** Promotes a replica: it replays what it received and becomes the primary; the other replicas follow it. */
  promote(node: string): Promise<string | undefined> {
    return this.fault({ kind: 'promote', node });
  }

  /** A lag spike on a replica (see FaultCommand). */
  lagSpike(node: string, o: Omit<Extract<FaultCommand, { kind: 'lag-spike' }>, 'kind' | 'node'>): Promise<string | undefined> {
    return this.fault({ kind: 'lag-spike', node, ...o });
  }

  /** Figures now; `perPlace` caps the requests sampled on each edge (and at each app). */
  snapshot(perPlace = 6): SimSnapshot {
    const inFlight = this.ctx.net.sample(perPlace).map((t) => ({ id: t.id, op: t.op, at: t.at }));
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
