/**
 * A `postgres` node: a real PGlite (its rows, plans, errors and sizes are real) behind a model of the
 * server around it: connections and their backends, cores shared by running statements, caches, disk,
 * and the virtual time each statement takes.
 *
 * Invariants:
 * - Every statement's SQL runs on the engine in virtual order: a request is sent when its first statement
 *   starts service and its reply is awaited at that statement's completion (pipelining); a transaction's
 *   statements go as one batch, so no other client's statement interleaves on the single real session.
 * - A statement's service time is known when it starts: it comes from a profile (EXPLAIN ANALYZE of an
 *   earlier execution of the same operation, refreshed every PROFILE_MAX_AGE_US), never from its reply.
 * - A backend counts against max_connections from its connection's arrival until it is closed.
 * - When the engine dies every connection is lost (crash_shutdown) and the node restarts from its last
 *   snapshot after RESTART_US; the run goes on.
 * - In a replicated cluster (sim/replication/) a write operation sent to a primary's engine is followed by
 *   a pg_current_wal_lsn() request (its stream record's LSN), its commit resolves the record and waits for
 *   standbys as synchronous_commit says; a replica's sessions are read-only (default_transaction_read_only),
 *   and replay reaches its engine only through replayOnEngine, in stream order.
 */
import type { FaultCommand } from '../../core/commands.ts';
import { type SimError, conditionName, simError } from '../../core/errors.ts';
import type { Rng } from '../../core/rng.ts';
import { EngineDeadError, type DbEngine } from '../../engine/DbEngine.ts';
import type { ConsoleReply, EngineError, ProfileReply, RunReply } from '../../engine/protocol.ts';
import { ENGINE_CONF } from '../../engine/snapshots.ts';
import { type ActivityRow, auxiliaryProcesses, refreshActivitySql, virtualTimestamp } from '../../monitoring/activity.ts';
import { refuseReason } from '../../monitoring/consoleGuard.ts';
import { memoryBytes, timeUs } from '../../scenario/settings.ts';
import type { Replication, WriteRecord } from '../../replication/Replication.ts';
import { footprint } from '../../replication/footprint.ts';
import { boundStatements, isReadOnlySql, type PreparedOperation } from '../../workload/operations.ts';
import type {
  ClientInfo,
  Connection,
  ConsoleResult,
  NodeSnapshot,
  NodeSpec,
  ReplicationState,
  Reply,
  SimContext,
  SqlEndpoint,
  StatementCall,
} from '../types.ts';
import { COST, type Hardware, profileFromPlan, type StatementProfile, serviceTime } from './costModel.ts';
import { Cpu } from './Cpu.ts';
import type { PostgresSettings } from './settings.ts';

const PROFILE_MAX_AGE_US = 10e6;
const RESTART_US = 2e6;
const HOUSEKEEPING_US = 1e6;
const MAX_OUTSTANDING = 256;
export const CONSOLE_MAX_ROWS = 1000;

interface Backend {
  pid: number;
  conn: Connection;
  client: ClientInfo;
  backendStart: number;
  xactStart: number | null;
  queryStart: number | null;
  stateChange: number;
  state: 'starting' | 'active' | 'idle' | 'idle in transaction' | 'idle in transaction (aborted)';
  waitEventType: string | null;
  waitEvent: string | null;
  query: string;
  /** The write statements of the open transaction need a WAL flush at COMMIT. */
  txWrites: boolean;
  /** The engine's reply to the operation in progress. */
  batch?: Promise<RunReply>;
  /** The statement in service, to fail if the node crashes. */
  inFlight?: (r: Reply) => void;
  /** The replication stream record of the open write (a primary with replicas). */
  record?: WriteRecord;
}

export class PostgresNode implements SqlEndpoint {
  readonly kind = 'postgres';
  status: NodeSnapshot['status'] = 'booting';
  private engine: DbEngine | undefined;
  private restarting: Promise<DbEngine> | undefined;
  private snapshotTar: Uint8Array | undefined;
  private readonly cpu: Cpu;
  private readonly rng: Rng;
  private readonly backends = new Map<number, Backend>();
  private readonly byConn = new Map<number, Backend>();
  private readonly profiles = new Map<string, StatementProfile[]>();
  private nextPid = 1000;
  private nextConn = 1;
  private databaseBytes = 0;
  private pendingSize: Promise<number> | undefined;
  private auxiliary: ActivityRow[] = [];
  /** Set when a reply nobody waited for found the engine dead; the next event on the node crashes it. */
  private deadReason: string | undefined;
  /** Replies not yet received, oldest first: at MAX_OUTSTANDING the sim waits for the oldest. */
  private outstanding: Promise<unknown>[] = [];
  private replication: Replication | undefined;

  constructor(
    private readonly ctx: SimContext,
    readonly spec: NodeSpec<PostgresSettings>,
  ) {
    this.rng = ctx.rng(`postgres:${spec.id}`);
    this.cpu = new Cpu(ctx.scheduler, spec.settings.cores, (from, to, busy) => ctx.metrics.busy(this.id, from, to, busy));
    ctx.metrics.node(this.id).cores = spec.settings.cores;
  }

  get id(): string {
    return this.spec.id;
  }

  get settings(): PostgresSettings {
    return this.spec.settings;
  }

  /** Boots the engine from the scenario's data snapshot (set by the simulation before boot). */
  async boot(snapshot: Uint8Array | undefined): Promise<void> {
    this.snapshotTar = snapshot;
    this.engine = await this.startEngine();
    this.databaseBytes = await this.measureSize(this.engine);
    this.auxiliary = auxiliaryProcesses(this.ctx.scheduler.now, this.allocPids(8));
    this.status = 'up';
    this.ctx.scheduler.after(HOUSEKEEPING_US, () => this.housekeeping());
  }

  private allocPids(n: number): number {
    const first = this.nextPid;
    this.nextPid += n;
    return first;
  }

  private async startEngine(): Promise<DbEngine> {
    if (!this.snapshotTar) throw new Error(`${this.id}: no snapshot to boot from`);
    const engine = await this.ctx.engines.create({ snapshot: this.snapshotTar, postgresqlConf: ENGINE_CONF, name: this.id });
    engine.onDeath = (reason) => this.ctx.emit({ type: 'node-crashed', node: this.id, message: `${this.id} crashed: ${reason}` });
    await engine.request({ op: 'exec', sql: this.sessionSettingsSql() });
    this.ctx.metrics.realQueries += 1;
    return engine;
  }

  /** Session settings that change plans for real: work_mem and effective_cache_size. */
  private sessionSettingsSql(): string {
    const kb = (b: number) => `${Math.max(64, Math.floor(b / 1024))}kB`;
    return [
      'SET search_path = public, sim_catalog, pg_catalog',
      `SET work_mem = '${kb(memoryBytes(this.settings.work_mem, 'kB'))}'`,
      `SET effective_cache_size = '${kb(memoryBytes(this.settings.effective_cache_size, '8kB'))}'`,
      `SELECT set_config('sim.now', '${virtualTimestamp(this.ctx.scheduler.now)}', false)`,
      // a hot standby: every transaction is read-only (PostgreSQL's own error for writes)
      `SET default_transaction_read_only = ${this.isReplica ? 'on' : 'off'}`,
      `SELECT set_config('sim.in_recovery', '${this.isReplica ? 'on' : 'off'}', false)`,
    ].join('; ');
  }

  private async measureSize(engine: DbEngine): Promise<number> {
    this.ctx.metrics.realQueries += 1;
    const r = (await engine.request({
      op: 'run',
      statements: [{ sql: 'SELECT pg_database_size(current_database())::float8' }],
      transaction: false,
      maxRows: 1,
    })) as RunReply;
    return Number(r.results[0]?.rows?.[0]?.[0] ?? 0);
  }

  /** Once a virtual second: the virtual clock into the engine; the database size every 10 s. */
  private async housekeeping(): Promise<void> {
    if (this.deadReason) await this.crash(this.deadReason);
    if (this.status === 'up' && this.engine) {
      const engine = this.engine;
      this.ctx.metrics.realQueries += 1;
      engine
        .request({ op: 'exec', sql: `SELECT set_config('sim.now', '${virtualTimestamp(this.ctx.scheduler.now)}', false)` })
        .catch(() => undefined);
      const tick = Math.round(this.ctx.scheduler.now / HOUSEKEEPING_US);
      if (tick % 10 === 0) {
        if (this.pendingSize) this.databaseBytes = (await this.pendingSize.catch(() => this.databaseBytes)) || this.databaseBytes;
        this.pendingSize = this.measureSize(engine);
        this.pendingSize.catch(() => undefined);
      }
    }
    this.ctx.scheduler.after(HOUSEKEEPING_US, () => this.housekeeping());
  }

  hardware(): Hardware {
    const s = this.settings;
    return {
      cores: s.cores,
      ramBytes: memoryBytes(s.ram, 'MB'),
      sharedBuffersBytes: memoryBytes(s.shared_buffers, '8kB'),
      diskLatencyUs: timeUs(s.disk_latency),
      diskBytesPerUs: s.disk_throughput,
      databaseBytes: this.databaseBytes,
    };
  }

  // ---- connections ----

  connect(client: ClientInfo, done: (r: { conn: Connection } | { error: SimError }) => void): void {
    if (this.status !== 'up') {
      const code = this.status === 'restarting' ? 'cannot_connect_now' : this.status === 'down' ? 'sqlclient_unable_to_establish_sqlconnection' : 'crash_shutdown';
      done({ error: simError(code, code === 'sqlclient_unable_to_establish_sqlconnection' ? { message: `connection to server at "${this.id}", port 5432 failed: Connection refused` } : {}) });
      return;
    }
    const limit = this.settings.max_connections - this.settings.superuser_reserved_connections;
    if (this.backends.size >= limit) {
      done({ error: simError('too_many_connections') });
      return;
    }
    const now = this.ctx.scheduler.now;
    const conn: Connection = { id: this.nextConn++, endpoint: this.id, dead: false };
    const b: Backend = {
      pid: this.allocPids(1),
      conn,
      client,
      backendStart: now,
      xactStart: null,
      queryStart: null,
      stateChange: now,
      state: 'starting',
      waitEventType: null,
      waitEvent: null,
      query: '',
      txWrites: false,
    };
    this.backends.set(b.pid, b);
    this.byConn.set(conn.id, b);
    this.ctx.metrics.connections(this.id, +1);
    b.inFlight = (r) => done(r.ok ? { conn } : { error: r.error });
    this.cpu.run(COST.backendStartUs, () => {
      b.inFlight = undefined;
      b.state = 'idle';
      b.waitEventType = 'Client';
      b.waitEvent = 'ClientRead';
      b.stateChange = this.ctx.scheduler.now;
      done({ conn });
    });
  }

  disconnect(conn: Connection): void {
    const b = this.byConn.get(conn.id);
    if (!b) return;
    this.byConn.delete(conn.id);
    this.backends.delete(b.pid);
    if (b.record) this.replication?.resolve(b.record, false);
    this.ctx.metrics.connections(this.id, -1);
  }

  // ---- statements ----

  async execute(conn: Connection, call: StatementCall, done: (r: Reply) => void): Promise<void> {
    if (this.deadReason) await this.crash(this.deadReason);
    const b = this.byConn.get(conn.id);
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
      const profiles = await this.profilesFor(op, call.params);
      if (this.status !== 'up' || conn.dead) {
        done({ ok: false, error: simError('crash_shutdown') });
        return;
      }
      if (call.index === 0) b.batch = (await this.send(op, call.params)).reply;
      if (call.index === 0 && this.replication) await this.replicate(b, call, profiles);
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
    }
    b.state = 'active';
    b.query = sql;
    b.queryStart = now;
    b.stateChange = now;
    b.waitEventType = null;
    b.waitEvent = null;
    if (call.kind === 'begin' || (call.kind === 'sql' && !call.op.transaction)) b.xactStart = now;
    b.inFlight = done;
    const svc = serviceTime(profile, this.hardware(), this.rng, commitFlush);
    this.cpu.run(svc.cpuUs, () => {
      if (b.inFlight !== done) return;
      const waitUs = svc.ioUs + svc.sleepUs;
      if (waitUs <= 0) return this.finish(b, call, done);
      [b.waitEventType, b.waitEvent] = svc.sleepUs > svc.ioUs ? ['Timeout', 'PgSleep'] : ['IO', commitFlush ? 'WalSync' : 'DataFileRead'];
      this.ctx.scheduler.after(waitUs, () => this.finish(b, call, done));
    });
  }

  /** Sends an operation to the engine once there is room in the pipeline; its reply is awaited later. */
  private async send(op: PreparedOperation, params: readonly unknown[]): Promise<{ reply: Promise<RunReply> }> {
    while (this.outstanding.length >= MAX_OUTSTANDING) await this.outstanding.shift()!.catch(() => undefined);
    this.ctx.metrics.realQueries += op.statements.length + (op.transaction ? 2 : 0);
    const p = this.engine!.request({
      op: 'run',
      transaction: op.transaction,
      statements: boundStatements(op, params),
    }) as Promise<RunReply>;
    p.catch(() => undefined);
    this.outstanding.push(p);
    return { reply: p };
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
    } else if (call.kind === 'sql') {
      let reply: RunReply;
      try {
        reply = await b.batch!;
      } catch (e) {
        if (e instanceof EngineDeadError) return this.crash(e.reason);
        throw e;
      }
      if (b.inFlight !== done) return;
      if (reply.failedAt === call.index) error = reply.error;
    }
    let position: number | undefined;
    const rec = b.record;
    if (rec && (call.kind !== 'sql' || !call.op.transaction) && call.kind !== 'begin') {
      b.record = undefined;
      const committed = call.kind !== 'rollback' && !error;
      this.replication!.resolve(rec, committed);
      const level = committed ? this.replication!.commitWait(this.id, this.settings.synchronous_commit) : undefined;
      if (level) {
        b.waitEventType = 'IPC';
        b.waitEvent = 'SyncRep';
        this.replication!.waitForStandbys(rec, level, () => {
          if (b.inFlight !== done) return;
          rec.acknowledged = true;
          this.reply(b, call, done, error, outcome, rec.seq);
        });
        return;
      }
      rec.acknowledged = committed;
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
    const now = this.ctx.scheduler.now;
    const inTx = call.kind === 'begin' || (call.kind === 'sql' && call.op.transaction);
    b.state = inTx ? (error ? 'idle in transaction (aborted)' : 'idle in transaction') : 'idle';
    if (!inTx) {
      b.xactStart = null;
      b.txWrites = false;
    }
    b.stateChange = now;
    b.waitEventType = 'Client';
    b.waitEvent = 'ClientRead';
    if (!outcome) this.ctx.metrics.query(this.id, !!error);
    done(error ? { ok: false, error: fromEngineError(error) } : { ok: true, outcome, position });
  }

  /** A write on a primary becomes a stream record (with its LSN); a read on a replica is checked for staleness. */
  private async replicate(b: Backend, call: Extract<StatementCall, { kind: 'sql' }>, profiles: StatementProfile[]): Promise<void> {
    const repl = this.replication!;
    const op = call.op;
    if (op.writes) {
      const batch = b.batch!;
      b.record = repl.recordWrite(this.id, {
        op,
        params: call.params,
        session: call.session,
        walRecords: profiles.reduce((n, p) => n + p.walRecords, 0),
        ok: batch.then((r) => r.failedAt === undefined),
        lsn: () => this.currentLsn(),
      });
    } else if (op.readOnly) {
      await repl.checkRead(this.id, op, call.params, call.session);
    }
  }

  /** The engine's real WAL insert position now (pipelined: sent now, its reply awaited by whoever needs it). */
  private currentLsn(): Promise<string> {
    this.ctx.metrics.realQueries += 1;
    const p = this.engine!.request({
      op: 'run',
      statements: [{ sql: 'SELECT pg_catalog.pg_current_wal_lsn()::text' }],
      transaction: false,
      maxRows: 1,
    }) as Promise<RunReply>;
    p.catch(() => undefined);
    return p.then((r) => String(r.results[0]?.rows?.[0]?.[0] ?? '0/0'));
  }

  // ---- replication (sim/replication/) ----

  /** Called once, before boot, when the scenario has replication edges. */
  attachReplication(r: Replication): void {
    this.replication = r;
  }

  get isReplica(): boolean {
    return this.replication?.role(this.id) === 'replica';
  }

  replicationState(): ReplicationState | undefined {
    return this.replication?.state(this.id);
  }

  /** Statements running now that read any of `tables` and started before `beforeUs` (recovery conflicts). */
  conflictingStatements(tables: Set<string>, beforeUs: number): number[] {
    const out: number[] = [];
    for (const b of this.backends.values()) {
      if (b.state !== 'active' || !b.inFlight || b.queryStart === null || b.queryStart >= beforeUs) continue;
      const reads = footprint(b.query);
      if (tables.has('*') || reads.some((f) => f.table === '*' || tables.has(f.table))) out.push(b.pid);
    }
    return out;
  }

  /** Cancels the statement a backend is running with `error` (its connection stays). */
  cancelStatement(pid: number, error: SimError): void {
    const b = this.backends.get(pid);
    const f = b?.inFlight;
    if (!b || !f) return;
    b.inFlight = undefined;
    b.state = b.xactStart !== null && b.state === 'active' && b.txWrites ? 'idle in transaction (aborted)' : 'idle';
    b.stateChange = this.ctx.scheduler.now;
    b.waitEventType = 'Client';
    b.waitEvent = 'ClientRead';
    this.ctx.metrics.query(this.id, true);
    f({ ok: false, error });
  }

  /** Replay work of the startup process, on one of this node's cores. */
  replayCpu(us: number, done: () => void): void {
    this.cpu.run(us, done);
  }

  /** Makes a replayed record's changes real on this replica's engine (pipelined, in stream order). */
  replayOnEngine(rec: WriteRecord): void {
    const engine = this.engine;
    if (!engine) return;
    const track = (p: Promise<unknown>) => {
      p.catch(() => undefined);
      this.outstanding.push(p);
      if (this.outstanding.length > MAX_OUTSTANDING) this.outstanding.shift();
    };
    if (rec.op) {
      this.ctx.metrics.realQueries += rec.op.statements.length + 3;
      track(
        engine.request({
          op: 'run',
          transaction: true,
          statements: [
            { sql: 'SET LOCAL transaction_read_only = off' },
            ...boundStatements(rec.op, rec.params),
          ],
        }),
      );
    } else if (rec.sql) {
      this.ctx.metrics.realQueries += 4;
      track(engine.request({ op: 'exec', sql: 'SET default_transaction_read_only = off' }));
      track(engine.request({ op: 'exec', sql: rec.sql }));
      track(engine.request({ op: 'exec', sql: 'ROLLBACK' }));
      track(engine.request({ op: 'exec', sql: 'SET default_transaction_read_only = on' }));
    }
  }

  /** Ends recovery: sessions become read-write. Returns the engine's own WAL position (for the LSN offset). */
  async becomePrimary(): Promise<number> {
    if (!this.engine) return 0;
    await this.engine.request({ op: 'exec', sql: this.sessionSettingsSql() });
    const lsn = await this.currentLsn();
    const [hi, lo] = lsn.split('/');
    return Number.parseInt(hi, 16) * 2 ** 32 + Number.parseInt(lo, 16);
  }

  /** Drops every connection with `error` (FATAL): a shutdown or a death. */
  private terminateAll(error: SimError): void {
    this.outstanding = [];
    this.cpu.clear();
    const lost = [...this.backends.values()];
    this.backends.clear();
    this.byConn.clear();
    this.ctx.metrics.connections(this.id, -lost.length);
    for (const b of lost) {
      b.conn.dead = true;
      if (b.record) this.replication?.resolve(b.record, false);
      const f = b.inFlight;
      b.inFlight = undefined;
      f?.({ ok: false, error });
    }
  }

  /** Stop, start, kill, promote, lag spike (the last two are replication's). */
  fault(f: FaultCommand): Promise<string | undefined> | string | undefined {
    switch (f.kind) {
      case 'stop':
        return this.stopServer();
      case 'start':
        return this.startServer(this.replication?.startDelayUs ?? 0);
      case 'kill':
        return this.killServer();
      case 'promote':
        return this.replication ? this.replication.promote(this.id) : `${this.id} is not a replica`;
      case 'lag-spike':
        return this.replication
          ? this.replication.lagSpike(this.id, {
              applyFactor: f.applyFactor,
              linkDelayUs: f.linkDelay === undefined ? 0 : timeUs(f.linkDelay),
              durationUs: f.duration === undefined ? undefined : timeUs(f.duration, 's'),
            })
          : `${this.id} is not a replica`;
    }
  }

  /** A fast shutdown: connections are terminated, the data stays; a replica's walreceiver stops. */
  stopServer(): string | undefined {
    if (this.status !== 'up') return `${this.id} is not running`;
    this.status = 'down';
    this.terminateAll(simError('admin_shutdown'));
    this.replication?.nodeDown(this.id, 'stopped');
    this.ctx.emit({ type: 'node-stopped', node: this.id, message: `${this.id} was stopped` });
    return undefined;
  }

  /** Starts a stopped server: it accepts connections after a start-up time; a replica catches up. */
  startServer(delayUs: number): string | undefined {
    if (this.status !== 'down' || !this.engine) return `${this.id} is not a stopped server${this.engine ? '' : ' (a killed server does not come back)'}`;
    this.status = 'booting';
    this.ctx.scheduler.after(delayUs, () => {
      this.status = 'up';
      this.replication?.nodeUp(this.id);
      this.ctx.emit({ type: 'node-started', node: this.id, message: `${this.id} is up again` });
    });
    return undefined;
  }

  /** The server dies (its machine fails): connections break, it never comes back in this run. */
  async killServer(): Promise<string | undefined> {
    if (this.status === 'down' && !this.engine) return `${this.id} is already dead`;
    await this.replication?.settleNode(this.id);
    this.status = 'down';
    this.terminateAll(simError('connection_failure'));
    const e = this.engine;
    this.engine = undefined;
    e?.kill();
    this.replication?.nodeDown(this.id, 'killed');
    this.ctx.emit({ type: 'node-killed', node: this.id, message: `${this.id} died` });
    return undefined;
  }

  /** Profiles of an operation's statements on this node, refreshed when older than PROFILE_MAX_AGE_US. */
  private async profilesFor(op: PreparedOperation, params: readonly unknown[]): Promise<StatementProfile[]> {
    const key = `${op.name}\u0000${op.statements.map((s) => s.sql).join('\u0000')}`;
    const now = this.ctx.scheduler.now;
    const known = this.profiles.get(key);
    if (known && now - known[0].at < PROFILE_MAX_AGE_US) return known;
    let reply: ProfileReply;
    try {
      this.ctx.metrics.realQueries += op.statements.length * 3 + 2;
      reply = (await this.engine!.request({
        op: 'profile',
        statements: boundStatements(op, params),
      })) as ProfileReply;
    } catch (e) {
      if (e instanceof EngineDeadError) {
        await this.crash(e.reason);
        return known ?? op.statements.map(() => BARE_STATEMENT);
      }
      throw e;
    }
    const profiles = reply.statements.map((s, i) => {
      const p = profileFromPlan(s.plan, s.sleptSeconds, now, s.error);
      const arg = sleepParam(op.statements[i].sql);
      if (arg !== undefined) {
        const value = Number(params[op.statements[i].paramIndexes[arg - 1]]);
        p.sleepSeconds = value > 0 ? p.sleepSeconds / value : 0; // seconds per unit of the parameter
      }
      return p;
    });
    this.profiles.set(key, profiles);
    return profiles;
  }

  // ---- crash and restart ----

  private async crash(reason: string): Promise<void> {
    this.deadReason = undefined;
    if (this.status !== 'up') return;
    this.outstanding = [];
    this.status = 'restarting';
    this.engine = undefined;
    this.cpu.clear();
    const lost = [...this.backends.values()];
    this.backends.clear();
    this.byConn.clear();
    this.profiles.clear();
    this.ctx.metrics.connections(this.id, -lost.length);
    this.ctx.emit({
      type: 'node-crashed',
      node: this.id,
      message: `${this.id} crashed (${reason}); ${lost.length} connection(s) lost; restarting from its last snapshot`,
    });
    this.restarting = this.startEngine();
    this.restarting.catch(() => undefined);
    for (const b of lost) {
      b.conn.dead = true;
      if (b.record) this.replication?.resolve(b.record, false);
      const f = b.inFlight;
      b.inFlight = undefined;
      f?.({ ok: false, error: simError('crash_shutdown') });
    }
    this.replication?.nodeDown(this.id, 'stopped');
    this.ctx.scheduler.after(RESTART_US, () => this.restarted());
  }

  private async restarted(): Promise<void> {
    try {
      this.engine = await this.restarting!;
      this.status = 'up';
      this.auxiliary = auxiliaryProcesses(this.ctx.scheduler.now, this.allocPids(8));
      this.ctx.emit({ type: 'node-restarted', node: this.id, message: `${this.id} is up again` });
      // it restarted from the data snapshot (time 0): a replica replays the stream again from its start
      this.replication?.nodeRestartedFromSnapshot(this.id);
    } catch (e) {
      this.status = 'down';
      this.ctx.emit({ type: 'node-crashed', node: this.id, message: `${this.id} could not restart: ${(e as Error).message}` });
    }
    this.restarting = undefined;
  }

  // ---- console and monitoring ----

  /** Rows of pg_stat_activity as the model has them now (plus the console's own session). */
  activity(consoleQuery?: string): ActivityRow[] {
    const now = this.ctx.scheduler.now;
    const rows: ActivityRow[] = [];
    for (const b of this.backends.values()) {
      rows.push({
        pid: b.pid,
        datname: 'postgres',
        usename: 'postgres',
        applicationName: b.client.applicationName,
        clientAddr: `10.0.${b.client.instance >> 8}.${(b.client.instance & 255) + 1}`,
        clientPort: 40000 + (b.pid % 20000),
        backendStart: b.backendStart,
        xactStart: b.xactStart,
        queryStart: b.queryStart,
        stateChange: b.stateChange,
        waitEventType: b.waitEventType,
        waitEvent: b.waitEvent,
        state: b.state === 'starting' ? null : b.state,
        query: b.query,
        backendType: 'client backend',
      });
    }
    if (consoleQuery !== undefined) {
      rows.push({
        pid: 999,
        datname: 'postgres',
        usename: 'postgres',
        applicationName: 'psql',
        clientAddr: null,
        clientPort: -1,
        backendStart: now,
        xactStart: now,
        queryStart: now,
        stateChange: now,
        waitEventType: null,
        waitEvent: null,
        state: 'active',
        query: consoleQuery,
        backendType: 'client backend',
      });
    }
    if (!this.replication) return [...rows, ...this.auxiliary];
    // a standby runs no walwriter, autovacuum or logical replication launcher; it runs startup and walreceiver
    const standbyless = new Set(['walwriter', 'autovacuum launcher', 'logical replication launcher']);
    const aux = this.isReplica ? this.auxiliary.filter((a) => !standbyless.has(a.backendType)) : this.auxiliary;
    return [...rows, ...this.replication.activityRows(this.id), ...aux];
  }

  /** Runs a console statement now, outside virtual time, on a view of the model refreshed first. */
  async console(sql: string): Promise<ConsoleResult> {
    const base = { node: this.id, query: sql, columns: [], rows: [], rowCount: 0 };
    const refused = refuseReason(sql);
    if (refused) return { ...base, error: simError('statement_refused', { message: `statement refused: ${refused}` }) };
    if (this.status !== 'up' || !this.engine) return { ...base, error: simError('cannot_connect_now') };
    if (this.isReplica && /\bread[\s_]+write\b|\btransaction_read_only\s*(=|to)\s*'?(off|false|0)\b/i.test(sql)) {
      return { ...base, error: simError('cannot_set_read_write') };
    }
    const engine = this.engine;
    try {
      this.ctx.metrics.realQueries += 1;
      await engine.request({ op: 'exec', sql: refreshActivitySql(this.ctx.scheduler.now, this.activity(sql)) });
      if (this.replication) {
        await this.replication.settleLsns();
        this.ctx.metrics.realQueries += 1;
        await engine.request({ op: 'exec', sql: this.replication.refreshSql(this.id) });
      }
      const reply = (await engine.request({ op: 'console', sql, maxRows: CONSOLE_MAX_ROWS })) as ConsoleReply;
      this.ctx.metrics.realQueries += 1;
      if (this.replication && consoleMayWrite(sql)) {
        const rec = this.replication.recordWrite(this.id, {
          sql,
          params: [],
          walRecords: 1,
          ok: Promise.resolve(!reply.error),
          lsn: () => this.currentLsn(),
        });
        if (rec) this.replication.resolve(rec, true);
      }
      if (reply.error) return { ...base, error: fromEngineError(reply.error) };
      const r = reply.result!;
      return { ...base, columns: r.columns ?? [], rows: r.rows ?? [], rowCount: r.rowCount, command: r.command, truncated: r.truncated };
    } catch (e) {
      if (!(e instanceof EngineDeadError)) throw e;
      await this.crash(e.reason);
      return { ...base, error: simError('runaway_statement', { detail: e.reason }) };
    }
  }

  // ---- settings, snapshot ----

  async applySetting(name: string, value: unknown): Promise<'applied' | 'restart-required'> {
    (this.spec.settings as Record<string, unknown>)[name] = value;
    if (REPLICATION_SETTINGS.has(name)) {
      this.replication?.recheckWaiters();
      return 'applied';
    }
    if (name === 'work_mem' || name === 'effective_cache_size') {
      this.profiles.clear();
      if (this.engine) await this.engine.request({ op: 'exec', sql: this.sessionSettingsSql() });
      return 'applied';
    }
    return 'restart-required';
  }

  snapshot(): NodeSnapshot {
    const m = this.ctx.metrics.node(this.id);
    const seconds = this.ctx.metrics.seconds;
    const last = seconds.length >= 2 ? seconds[seconds.length - 2].nodes.get(this.id) : undefined;
    let active = 0;
    for (const b of this.backends.values()) if (b.state === 'active') active++;
    return {
      id: this.id,
      kind: this.kind,
      status: this.status,
      queries: m.queries,
      errors: m.errors,
      queriesPerSecond: last?.queries ?? 0,
      cpuUtilization: last ? last.busyUs / 1e6 / this.settings.cores : 0,
      connections: this.backends.size,
      activeConnections: active,
      maxConnections: this.settings.max_connections,
      cpuRunQueue: this.cpu.running,
      ...(this.replication?.active ? { replication: this.replication.nodeFigures(this.id) } : {}),
    };
  }

  report(): Record<string, unknown> {
    const m = this.ctx.metrics.node(this.id);
    const replication = this.replication?.active ? this.replication.replicaReport(this.id) : undefined;
    return { connectionsMax: m.connectionsMax, databaseBytes: this.databaseBytes, ...(replication ? { replication } : {}) };
  }

  async close(): Promise<void> {
    this.status = 'down';
    const e = this.engine ?? (await this.restarting?.catch(() => undefined));
    this.engine = undefined;
    await e?.close();
  }
}

const REPLICATION_SETTINGS = new Set([
  'synchronous_commit',
  'synchronous_standby_names',
  'recovery_min_apply_delay',
  'max_standby_streaming_delay',
  'auto_failover_after',
]);

/** Whether a console input may change data or schema, so a primary ships it to its replicas. */
function consoleMayWrite(sql: string): boolean {
  const text = sql.replace(/^(\s*--[^\n]*(\n|$)|\s*\/\*[\s\S]*?\*\/)*/, '');
  if (/^\s*(set|reset|show|explain(?![\s\S]*\banalyze\b)|vacuum|analyze|checkpoint|listen|unlisten|notify|discard|load|prepare|deallocate|fetch|close|declare)\b/i.test(text)) return false;
  return !(isReadOnlySql(text) && !text.includes(';'));
}

const BARE_STATEMENT: StatementProfile = {
  cpuUs: COST.statementUs,
  randomPages: 0,
  sequentialPages: 0,
  tempPages: 0,
  walRecords: 0,
  sleepSeconds: 0,
  rows: 0,
  at: 0,
};

/** The $n that is pg_sleep's argument in a statement, if it is a bare parameter. */
function sleepParam(sql: string): number | undefined {
  const m = /pg_sleep\s*\(\s*\$(\d+)\s*\)/i.exec(sql);
  return m ? Number(m[1]) : undefined;
}

/** A profile whose sleep is per unit of a parameter, applied to this execution's parameter. */
function withSleep(p: StatementProfile, sql: string, params: readonly unknown[]): StatementProfile {
  const arg = sleepParam(sql);
  if (arg === undefined) return p;
  return { ...p, sleepSeconds: p.sleepSeconds * Math.max(0, Number(params[arg - 1]) || 0) };
}

export function fromEngineError(e: EngineError): SimError {
  return {
    code: conditionName(e.sqlstate),
    sqlstate: e.sqlstate,
    severity: e.severity === 'FATAL' || e.severity === 'PANIC' ? e.severity : 'ERROR',
    message: e.message,
    detail: e.detail,
    hint: e.hint,
    position: e.position,
  };
}
