/**
 * A `redis` node: the Redis 7 keyspace model (sim/caching/redis/) served over links, on one thread.
 *
 * Invariants:
 * - One thing runs at a time, in arrival order: a command, the cron or the fast expire cycle. Each
 *   occupies the thread for its modelled CPU (serviceTime.ts: a read event's I/O plus the command's
 *   own work), and whatever arrives meanwhile waits in the queue, so one node saturates near the
 *   ~100k unpipelined commands a second a real one does on one core.
 * - A command sees the keyspace as of the moment it runs (not when it arrived): its reply, TTLs and
 *   lazy expiry use that virtual time.
 * - The cron (serverCron's keyspace work, with the slow active expire cycle) is queued `hz` times a
 *   virtual second; the fast cycle runs when the queue drains (beforeSleep), never twice in a row.
 * - A PUBLISH hands the message to each subscribed connection's `onMessage` when it completes; the
 *   client side carries it back over its own link (the node computes no latency).
 * - Faults: a stopped or killed server refuses connections; its connections close (their commands in
 *   the queue or running get ioredis' `Connection is closed.`, a subscriber its `onClose`). `stop` is
 *   SHUTDOWN, which saves the RDB: `start` loads the keys back. `kill` is the process dying: `start`
 *   comes back empty (the RDB's save points between snapshots are not modelled) with INFO's counters reset.
 */
import { formatReply, type RedisReply } from '../../caching/redis/reply.ts';
import { RedisStore } from '../../caching/redis/RedisStore.ts';
import { REDIS_IO_US_PER_READ, redisCommandCpuUs } from '../../caching/redis/serviceTime.ts';
import type { FaultCommand } from '../../core/commands.ts';
import type { NodeStatus } from '../../core/contracts.ts';
import { simError } from '../../core/errors.ts';
import type { ScheduledEvent } from '../../core/Scheduler.ts';
import type { Endpoint, Trace } from '../../net/Link.ts';
import type { ClientInfo, Connection, ConnectResult, ConsoleResult, NodeModel, NodeSnapshot, NodeSpec, ReportBlock, SimContext } from '../types.ts';
import { splitArgs } from './console.ts';
import type { RedisSettings } from './settings.ts';

/** One command over a link. With SUBSCRIBE: `onMessage`, where this connection's messages go, and `onClose`, told when it closes. */
export interface RedisCall {
  argv: readonly string[];
  trace?: Trace;
  onMessage?: (channel: string, message: string) => void;
  onClose?: () => void;
}

/** ioredis' error for the commands of a connection that closed under them. */
export const CONNECTION_CLOSED = 'Connection is closed.';

/** How long a redis-server takes to start and accept connections (an empty or small RDB). */
const START_US = 50_000;

export type { RedisReply };

/** Unix ms at virtual time 0 (EXAT/PXAT and INFO's avg_ttl need a wall clock; any fixed one will do). */
const EPOCH_MS = 1_767_225_600_000;

/** A redis node's live figures, INFO's by their meaning. */
export interface RedisSnapshot extends NodeSnapshot {
  kind: 'redis';
  /** instantaneous_ops_per_sec. */
  opsPerSec: number;
  /** keyspace_hits / (hits + misses); 0 before any lookup. */
  hitRatio: number;
  usedMemory: number;
  keys: number;
  evictedKeys: number;
  expiredKeys: number;
}

type Job = { kind: 'cron' } | { kind: 'command'; conn: Connection; call: RedisCall; done: (r: RedisReply) => void };

export class RedisNode implements NodeModel, Endpoint<RedisCall, RedisReply> {
  readonly kind = 'redis';
  readonly protocol = 'redis';
  store: RedisStore;
  status: NodeStatus = 'up';
  private readonly queue: Job[] = [];
  private running = false;
  /** The job on the thread now, and the server's life: a job of an earlier life does not answer. */
  private current: Job | undefined;
  private life = 0;
  private nextConn = 1;
  private readonly conns = new Set<Connection>();
  private readonly subscribers = new Map<string, RedisCall>();
  private cronEvent: ScheduledEvent | undefined;

  constructor(
    private readonly ctx: SimContext,
    readonly spec: NodeSpec<RedisSettings>,
  ) {
    this.store = this.newStore();
    ctx.metrics.node(this.id).cores = 1;
    this.scheduleCron();
  }

  private newStore(): RedisStore {
    const store = new RedisStore({ rng: this.ctx.rng(`redis:${this.spec.id}:${this.life}`), epochMs: EPOCH_MS });
    for (const [name, value] of Object.entries(this.spec.settings)) store.command(['CONFIG', 'SET', name, String(value)], this.ctx.scheduler.now);
    return store;
  }

  get id(): string {
    return this.spec.id;
  }

  private scheduleCron(): void {
    this.cronEvent = this.ctx.scheduler.after(1e6 / this.store.hz, () => {
      this.enqueue({ kind: 'cron' });
      this.scheduleCron();
    });
  }

  connect(_client: ClientInfo, done: (r: ConnectResult) => void): void {
    if (this.status !== 'up') {
      done({ error: simError('cannot_connect_now') });
      return;
    }
    const conn: Connection = { id: this.nextConn++, endpoint: this.id, dead: false };
    this.conns.add(conn);
    this.ctx.metrics.connections(this.id, 1);
    done({ conn });
  }

  execute(conn: Connection, call: RedisCall, done: (r: RedisReply) => void): void {
    this.enqueue({ kind: 'command', conn, call, done });
  }

  disconnect(conn: Connection): void {
    if (!this.conns.delete(conn)) return;
    this.store.disconnect(clientName(conn));
    this.subscribers.delete(clientName(conn));
    this.ctx.metrics.connections(this.id, -1);
  }

  private enqueue(job: Job): void {
    if (this.status !== 'up') {
      if (job.kind === 'command') job.done({ kind: 'error', text: CONNECTION_CLOSED });
      return;
    }
    this.queue.push(job);
    if (!this.running) this.next(false);
  }

  /** Runs the next job; with an empty queue after work, the fast expire cycle before the thread sleeps. */
  private next(afterWork: boolean): void {
    const job = this.queue.shift();
    this.current = job;
    const now = this.ctx.scheduler.now;
    if (!job) {
      const us = afterWork ? this.store.beforeSleep(now) : 0;
      this.running = us > 0;
      if (us > 0) this.occupy(now, us, () => this.next(false));
      return;
    }
    this.running = true;
    if (job.kind === 'cron') {
      this.occupy(now, this.store.cron(now), () => this.next(true));
      return;
    }
    const { argv } = job.call;
    const client = clientName(job.conn);
    const reply = this.store.command(argv, now, client);
    const us = REDIS_IO_US_PER_READ + redisCommandCpuUs(argv, reply, this.store.lastKeysFreed);
    const name = (argv[0] ?? '').toLowerCase();
    if (name === 'subscribe' && job.call.onMessage) this.subscribers.set(client, job.call);
    this.occupy(now, us, () => {
      this.ctx.metrics.query(this.id, reply.kind === 'error');
      if (name === 'publish' && reply.kind === 'integer') {
        for (const s of this.store.subscribersOf(argv[1])) this.subscribers.get(s)?.onMessage?.(argv[1], argv[2]);
      }
      job.done(reply);
      this.next(true);
    });
  }

  private occupy(now: number, us: number, then: () => void): void {
    this.ctx.metrics.busy(this.id, now, now + us, 1);
    const life = this.life;
    this.ctx.scheduler.after(us, () => {
      if (life === this.life) then();
    });
  }

  /** stop (SHUTDOWN: the keys are saved), kill (the process dies: they are lost) and start. */
  fault(f: FaultCommand): string | undefined {
    if (f.kind === 'start') {
      if (this.status !== 'down') return `${this.id} is not a stopped server`;
      this.status = 'booting';
      this.ctx.scheduler.after(START_US, () => {
        this.status = 'up';
        this.ctx.emit({ type: 'node-started', node: this.id, message: `${this.id} is up again${this.store.figures().keys === 0 ? ' (empty)' : ''}` });
      });
      return undefined;
    }
    if (f.kind !== 'stop' && f.kind !== 'kill') return `${this.id} is a redis server: it can be stopped, killed and started`;
    if (this.status !== 'up') return `${this.id} is not running`;
    this.status = 'down';
    this.life++;
    const jobs = [this.current, ...this.queue.splice(0)];
    this.current = undefined;
    this.running = false;
    for (const j of jobs) if (j?.kind === 'command') j.done({ kind: 'error', text: CONNECTION_CLOSED });
    const subscribers = [...this.subscribers.values()];
    for (const c of [...this.conns]) {
      c.dead = true;
      this.disconnect(c);
    }
    for (const s of subscribers) s.onClose?.();
    if (f.kind === 'kill') this.store = this.newStore();
    this.ctx.emit({ type: f.kind === 'kill' ? 'node-killed' : 'node-stopped', node: this.id, message: `${this.id} was ${f.kind === 'kill' ? 'killed: its keys are lost' : 'stopped (SHUTDOWN saved its keys)'}` });
    return undefined;
  }

  /** CONFIG SET, as a client would send it: every setting applies live. */
  async applySetting(name: string, value: unknown): Promise<'applied' | 'restart-required'> {
    const r = this.store.command(['CONFIG', 'SET', name, String(value)], this.ctx.scheduler.now);
    if (r.kind === 'error') throw new Error(r.text);
    (this.spec.settings as Record<string, unknown>)[name] = value;
    return 'applied';
  }

  /**
   * A redis-cli line, run now (not queued: the console is the operator's, not the workload's); a server down
   * refuses redis-cli's connection. Each line is one `redis-cli` invocation: its connection closes after
   * the reply, so a SUBSCRIBE ends with its line (as redis-cli's does at Ctrl-C) and leaves no later line in
   * subscribed mode.
   */
  async console(line: string): Promise<ConsoleResult> {
    const argv = splitArgs(line);
    const down = this.status !== 'up' ? `Could not connect to Redis at ${this.id}:6379: Connection refused` : undefined;
    const reply = () => {
      if (!argv) return 'Invalid argument(s)';
      if (argv.length === 0) return '';
      const text = formatReply(this.store.command(argv, this.ctx.scheduler.now, 'console'), argv[0]);
      this.store.disconnect('console');
      return text;
    };
    const text = down ?? reply();
    const rows = text === '' ? [] : text.split('\n').map((l) => [l]);
    return { node: this.id, query: line, columns: ['reply'], rows, rowCount: rows.length, command: argv?.[0]?.toUpperCase() };
  }

  snapshot(): RedisSnapshot {
    const f = this.store.figures();
    const m = this.ctx.metrics.node(this.id);
    const lookups = f.keyspaceHits + f.keyspaceMisses;
    const last = this.ctx.metrics.seconds.at(-2)?.nodes.get(this.id);
    return {
      id: this.id,
      kind: this.kind,
      status: this.status,
      queries: m.queries,
      errors: m.errors,
      queriesPerSecond: last?.queries ?? 0,
      cpuUtilization: last ? last.busyUs / 1e6 : 0,
      connections: this.conns.size,
      opsPerSec: f.instantaneousOpsPerSec,
      hitRatio: lookups > 0 ? f.keyspaceHits / lookups : 0,
      usedMemory: f.usedMemory,
      keys: f.keys,
      evictedKeys: f.evictedKeys,
      expiredKeys: f.expiredKeys,
    };
  }

  /** The report's `cache` block: INFO's figures by INFO's names. */
  report(): ReportBlock {
    const f = this.store.figures();
    const lookups = f.keyspaceHits + f.keyspaceMisses;
    return {
      cache: {
        keyspace_hits: f.keyspaceHits,
        keyspace_misses: f.keyspaceMisses,
        hit_ratio: lookups > 0 ? Math.round((f.keyspaceHits / lookups) * 1000) / 1000 : 0,
        total_commands_processed: f.totalCommandsProcessed,
        used_memory: f.usedMemory,
        used_memory_peak: f.usedMemoryPeak,
        keys: f.keys,
        expires: f.expires,
        evicted_keys: f.evictedKeys,
        expired_keys: f.expiredKeys,
      },
    };
  }

  async close(): Promise<void> {
    this.ctx.scheduler.cancel(this.cronEvent);
  }
}

const clientName = (conn: Connection): string => `conn${conn.id}`;
