/**
 * A simulation of one scenario: its nodes, its workload, virtual time and metrics. Commands in (`apply`,
 * the only way in: sim/core/commands.ts), snapshots and a report out. Deterministic: the same scenario,
 * seed and journal give the same result; time and randomness come only from the scheduler and the seeded
 * streams.
 */
import { CommandError, type CommandOutcome, type CommandResult, type FaultCommand, isRunCommand, type JournalEntry, parseCommand, parseJournal, type SimCommand } from './core/commands.ts';
import { Rng } from './core/rng.ts';
import { Scheduler } from './core/Scheduler.ts';
import { type SimError, simError } from './core/errors.ts';
import { EngineDeadError, type EngineFactory } from './engine/DbEngine.ts';
import { dataSnapshot } from './engine/snapshots.ts';
import { Metrics } from './metrics/Metrics.ts';
import { ConsoleHistory } from './monitoring/consoleHistory.ts';
import { nodeKind } from './nodes/index.ts';
import { type ClientInfo, type ConsoleResult, isEndpoint, isSqlEndpoint, type NodeModel, type NodeSnapshot, type Reply, type SimContext, type SimEvent, type StatementCall } from './nodes/types.ts';
import { type FollowedRequest, Network, type Span } from './net/Link.ts';
import type { RouteExplain } from './nodes/proxy/ShardRouter.ts';
import { isReplicationMember } from './replication/ports.ts';
import { CacheChecks } from './replication/cacheChecks.ts';
import { Replication } from './replication/Replication.ts';
import { editScenario } from './scenario/edit.ts';
import { shardOfNodes } from './scenario/sharding.ts';
import { formatIssues, parseScenario } from './scenario/load.ts';
import type { Scenario } from './scenario/schema.ts';
import { timeUs } from './scenario/settings.ts';
import { ShardFigures } from './sharding/figures.ts';
import { regionLatencyUs } from './sharding/regions.ts';
import { moveRows, planReshard, previewOf, type ReshardPreview } from './sharding/reshard.ts';
import { reshardTo, shardMapSchema, shardNodes } from './sharding/shardMap.ts';
import { shardSnapshots } from './sharding/split.ts';
import { loadSqlParser } from './sql/parser.ts';
import { defaultOperations, defaultSetupSql } from './workload/defaults.ts';
import { isRequestSink, Workload } from './workload/Workload.ts';

export interface SimulationOptions {
  engines: EngineFactory;
  /** Boot progress: a phase and a fraction 0..1 of the whole boot. */
  onProgress?: (phase: string, fraction: number) => void;
  onEvent?: (event: SimEvent) => void;
  /**
   * A journal to replay (a run's `journal`, or one written by hand; validated): each command applies at
   * its virtual time, at the same point among the events as in the run it was recorded from.
   */
  journal?: unknown;
  /** False: no read reuses an identical earlier one's reply (nodes/postgres/Reuse.ts); the report is the same either way. */
  reuseReads?: boolean;
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

/** A followed request's path, each span with what happens there: `network`, `pool wait`, `queue`, or its node's work (`engine`, `pooler`, `app`). */
export interface RequestPath extends FollowedRequest {
  spans: (Span & { what: string })[];
}

/** A connected outside client (see `Simulation.connectClient`). */
export interface OutsideClient {
  /** Runs one statement on the connection; resolves with its reply when it is back, in virtual time. */
  run(call: StatementCall): Promise<Reply>;
  /** Closes the connection (its Terminate reaches the node). */
  close(): void;
  /** Cancels the statement it is running (a CancelRequest): a postgres node cancels it, a pooler sends it on to the server it runs on. */
  cancel(): void;
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
  /** Every console statement of the run, in order (sim/monitoring/consoleHistory.ts). */
  readonly consoleHistory = new ConsoleHistory();
  readonly nodes = new Map<string, NodeModel>();
  /** Every command applied, with the virtual time it took effect: with `scenario` (and its seed), the run. */
  readonly journal: JournalEntry[] = [];
  private readonly workload: Workload;
  /** Streaming replication between the postgres nodes (sim/replication/), when the scenario has replication edges. */
  readonly replication: Replication;
  private readonly ctx: SimContext;
  private lock: Promise<unknown> = Promise.resolve();
  /** The replayed journal's entries that apply between events, not applied yet. */
  private readonly pending: JournalEntry[];
  /** The scenario a restart would load: `scenario` with every applied command's edits. */
  private edited: Scenario;

  private constructor(
    /** The scenario the run started from (commands never change it: they are in the journal). */
    readonly scenario: Scenario,
    private readonly options: SimulationOptions,
    journal: JournalEntry[],
  ) {
    this.edited = scenario;
    this.pending = journal.filter((e) => !e.scheduled);
    const seed = scenario.run.seed;
    const net = new Network(
      this.scheduler,
      scenario.edges.map((e) => ({ from: e.from, to: e.to, latencyUs: edgeLatencyUs(scenario, e), jitterUs: timeUs(e.jitter), distribution: e.distribution })),
      (id) => {
        const n = this.nodes.get(id);
        return isEndpoint(n) ? n : undefined;
      },
      seed,
    );
    const cacheChecks = new CacheChecks(this.metrics, () => this.scheduler.now);
    this.ctx = {
      scheduler: this.scheduler,
      cacheChecks,
      metrics: this.metrics,
      engines: options.engines,
      reuseReads: options.reuseReads,
      setupSql: scenario.workload.setup_sql ?? defaultSetupSql(scenario.workload.data),
      rng: (name) => new Rng(seed, name),
      dataScale: scenario.workload.data.scale,
      ...(scenario.sharding ? { sharding: { map: scenario.sharding, figures: new ShardFigures(shardNodes(scenario.sharding)) } } : {}),
      emit: (e) => this.emit(e),
      node: (id) => this.nodes.get(id),
      net,
    };
    for (const n of scenario.nodes) {
      const def = nodeKind(n.kind)!;
      this.nodes.set(n.id, def.create(this.ctx, { id: n.id, kind: n.kind, settings: structuredClone(n.settings) }));
    }
    const nodes = [...this.nodes.values()];
    this.replication = new Replication(this.ctx, scenario.edges, nodes.filter(isReplicationMember), cacheChecks);
    const w = structuredClone(scenario.workload);
    this.workload = new Workload(this.ctx, w, w.operations ?? defaultOperations(w.data), nodes.filter(isRequestSink));
  }

  /**
   * Makes the data snapshot `input`'s nodes will boot from (and the template under it), cached by the
   * engine factory, without booting anything: a warm start, so the first Run only boots the nodes.
   * An invalid scenario prepares nothing (create() says why).
   */
  static async prepare(input: unknown, engines: EngineFactory): Promise<void> {
    const parsed = parseScenario(input);
    if (!parsed.ok) return;
    const w = parsed.scenario.workload;
    await dataSnapshot(engines, w.setup_sql ?? defaultSetupSql(w.data));
  }

  /**
   * Validates the scenario (and the journal to replay, if any), builds its nodes, boots every database
   * node and starts the workload (after PostgreSQL's parser, which the console guard and shard routing
   * read statements with, is loaded). A bad scenario throws a ScenarioError, a bad journal a CommandError.
   */
  static async create(input: unknown, options: SimulationOptions): Promise<Simulation> {
    await loadSqlParser();
    const parsed = parseScenario(input);
    if (!parsed.ok) throw new ScenarioError(parsed.issues);
    const journal = options.journal === undefined ? [] : parseJournal(options.journal);
    const sim = new Simulation(parsed.scenario, options, journal);
    try {
      await sim.boot();
    } catch (e) {
      await sim.close();
      throw e;
    }
    // scheduled entries first, as a run schedules its fault timeline before the workload's first request
    for (const e of journal) if (e.scheduled) sim.scheduler.at(e.at, () => sim.replay(e));
    sim.workload.start();
    return sim;
  }

  private async boot(): Promise<void> {
    const progress = this.options.onProgress ?? (() => undefined);
    const w = this.scenario.workload;
    // the nodes that boot are the ones that hold data (NodeModel.boot): the data set is made only for them
    const booting = [...this.nodes.values()].filter((n) => n.boot);
    progress('preparing the data', 0.02);
    const setupSql = w.setup_sql ?? defaultSetupSql(w.data);
    const snapshot = booting.length > 0 ? await this.loadData(w, setupSql) : undefined;
    // sharded: a shard and its replicas boot from the shard's own rows (sim/sharding/split.ts)
    const map = this.scenario.sharding;
    const shardOf = map ? shardOfNodes(this.scenario, shardNodes(map)) : undefined;
    const shards = map && snapshot ? await shardSnapshots(this.options.engines, snapshot, setupSql, map) : undefined;
    if (shards && this.ctx.sharding) this.ctx.sharding.figures.rowsAtLoad = Object.fromEntries([...shards].map(([id, s]) => [id, s.rows]));
    let booted = 0;
    progress('booting nodes', 0.3);
    await Promise.all(
      booting.map(async (n) => {
        const shard = shardOf?.get(n.id);
        await n.boot!((shard && shards?.get(shard)?.tar) || snapshot);
        booted++;
        progress(`booted ${n.id}`, 0.3 + (0.7 * booted) / booting.length);
      }),
    );
    // in the scenario's order: which engine was ready first is the machine's business, not the run's
    for (const n of booting) this.emit({ type: 'node-booted', node: n.id, message: `${n.id} is up` });
    this.replication.start();
    progress('ready', 1);
  }

  private emit(e: Omit<SimEvent, 'at'>): void {
    const event = { ...e, at: this.scheduler.now };
    this.events.push(event);
    this.options.onEvent?.(event);
  }

  /** The scenario's data snapshot; a setup that fails is the scenario's error, at the field that made it. */
  private async loadData(w: Scenario['workload'], setupSql: string): Promise<Uint8Array> {
    try {
      return await dataSnapshot(this.options.engines, setupSql, this.options.onProgress);
    } catch (e) {
      const message = e instanceof EngineDeadError ? `the data load was stopped: ${e.reason}` : `the data load failed: ${(e as Error).message}`;
      throw new ScenarioError([{ path: w.setup_sql === undefined ? 'workload.data' : 'workload.setup_sql', message }]);
    }
  }

  /** Virtual time now, in microseconds. */
  get now(): number {
    return this.scheduler.now;
  }

  /** The run's sharding figures (the report's `sharding` block), when the scenario is sharded. */
  get shardFigures(): ShardFigures | undefined {
    return this.ctx.sharding?.figures;
  }

  /** The scenario a restart would load: the start scenario with the edits of every applied command (settings, topology, workload). */
  get restartScenario(): Scenario {
    return this.edited;
  }

  /** Runs `fn` alone: stretches of virtual time, commands and reports never interleave. */
  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.lock.then(fn, fn);
    this.lock = next.catch(() => undefined);
    return next;
  }

  /** Runs `fn` between events, after the stretch of time or the command under way: a report of one moment. */
  between<T>(fn: () => T | Promise<T>): Promise<T> {
    return this.exclusive(async () => fn());
  }

  /**
   * Advances virtual time to `untilUs`, running every event due (and the replayed journal's commands at
   * their times). Not a command: how time is cut into stretches changes nothing, so it is not journaled;
   * pacing it to the wall clock is the runner's (sim/runner/Runner.ts).
   */
  runUntil(untilUs: number | ((nowUs: number) => number)): Promise<void> {
    // a function of now is read when this stretch starts, after the ones queued before it
    return this.exclusive(() => this.advance(typeof untilUs === 'number' ? untilUs : untilUs(this.now)));
  }

  private async advance(untilUs: number): Promise<void> {
    while (this.pending.length > 0 && this.pending[0].at <= untilUs) {
      const e = this.pending.shift()!;
      await this.scheduler.runUntil(e.at);
      await this.metrics.settled();
      await this.replay(e);
    }
    await this.scheduler.runUntil(untilUs);
    await this.metrics.settled();
  }

  /**
   * Applies a command now, between events (after every event due now), and journals it. Topology edits
   * cannot be applied to a running simulation (its connections, routes and streams are built when it
   * starts): they answer restart-required and change `restartScenario`. A setting applies at once or
   * answers restart-required (PostgreSQL's `postmaster` context). A bad command, an unknown node or a
   * fault the node refuses throws a CommandError and changes nothing.
   */
  async apply<C extends SimCommand>(command: C): Promise<CommandResult<C>> {
    const c = parseCommand(command);
    if (isRunCommand(c)) throw new CommandError('invalid_command', `${c.do} is run control: the runner's (sim/runner/Runner.ts), not the simulation's`);
    return this.exclusive(async () => {
      await this.advance(this.scheduler.now);
      const r = await this.perform(c);
      this.journal.push({ at: this.scheduler.now, command: c });
      return r as CommandResult<C>;
    });
  }

  /** A journal entry being replayed, at its time; a refusal (a journal written by hand) becomes an event. */
  private async replay(e: JournalEntry): Promise<void> {
    try {
      await this.perform(e.command);
      this.journal.push(e);
    } catch (err) {
      if (!(err instanceof CommandError)) throw err;
      this.emit({ type: 'command-refused', message: `journal: ${e.command.do} at ${e.at / 1e6} s refused: ${err.message}` });
    }
  }

  private async perform(c: SimCommand): Promise<ConsoleResult | CommandOutcome> {
    switch (c.do) {
      case 'runSql':
        return this.runSql(this.node(c.node), c.sql);
      case 'fault':
        return this.fault(c.fault);
      case 'setNodeSetting':
        return this.setNodeSetting(c);
      case 'setWorkload':
        return this.setWorkload(c);
      case 'stopWorkload':
        this.workload.stop();
        return { outcome: 'applied', message: 'the workload sends no new requests; those in flight finish' };
      case 'repoint':
        return this.repoint(c);
      case 'reshard':
        return this.reshard(c.shards, c.strategy);
      default:
        return this.editTopology(c);
    }
  }

  /** The running node `id`, or a CommandError. */
  private node(id: string): NodeModel {
    const n = this.nodes.get(id);
    if (!n) throw new CommandError('unknown_node', `no node "${id}" in the running simulation`);
    return n;
  }

  /** A validated edit of the scenario a restart would load (the edit refused: a CommandError). */
  private edit(c: Parameters<typeof editScenario>[1]): Scenario {
    const r = editScenario(this.edited, c);
    if (!r.ok) throw new CommandError('invalid_command', r.message);
    return r.scenario;
  }

  private async runSql(node: NodeModel, sql: string): Promise<ConsoleResult> {
    if (!node.console) throw new CommandError('command_refused', `node "${node.id}" (${node.kind}) has no console`);
    const r = await node.console(sql);
    this.consoleHistory.record(r, this.scheduler.now);
    this.emit({ type: 'console', node: node.id, message: r.error ? `console error: ${r.error.message}` : `console: ${r.rowCount} row(s)` });
    return r;
  }

  /** What a reshard onto `shards` (with `strategy`) would move, read on the shards as they are now: changes nothing. */
  async reshardPlan(shards: string[], strategy?: Record<string, unknown>): Promise<ReshardPreview> {
    return previewOf((await this.planned(shards, strategy)).plan);
  }

  /** The new map of a reshard onto `shards` (with `strategy`), checked, and its plan on the shards as they are now. */
  private async planned(shards: string[], strategy: Record<string, unknown> | undefined) {
    const sharding = this.ctx.sharding;
    if (!sharding) throw new CommandError('command_refused', 'the scenario is not sharded: it has no shard map to reshard');
    if (sharding.figures.reshardUnderWay) throw new CommandError('command_refused', 'a reshard is under way: wait for its cutover');
    const from = sharding.map;
    const nodes = shardNodes(from);
    const stranger = shards.find((s) => !nodes.includes(s));
    if (stranger) throw new CommandError('command_refused', `${stranger} is not a shard or spare shard of the map`);
    const rule = strategy ? { ...from, shards, strategy } : reshardTo(from, shards);
    if (!rule) throw new CommandError('command_refused', `a ${from.strategy.kind} map needs its new ${from.strategy.kind === 'range' ? 'boundaries' : 'regions'}: give the reshard a strategy`);
    const parsed = shardMapSchema.safeParse({ ...from, ...rule, spare_shards: nodes.filter((s) => !shards.includes(s)) });
    if (!parsed.success) throw new CommandError('invalid_command', `the new shard map: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
    const to = parsed.data;
    const run = async (node: string, sql: string) => {
      const r = await this.node(node).console!(sql);
      if (r.error) throw new Error(`reshard on ${node}: ${r.error.message}`);
      return r.rows;
    };
    return { sharding, from, to, run, plan: await planReshard(from, to, run) };
  }

  /**
   * Plans a reshard on the shards as they are now and schedules its cutover after the copy's modelled time:
   * the rows move, the map switches (every ShardRouter reads it live) and a restart loads the new map.
   */
  private async reshard(shards: string[], strategy: Record<string, unknown> | undefined): Promise<CommandOutcome> {
    const { sharding, from, to, run, plan } = await this.planned(shards, strategy);
    sharding.figures.reshardUnderWay = true;
    const summary = `${plan.movedKeys} of ${plan.keys} keys, ${plan.rows} rows (${plan.bytes} bytes)`;
    this.emit({ type: 'reshard', message: `reshard onto ${shards.join(', ')}: copying ${summary}` });
    this.scheduler.after(plan.copyUs, async () => {
      try {
        await moveRows(from, plan, run);
      } catch (e) {
        sharding.figures.reshardUnderWay = false;
        this.emit({ type: 'reshard', message: `reshard abandoned, the map unchanged: ${(e as Error).message}` });
        return;
      }
      sharding.map = to;
      sharding.figures.resharded(plan);
      this.edited = { ...this.edited, sharding: to };
      this.emit({ type: 'reshard', message: `reshard cutover: ${summary} moved; the map now has ${shards.join(', ')}` });
    });
    return { outcome: 'applied', message: `resharding onto ${shards.join(', ')}: ${summary} move; the copy takes ${Math.round(plan.copyUs / 1000)} ms, then the map switches` };
  }

  private async fault(f: FaultCommand): Promise<CommandOutcome> {
    const n = this.node(f.node);
    if (!n.fault) throw new CommandError('command_refused', `node "${f.node}" (${n.kind}) takes no faults`);
    const refused = await n.fault(f);
    if (refused) throw new CommandError('command_refused', refused);
    return { outcome: 'applied', message: `${f.kind} ${f.node} done` };
  }

  /**
   * What of `c` acts over virtual time after it is applied (a fault's start or failover, a reshard's copy, a
   * resize's restart), in words for a refusal: a finished run's clock never gets there (sim/runner/Runner.ts).
   */
  actsOverTime(c: SimCommand): string | undefined {
    if (c.do === 'fault' || c.do === 'reshard') return `a ${c.do}`;
    if (c.do === 'setNodeSetting' && this.nodes.get(c.node)?.restartsFor?.(c.name)) return `a restart of ${c.node} to apply ${c.name}`;
    return undefined;
  }

  /** Validated by the node's kind (with the scenario's other settings); applied live, or recorded for a restart. */
  private async setNodeSetting(c: Extract<SimCommand, { do: 'setNodeSetting' }>): Promise<CommandOutcome> {
    const model = this.nodes.get(c.node);
    if (!model && !this.edited.nodes.some((n) => n.id === c.node)) throw new CommandError('unknown_node', `no node "${c.node}"`);
    const edited = this.edit(c);
    const value = edited.nodes.find((n) => n.id === c.node)!.settings[c.name];
    // a node added since the start runs only after a restart
    const outcome = model ? await model.applySetting(c.name, value) : 'restart-required';
    this.edited = edited;
    // an object setting (pgbouncer's databases) in words as JSON, never [object Object]
    const text = typeof value === 'object' && value !== null ? JSON.stringify(value) : String(value);
    const message =
      outcome === 'applied' ? `${c.node}: ${c.name} = ${text} applied` : `${c.node}: ${c.name} = ${text} needs a restart of the node (reload the run to apply it)`;
    this.emit({ type: outcome === 'applied' ? 'setting-applied' : 'restart-required', node: c.node, message });
    return { outcome, message };
  }

  /** Workload fields: what a running load generator can change applies at once, the rest after a restart. */
  private setWorkload(c: Extract<SimCommand, { do: 'setWorkload' }>): CommandOutcome {
    const edited = this.edit(c);
    const restart = this.workload.retune(structuredClone(edited.workload));
    this.edited = edited;
    const fields = Object.keys(c.set).join(', ');
    const outcome = restart.length === 0 ? 'applied' : 'restart-required';
    const message =
      outcome === 'applied'
        ? `workload: ${fields} applied`
        : `workload: ${restart.join(', ')} cannot change while the workload runs (its clients and operations are set when it starts): nothing changed now, it takes effect when the run restarts`;
    this.emit({ type: outcome === 'applied' ? 'setting-applied' : 'restart-required', message });
    return { outcome, message };
  }

  /** A VIP moved: `node`'s link to `from` goes to `to`, in the running network and in the scenario a restart loads. */
  private async repoint(c: Extract<SimCommand, { do: 'repoint' }>): Promise<CommandOutcome> {
    const model = this.node(c.node);
    this.node(c.from);
    if (!isSqlEndpoint(this.node(c.to))) throw new CommandError('command_refused', `${c.to} is not a database node: nothing can be pointed at it`);
    if (!this.ctx.net.edge(c.node, c.from)) throw new CommandError('command_refused', `${c.node} has no link to ${c.from}`);
    if (this.ctx.net.edge(c.node, c.to)) throw new CommandError('command_refused', `${c.node} already has a link to ${c.to}`);
    const latency = this.edited.edges.find((e) => e.from === c.node && e.to === c.from)?.latency;
    const removed = this.edit({ do: 'removeEdge', from: c.node, to: c.from });
    const r = editScenario(removed, { do: 'addEdge', from: c.node, to: c.to, ...(latency === undefined ? {} : { latency }) });
    if (!r.ok) throw new CommandError('command_refused', r.message);
    this.edited = r.scenario;
    this.ctx.net.repoint(c.node, c.from, c.to);
    // what its configuration names follows, applied live and kept for a restart like any setting
    for (const [name, value] of Object.entries(model.repointSettings?.(c.from, c.to) ?? {})) await this.setNodeSetting({ do: 'setNodeSetting', node: c.node, name, value });
    const message = `${c.node} now points at ${c.to} instead of ${c.from}`;
    this.emit({ type: 'repointed', node: c.node, message });
    return { outcome: 'applied', message };
  }

  /** Topology edits: a running simulation's connections, routes and replication streams are built at its start. */
  private editTopology(c: Extract<SimCommand, { do: 'addNode' | 'removeNode' | 'addEdge' | 'removeEdge' }>): CommandOutcome {
    this.edited = this.edit(c);
    let message: string;
    switch (c.do) {
      case 'addNode':
        message = `${c.id} is added to the topology: a running simulation cannot add a node, so it starts when the run restarts`;
        break;
      case 'removeNode':
        message = `${c.id} is removed from the topology: it keeps running until the run restarts`;
        break;
      case 'addEdge':
        message = `the link ${c.from} → ${c.to} is added: connections are set up when a run starts, so it carries traffic after a restart`;
        break;
      case 'removeEdge':
        message = `the link ${c.from} → ${c.to} is removed: it keeps carrying traffic until the run restarts`;
        break;
    }
    this.emit({ type: 'restart-required', message });
    return { outcome: 'restart-required', message };
  }

  /**
   * Follows every request that begins from now on (its path, hop by hop: sim/net/Link.ts), or stops.
   * Observing changes nothing in the run, so it is not a command and is not journaled; off, it costs nothing.
   */
  followRequests(on: boolean): void {
    this.ctx.net.tracing = on;
  }

  /**
   * Route explain (sim/nodes/proxy/ShardRouter.ts) of a statement at a node that routes a sharded scenario's
   * statements (an app connected to the shards, a shard router), `params` bound to its `$n`: the key found,
   * its hash or range, the shard chosen and why, doing none of it. Not a command: it changes nothing.
   */
  explainRoute(node: string, sql: string, params: readonly unknown[] = []): RouteExplain {
    const n = this.node(node);
    if (!n.explainRoute) throw new CommandError('command_refused', `${node} (${n.kind}) routes no shards: route explain needs a sharded app or a shard router`);
    return n.explainRoute(sql, params);
  }

  /** A followed request's path: by id (in flight or among the last 500 finished), the slowest, or the one a node served at a time. */
  requestPath(which: Parameters<Network['findFollowed']>[0]): RequestPath | undefined {
    const f = this.ctx.net.findFollowed(which);
    if (!f) return undefined;
    const what = (s: Span) => (s.phase !== 'serve' ? s.phase : (nodeKind(this.nodes.get(s.place)?.kind ?? '')?.served ?? 'serve'));
    return { ...f, spans: f.spans.map((s) => ({ ...s, what: what(s) })) };
  }

  /**
   * A client from outside the model (a real client over the wire: serve/) connects to `node` as the node's
   * other clients do, over a link of no latency (it runs on the node's machine): its login is the node's
   * (max_client_conn, max_connections), and each statement it runs takes the data path from there (the
   * pooler's queue, a backend, the real engine's rows), answered in virtual time. Not a command: a real
   * client comes and goes with the wall clock, so a run with one is not replayed by its journal.
   */
  connectClient(node: string, info: ClientInfo): Promise<{ client: OutsideClient } | { error: SimError }> {
    return new Promise((resolve) => {
      void this.between(() => {
        if (!isSqlEndpoint(this.nodes.get(node))) return resolve({ error: simError('no_route', { message: `no database node "${node}"` }) });
        this.ctx.net.connect<StatementCall, Reply>(`client:${info.applicationName}`, node, info, (r) => {
          if ('error' in r) return resolve(r);
          const link = r.link;
          const dead = () => ({ ok: false as const, error: simError('pooler_connection_closed', { message: 'server closed the connection unexpectedly' }) });
          resolve({
            client: {
              run: (call) => new Promise((done) => void this.between(() => (link.dead ? done(dead()) : link.call(call, undefined, done)))),
              close: () => void this.between(() => link.close(true)),
              cancel: () =>
                void this.between(() => {
                  const n = this.nodes.get(node);
                  if (link.conn && isSqlEndpoint(n)) n.cancel?.(link.conn);
                }),
            },
          });
        });
      });
    });
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

  /** Stops the workload and the engines, after the stretch of time or the command under way. */
  close(): Promise<void> {
    return this.exclusive(async () => {
      this.workload.stop();
      await Promise.all([...this.nodes.values()].map((n) => n.close()));
    });
  }
}

/** An edge's one-way latency: from the region table when both its nodes have a region, else its own. */
function edgeLatencyUs(scenario: Scenario, e: Scenario['edges'][number]): number {
  const region = (id: string) => scenario.nodes.find((n) => n.id === id)?.region;
  return regionLatencyUs(region(e.from), region(e.to), scenario.regions) ?? timeUs(e.latency);
}
