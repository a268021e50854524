/**
 * A `postgres` node: a real PGlite (its rows, plans, errors and sizes are real) behind a model of the
 * server around it: connections and their backends (Backends.ts), cores shared by running statements,
 * caches, disk, and the virtual time each statement takes (costModel.ts).
 *
 * Invariants:
 * - Every statement's SQL runs on the engine in virtual order: a request is sent when its first statement
 *   starts service and its reply is awaited at that statement's completion (pipelining); a transaction's
 *   statements go as one batch, so no other client's statement interleaves on the single real session.
 * - A statement's service time is known when it starts: it comes from a profile (EXPLAIN ANALYZE of an
 *   earlier execution of the same operation, Profiles.ts), never from its reply.
 * - A backend counts against max_connections from its connection's arrival until it is closed.
 * - When the engine dies every connection is lost (crash_shutdown) and the node recovers as PostgreSQL does
 *   (Recovery.ts): from its last checkpoint, redoing the writes committed since, after RESTART_US plus the
 *   redo's time; the run goes on. A console statement on a restarting node waits for the restart as a
 *   retrying client would, and the restart completes then: when the run is over, virtual time no longer
 *   advances to the restart's event.
 * - In a replicated cluster the node is a `ReplicationMember` (sim/replication/ports.ts) and sees replication
 *   only through its `Membership`: a write operation sent to a primary's engine becomes a stream record, its
 *   commit resolves the record and waits for standbys as synchronous_commit says; a replica's sessions are
 *   read-only (default_transaction_read_only), and replay reaches its engine only through `replay`, in
 *   stream order.
 */
import type { FaultCommand } from '../../core/commands.ts';
import { type SimError, simError } from '../../core/errors.ts';
import type { Rng } from '../../core/rng.ts';
import { EngineDeadError, type DbEngine } from '../../engine/DbEngine.ts';
import type { ConsoleReply, EngineError, RunReply } from '../../engine/protocol.ts';
import { ENGINE_CONF } from '../../engine/snapshots.ts';
import { virtualTimestamp } from '../../monitoring/activity.ts';
import { clientRefusal, consoleRefusal } from '../../monitoring/consoleGuard.ts';
import type { Membership, ReplicationMember, ShippedStatements } from '../../replication/ports.ts';
import { parseLsn } from '../../replication/Stream.ts';
import type { PreparedOperation } from '../../workload/operations.ts';
import type { ClientInfo, Connection, ConsoleResult, NodeSnapshot, NodeSpec, PreparedPart, ReplicationState, Reply, ReportBlock, SimContext, SqlEndpoint, StatementCall } from '../types.ts';
import { type Backend, Backends } from './Backends.ts';
import { CONSOLE_MAX_ROWS, consoleMayWrite, fromEngineError, setsReadWrite } from './console.ts';
import { BARE_STATEMENT, COST, type Hardware, hardwareOf, replayTime, type StatementProfile, serviceTime, withSleep } from './costModel.ts';
import { Cpu } from './Cpu.ts';
import { NodeStatistics } from './NodeStatistics.ts';
import { withInstance } from './instances.ts';
import { Pipeline } from './Pipeline.ts';
import { prepareTransaction } from './preparedTransaction.ts';
import { ReadReuse } from './Reuse.ts';
import { MonitoringViews } from './Views.ts';
import { Profiles } from './Profiles.ts';
import { AUTOVACUUM_SETTINGS, autoAnalyze } from './autoAnalyze.ts';
import { CHECKPOINT_CHECK_US, Recovery } from './Recovery.ts';
import { replayRequests } from './replay.ts';
import { RESIZE_SETTINGS, RESTART_US, resize } from './resize.ts';
import { CHECKPOINT_SETTINGS, type PostgresSettings, REPLICATION_SETTINGS, sessionSettingsSql } from './settings.ts';
import { type PostgresSnapshot, postgresReport, postgresSnapshot } from './snapshot.ts';

/** A stopped server's start, until it accepts connections. */
const START_US = 500_000;
const HOUSEKEEPING_US = 1e6;

export class PostgresNode implements SqlEndpoint, ReplicationMember {
  readonly kind = 'postgres';
  status: NodeSnapshot['status'] = 'booting';
  private engine: DbEngine | undefined;
  private restarting: Promise<DbEngine> | undefined;
  private recovery: Recovery | undefined;
  private readonly cpu: Cpu;
  private readonly rng: Rng;
  private readonly backends: Backends;
  private readonly profiles: Profiles;
  private nextPid = 1000;
  private nextConn = 1;
  private readonly stats: NodeStatistics;
  /** The relations' sizes, measured every 10 s and taken in at the next look. */
  private pendingSize: Promise<RunReply> | undefined;
  private readonly views: MonitoringViews;
  /** Set when a reply nobody waited for found the engine dead; the next event on the node crashes it. */
  private deadReason: string | undefined;
  private readonly pipeline: Pipeline;
  private readonly reuse: ReadReuse;
  private replication: Membership | undefined;

  constructor(
    private readonly ctx: SimContext,
    readonly spec: NodeSpec<PostgresSettings>,
  ) {
    this.rng = ctx.rng(`postgres:${spec.id}`);
    this.cpu = new Cpu(ctx.scheduler, spec.settings.cores, (from, to, busy) => ctx.metrics.busy(this.id, from, to, busy));
    // an open write's transaction dies with its backend
    this.backends = new Backends(ctx, spec.id, (b) => {
      if (b.record) this.replication?.resolve(b.record, false);
    });
    this.stats = new NodeStatistics(spec.settings, ctx.dataScale ?? 1);
    this.reuse = new ReadReuse(ctx.reuseReads === false ? undefined : ctx.setupSql, () => this.stats.tables);
    // a write's profile runs it and rolls it back: its tables change all the same
    this.profiles = new Profiles(ctx, (op) => this.reuse.ran(op));
    this.pipeline = new Pipeline(ctx, () => ({ engine: this.engine!, recovery: this.recovery, replication: this.replication, isReplica: this.isReplica }), this.reuse);
    this.views = new MonitoringViews(ctx, () => ({ backends: this.backends, stats: this.stats, settings: this.settings, recovery: this.recovery, replication: this.replication, isReplica: this.isReplica }));
    ctx.metrics.node(this.id).cores = spec.settings.cores;
    // scheduled here, in the scenario's node order, not when its boot ends (the wall clock's order)
    ctx.scheduler.after(HOUSEKEEPING_US, () => this.housekeeping());
  }

  get id(): string {
    return this.spec.id;
  }

  get settings(): PostgresSettings {
    return this.spec.settings;
  }

  /** Boots the engine from the scenario's data snapshot (set by the simulation before boot). */
  async boot(snapshot: Uint8Array | undefined): Promise<void> {
    if (!snapshot) throw new Error(`${this.id}: no snapshot to boot from`);
    this.engine = await this.startEngine(snapshot);
    this.ctx.metrics.realQueries += 1;
    this.stats.apply(await NodeStatistics.measure(this.engine));
    // the base backup every node starts from is its first checkpoint
    this.recovery = new Recovery(this.ctx, this.id, snapshot);
    this.views.started(this.allocPids(8));
    this.status = 'up';
  }

  private allocPids(n: number): number {
    const first = this.nextPid;
    this.nextPid += n;
    return first;
  }

  private async startEngine(tar: Uint8Array): Promise<DbEngine> {
    const engine = await this.ctx.engines.create({ snapshot: tar, postgresqlConf: ENGINE_CONF, name: this.id });
    engine.onDeath = (reason) => this.ctx.emit({ type: 'node-crashed', node: this.id, message: `${this.id} crashed: ${reason}` });
    await engine.request({ op: 'exec', sql: sessionSettingsSql(this.settings, this.isReplica, this.ctx.scheduler.now) });
    this.ctx.metrics.realQueries += 1;
    return engine;
  }

  /** Once a virtual second: the virtual clock into the engine, the cache's mix, autovacuum's ANALYZE when due; every 10 s the relation sizes and a checkpoint when due. */
  private async housekeeping(): Promise<void> {
    if (this.deadReason) await this.crash(this.deadReason);
    this.stats.tick();
    if (this.status === 'up' && this.engine) {
      const engine = this.engine;
      this.ctx.metrics.realQueries += 1;
      engine
        .request({ op: 'exec', sql: `SELECT set_config('sim.now', '${virtualTimestamp(this.ctx.scheduler.now)}', false)` })
        .catch(() => undefined);
      const analyzed = autoAnalyze(engine, this.settings, this.ctx.scheduler.now);
      this.ctx.metrics.realQueries += analyzed;
      if (analyzed) this.reuse.clear(); // new statistics, maybe new plans: other pages read
      if (Math.round(this.ctx.scheduler.now / HOUSEKEEPING_US) % (CHECKPOINT_CHECK_US / HOUSEKEEPING_US) === 0) {
        const sizes = await this.pendingSize?.catch(() => undefined);
        if (sizes) this.stats.apply(sizes);
        // an engine that dies under the checkpoint (the watchdog killed a statement sent before it) is the node's crash
        const crashed = await this.recovery?.look(engine, this.settings, this.isReplica, this.replication?.appliedPosition()).then(
          () => false,
          (e) => this.crashOn(e),
        );
        if (!crashed) {
          this.ctx.metrics.realQueries += 1;
          this.pendingSize = NodeStatistics.measure(engine);
          this.pendingSize.catch(() => undefined);
          this.recovery?.measureWal(engine);
        }
      }
    }
    this.ctx.scheduler.after(HOUSEKEEPING_US, () => this.housekeeping());
  }

  hardware(): Hardware {
    return hardwareOf(this.settings, this.stats.databaseBytes);
  }

  // ---- connections ----

  connect(client: ClientInfo, done: (r: { conn: Connection } | { error: SimError }) => void): void {
    if (this.status !== 'up') {
      done({ error: this.refusal() });
      return;
    }
    const limit = this.settings.max_connections - this.settings.superuser_reserved_connections;
    if (this.backends.size >= limit) {
      done({ error: simError('too_many_connections') });
      return;
    }
    const conn: Connection = { id: this.nextConn++, endpoint: this.id, dead: false };
    const b = this.backends.open(this.allocPids(1), conn, client);
    b.inFlight = (r) => done(r.ok ? { conn } : { error: r.error });
    this.cpu.run(COST.backendStartUs, () => {
      b.inFlight = undefined;
      this.backends.idle(b, 'idle');
      done({ conn });
    });
  }

  /** What a connection to the server gets while it is not up, as psql would see it: a client's and the console's alike. */
  private refusal(): SimError {
    if (this.status === 'down') return simError('sqlclient_unable_to_establish_sqlconnection', { message: `connection to server at "${this.id}", port 5432 failed: Connection refused` });
    // booting, restarting (crash recovery, a resize), or up before its engine is
    return simError('cannot_connect_now');
  }

  disconnect(conn: Connection): void {
    this.backends.close(conn);
  }

  cancel(conn: Connection): void {
    const b = this.backends.of(conn);
    if (b) this.backends.cancel(b.pid, simError('query_canceled', { message: 'canceling statement due to user request' }));
  }

  /** A shard's part of a two-phase commit, prepared for real on this primary (preparedTransaction.ts). */
  prepareTransaction(gid: string, op: PreparedOperation, params: readonly unknown[], console?: { maxRows: number }): Promise<PreparedPart> {
    const side = { engine: this.engine!, recovery: this.recovery, replication: this.replication, died: (reason: string) => (this.deadReason = reason) };
    this.reuse.stop(); // a prepared transaction holds back what a read may prune until it ends
    if (this.status === 'up' && this.engine) return prepareTransaction(this.ctx, side, gid, op, params, console);
    return Promise.resolve({ error: simError(this.status === 'down' ? 'connection_failure' : 'crash_shutdown'), results: [], finish: async () => ({}) });
  }

  // ---- statements ----

  async execute(conn: Connection, call: StatementCall, done: (r: Reply) => void): Promise<void> {
    if (this.deadReason) await this.crash(this.deadReason);
    const b = this.backends.of(conn);
    if (!b || conn.dead || this.status !== 'up' || !this.engine) {
      done({ ok: false, error: simError(this.status === 'down' ? 'connection_failure' : 'crash_shutdown') });
      return;
    }
    const now = this.ctx.scheduler.now;
    let profile: StatementProfile;
    let commitFlush = false;
    let sql: string;
    if (call.kind === 'sql') {
      const op = call.op;
      // a real client's statement meets the rules the engine relies on (its role refuses the rest)
      const refused = op.maxRows ? clientRefusal(op.statements[0].sql) : undefined;
      if (refused) return done({ ok: false, error: refused });
      const profiles = await this.profiles.of(this.engine, op, call.params, (reason) => this.crash(reason));
      if (this.status !== 'up' || conn.dead) {
        done({ ok: false, error: simError('crash_shutdown') });
        return;
      }
      if (call.index === 0) {
        // a real client's look at the monitoring views (pg_stat_activity ...) sees the model now, itself active
        if (op.maxRows && /\bpg_stat/i.test(op.statements[0].sql)) {
          Object.assign(b, { state: 'active', query: op.statements[0].sql, queryStart: now, stateChange: now });
          await this.views.refresh(this.engine);
        }
        const walRecords = profiles.reduce((n, p) => n + p.walRecords, 0);
        const batch = (await this.pipeline.send(b, op, call.params, walRecords)).reply;
        b.batch = batch;
        // a write on a primary becomes a stream record (a real client's block's: at its COMMIT); a read on a replica is checked for staleness
        if (op.writes && !b.block && !op.twoPhase) {
          b.record = this.replication?.recordWrite({ op, params: call.params, session: call.session, walRecords, ok: batch.then((r) => r.failedAt === undefined), applies: call.trace?.applies });
        } else if (op.readOnly) await this.replication?.checkRead(op, call.params, call.session, call.trace?.applies);
      }
      profile = profiles[call.index];
      const st = op.statements[call.index];
      sql = st.sql;
      if (op.writes) b.txWrites = true;
      commitFlush = !op.transaction && op.writes && this.settings.synchronous_commit !== 'off';
      profile = withSleep(profile, st.sql, st.paramIndexes.map((k) => call.params[k]));
    } else {
      sql = call.kind.toUpperCase();
      profile = BARE_STATEMENT;
      commitFlush = call.kind === 'commit' && b.txWrites && this.settings.synchronous_commit !== 'off';
      if (b.block) this.pipeline.endBlock(b, call.kind === 'commit', `wire:${this.id}`);
    }
    b.state = 'active';
    b.query = sql;
    b.queryStart = now;
    b.stateChange = now;
    b.waitEventType = null;
    b.waitEvent = null;
    if (call.kind === 'begin' || (call.kind === 'sql' && !call.op.transaction)) b.xactStart = now;
    const svc = serviceTime(profile, this.hardware(), this.stats.hits(profile, call.kind === 'sql' ? call.op.skew : undefined), this.rng, commitFlush);
    this.stats.blocks(svc.blocks);
    done = this.stats.counting(done, sql, profile, svc.blocks, () => this.ctx.scheduler.now - now);
    b.inFlight = done;
    this.cpu.run(svc.cpuUs, () => {
      if (b.inFlight !== done) return;
      const waitUs = svc.ioUs + svc.sleepUs;
      if (waitUs <= 0) return this.finish(b, call, done);
      [b.waitEventType, b.waitEvent] = svc.sleepUs > svc.ioUs ? ['Timeout', 'PgSleep'] : ['IO', commitFlush ? 'WalSync' : 'DataFileRead'];
      this.ctx.scheduler.after(waitUs, () => this.finish(b, call, done));
    });
  }

  private async finish(b: Backend, call: StatementCall, done: (r: Reply) => void): Promise<void> {
    if (b.inFlight !== done) return;
    let error: EngineError | undefined;
    let outcome: Promise<SimError | undefined> | undefined;
    if (call.kind === 'sql' && !call.op.transaction) {
      const at = this.ctx.scheduler.now;
      outcome = b.batch!.then(
        (reply) => (reply.failedAt === 0 ? fromEngineError(reply.error!) : undefined),
        (e) => {
          if (e instanceof EngineDeadError) this.deadReason = e.reason;
          return simError('crash_shutdown');
        },
      );
      this.ctx.metrics.defer(outcome, (err) => this.ctx.metrics.query(this.id, !!err, at));
    } else if (call.kind === 'sql' || b.blockCommit) {
      const batch = call.kind === 'sql' ? b.batch! : b.blockCommit!;
      b.blockCommit = undefined;
      let reply: RunReply;
      try {
        reply = await batch;
      } catch (e) {
        return void (await this.crashOn(e));
      }
      if (b.inFlight !== done) return;
      if (call.kind === 'sql' ? reply.failedAt === call.index : reply.failedAt !== undefined) error = reply.error;
    }
    let position: number | undefined;
    if (b.redo && (call.kind !== 'sql' || !call.op.transaction) && call.kind !== 'begin') {
      this.recovery?.ended(b.redo, this.ctx.scheduler.now);
      b.redo = undefined;
    }
    const rec = b.record;
    if (rec && (call.kind !== 'sql' || !call.op.transaction) && call.kind !== 'begin') {
      // the write's transaction ends: it is resolved in the stream; a commit may wait for synchronous standbys
      b.record = undefined;
      const level = this.replication!.resolve(rec, call.kind !== 'rollback' && !error, this.settings.synchronous_commit);
      if (level) {
        b.waitEventType = 'IPC';
        b.waitEvent = 'SyncRep';
        this.replication!.waitForStandbys(rec, level, () => {
          if (b.inFlight !== done) return false;
          this.reply(b, call, done, error, outcome, rec.seq);
          return true;
        });
        return;
      }
      position = rec.seq;
    }
    this.reply(b, call, done, error, outcome, position);
  }

  private reply(
    b: Backend,
    call: StatementCall,
    done: (r: Reply) => void,
    error: EngineError | undefined,
    outcome: Promise<SimError | undefined> | undefined,
    position: number | undefined,
  ): void {
    b.inFlight = undefined;
    const inTx = call.kind === 'begin' || (call.kind === 'sql' && call.op.transaction);
    if (!inTx) {
      b.xactStart = null;
      b.txWrites = false;
      this.stats.transactionEnded(call.kind !== 'rollback' && !error);
    }
    this.backends.idle(b, inTx ? (error ? 'idle in transaction (aborted)' : 'idle in transaction') : 'idle');
    if (!outcome) this.ctx.metrics.query(this.id, !!error);
    const result = call.kind === 'sql' && call.op.maxRows ? b.batch!.then((r) => r.results[call.index], () => undefined) : undefined;
    done(error ? { ok: false, error: fromEngineError(error) } : { ok: true, outcome, position, ...(result ? { result } : {}) });
  }

  // ---- replication (sim/replication/ports.ts) ----

  attachReplication(m: Membership): void {
    this.replication = m;
  }

  get isReplica(): boolean {
    return this.replication?.role === 'replica';
  }

  replicationState(): ReplicationState | undefined {
    return this.replication?.state();
  }

  currentLsn(): Promise<string> {
    this.ctx.metrics.realQueries += 1;
    const p = this.engine!.request({ op: 'run', statements: [{ sql: 'SELECT pg_catalog.pg_current_wal_lsn()::text' }], transaction: false, maxRows: 1 }) as Promise<RunReply>;
    p.catch(() => undefined);
    return p.then((r) => {
      const lsn = String(r.results[0]?.rows?.[0]?.[0] ?? '0/0');
      this.recovery?.sawWal(parseLsn(lsn));
      return lsn;
    });
  }

  flushUs(): number {
    return this.hardware().diskLatencyUs;
  }

  replayUs(walRecords: number, rng: Rng): number {
    return replayTime(walRecords, this.hardware(), rng);
  }

  replayCpu(us: number, done: () => void): void {
    this.cpu.run(us, done);
  }

  conflictingStatements(tables: Set<string>, beforeUs: number): number[] {
    return this.backends.conflicting(tables, beforeUs);
  }

  cancelStatement(pid: number, error: SimError): void {
    this.backends.cancel(pid, error);
  }

  replay(rec: ShippedStatements): void {
    if (!this.engine) return;
    if (rec.op) this.reuse.ran(rec.op);
    else if (rec.sql !== undefined) this.reuse.stop();
    const { requests, queries } = replayRequests(rec);
    this.ctx.metrics.realQueries += queries;
    for (const req of requests) this.pipeline.replay(req);
  }

  restartPosition(): number | undefined {
    return this.recovery?.restartpoint.position;
  }

  async becomePrimary(): Promise<string> {
    if (!this.engine) return '0/0';
    this.reuse.clear();
    await this.engine.request({ op: 'exec', sql: sessionSettingsSql(this.settings, this.isReplica, this.ctx.scheduler.now) });
    return this.currentLsn();
  }

  // ---- faults, crash and restart ----

  /** Stop, start, kill; promote and lag spike are replication's. */
  fault(f: FaultCommand): Promise<string | undefined> | string | undefined {
    switch (f.kind) {
      case 'stop':
        return this.stopServer();
      case 'start':
        return this.startServer();
      case 'kill':
        return this.killServer();
      case 'promote':
        return this.replication ? this.replication.promote() : `${this.id} is not a replica`;
      case 'lag-spike':
        return this.replication ? this.replication.lagSpike(f) : `${this.id} is not a replica`;
    }
  }

  /** Drops every connection with `error` (FATAL): a shutdown, a death or a crash. */
  private terminateAll(error: SimError): void {
    this.pipeline.clear();
    this.cpu.clear();
    this.backends.terminateAll(error);
  }

  /** A fast shutdown (a stop, or a restart to apply a setting): connections are terminated, the data stays; a replica's walreceiver stops. Returns how many there were. */
  private shutdown(status: 'down' | 'restarting'): number {
    const lost = this.backends.size;
    this.status = status;
    this.terminateAll(simError('admin_shutdown'));
    this.replication?.down('stopped');
    return lost;
  }

  private stopServer(): string | undefined {
    if (this.status !== 'up') return `${this.id} is not running`;
    this.shutdown('down');
    this.ctx.emit({ type: 'node-stopped', node: this.id, message: `${this.id} was stopped` });
    return undefined;
  }

  /** Starts a stopped server: it accepts connections after a start-up time; a replica catches up. */
  private startServer(): string | undefined {
    if (this.status !== 'down' || !this.engine) return `${this.id} is not a stopped server${this.engine ? '' : ' (a killed server does not come back)'}`;
    this.status = 'booting';
    this.ctx.scheduler.after(START_US, () => {
      this.status = 'up';
      this.replication?.up();
      this.ctx.emit({ type: 'node-started', node: this.id, message: `${this.id} is up again` });
    });
    return undefined;
  }

  /** The server dies (its machine fails): connections break, it never comes back in this run. */
  private async killServer(): Promise<string | undefined> {
    if (this.status === 'down' && !this.engine) return `${this.id} is already dead`;
    await this.replication?.settle();
    this.status = 'down';
    this.terminateAll(simError('connection_failure'));
    const e = this.engine;
    this.engine = undefined;
    e?.kill();
    this.replication?.down('killed');
    this.ctx.emit({ type: 'node-killed', node: this.id, message: `${this.id} died` });
    return undefined;
  }

  /** A request failed: a dead engine is the node's crash (true once handled); any other failure is thrown on. */
  private async crashOn(e: unknown): Promise<true> {
    if (!(e instanceof EngineDeadError)) throw e;
    await this.crash(e.reason);
    return true;
  }

  private async crash(reason: string): Promise<void> {
    this.deadReason = undefined;
    if (this.status !== 'up' || !this.recovery) return;
    this.status = 'restarting';
    this.engine = undefined;
    this.profiles.clear();
    this.reuse.restarted();
    this.stats.cache.cold(false); // shared_buffers died with the server; the OS page cache did not
    const from = this.recovery.restartpoint;
    const { redo, redoUs } = this.recovery.crashed((walRecords) => this.replayUs(walRecords, this.rng));
    this.ctx.emit({
      type: 'node-crashed',
      node: this.id,
      message: `${this.id} crashed (${reason}); ${this.backends.size} connection(s) lost; crash recovery from its checkpoint at ${from.atUs / 1e6} s, redoing ${redo.length} write(s)`,
    });
    this.ctx.metrics.realQueries += redo.length + 2;
    const recovery = this.recovery;
    // its WAL goes on past what the crashed engine showed, once the crashed engine's answers are all in
    const answered = this.replication?.settle();
    this.restarting = this.startEngine(from.image.full()).then((engine) => recovery.redone(engine, redo, answered));
    this.restarting.catch(() => undefined);
    // first the stream: the writes open now die with the engine (never replayed), then their backends
    this.replication?.down('stopped');
    this.terminateAll(simError('crash_shutdown'));
    this.ctx.scheduler.after(RESTART_US + redoUs, () => this.restarted());
  }

  /** Completes the restart under way (at its event, or earlier for the console); later calls do nothing. */
  private async restarted(): Promise<void> {
    const restarting = this.restarting;
    if (!restarting) return;
    this.restarting = undefined;
    try {
      this.engine = await restarting;
      this.status = 'up';
      this.views.started(this.allocPids(8));
      this.ctx.emit({ type: 'node-restarted', node: this.id, message: `${this.id} is up again` });
      // a primary's standbys reconnect; a standby streams again from its restartpoint's position
      this.replication?.recovered(this.recovery!.restartpoint.position);
    } catch (e) {
      this.status = 'down';
      this.ctx.emit({ type: 'node-crashed', node: this.id, message: `${this.id} could not restart: ${(e as Error).message}` });
    }
  }

  // ---- console and monitoring ----

  /** Runs a console statement now, outside virtual time, on a view of the model refreshed first. */
  async console(sql: string): Promise<ConsoleResult> {
    const base = { node: this.id, query: sql, columns: [], rows: [], rowCount: 0 };
    const refused = consoleRefusal(sql);
    if (refused) return { ...base, error: refused };
    if (this.status === 'restarting') await this.restarted();
    if (this.status !== 'up' || !this.engine) return { ...base, error: this.refusal() };
    if (this.isReplica && setsReadWrite(sql)) return { ...base, error: simError('cannot_set_read_write') };
    const engine = this.engine;
    this.reuse.stop(); // it may change anything, VACUUM or a function's DDL included
    try {
      await this.views.refresh(engine, sql);
      const reply = (await engine.request({ op: 'console', sql, maxRows: CONSOLE_MAX_ROWS })) as ConsoleReply;
      this.ctx.metrics.realQueries += 1;
      if (reply.walLsn) this.recovery?.sawWal(parseLsn(reply.walLsn));
      if (consoleMayWrite(sql)) {
        this.replication?.consoleWrote(sql, !reply.error);
        // redone at the virtual time it ran at (the refresh above set it), so its column defaults come out the same
        const redo = { op: 'console', sql, maxRows: 0, clock: virtualTimestamp(this.ctx.scheduler.now) } as const;
        if (!reply.error && !this.isReplica) this.recovery?.ended(this.recovery.log(redo, 1), this.ctx.scheduler.now);
      }
      if (reply.error) return { ...base, error: fromEngineError(reply.error) };
      const r = reply.result!;
      return { ...base, columns: r.columns ?? [], ...(r.types ? { types: r.types } : {}), rows: r.rows ?? [], rowCount: r.rowCount, command: r.command, truncated: r.truncated };
    } catch (e) {
      await this.crashOn(e);
      return { ...base, error: simError('runaway_statement', { detail: (e as EngineDeadError).reason }) };
    }
  }

  // ---- settings, snapshot ----

  async applySetting(name: string, value: unknown): Promise<'applied' | 'restart-required'> {
    Object.assign(this.spec.settings, withInstance({ ...this.spec.settings, [name]: value }));
    if (CHECKPOINT_SETTINGS.has(name) || AUTOVACUUM_SETTINGS.has(name)) return 'applied';
    if (REPLICATION_SETTINGS.has(name)) {
      this.replication?.settingChanged();
      return 'applied';
    }
    if (name === 'work_mem' || name === 'effective_cache_size') {
      this.profiles.clear();
      this.reuse.clear();
      if (this.engine) await this.engine.request({ op: 'exec', sql: sessionSettingsSql(this.settings, this.isReplica, this.ctx.scheduler.now) });
      return 'applied';
    }
    if (RESIZE_SETTINGS.has(name)) {
      const stop = () => (this.status === 'up' ? this.shutdown('restarting') : undefined);
      resize(this.ctx, { id: this.id, settings: this.settings, cpu: this.cpu, stats: this.stats, stop, start: () => this.startRestarted() }, name);
      return 'applied';
    }
    return 'restart-required';
  }

  /** Whether applying `name` now restarts the server (resize.ts): its start is an event of virtual time. */
  restartsFor(name: string): boolean {
    return RESIZE_SETTINGS.has(name) && this.status === 'up';
  }

  /** Up again after a restart to apply a setting (resize.ts), unless a crash's recovery took it over. */
  private startRestarted(): boolean {
    if (this.status !== 'restarting' || this.restarting) return false;
    this.status = 'up';
    this.views.started(this.allocPids(8));
    this.replication?.up();
    return true;
  }

  snapshot(): PostgresSnapshot {
    return postgresSnapshot(this, this.ctx.metrics, { backends: this.backends, runQueue: this.cpu.running, stats: this.stats, replication: this.replication?.figures() });
  }

  report(): ReportBlock {
    return postgresReport(this.ctx.metrics.node(this.id), this.stats, this.settings, this.replication?.report());
  }

  async close(): Promise<void> {
    this.status = 'down';
    const e = this.engine ?? (await this.restarting?.catch(() => undefined));
    this.engine = undefined;
    await e?.close();
  }
}
