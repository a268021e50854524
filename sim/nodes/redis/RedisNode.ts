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
 */
import { formatReply, type RedisReply } from '../../caching/redis/reply.ts';
import { RedisStore } from '../../caching/redis/RedisStore.ts';
import { REDIS_IO_US_PER_READ, redisCommandCpuUs } from '../../caching/redis/serviceTime.ts';
import type { ScheduledEvent } from '../../core/Scheduler.ts';
import type { Endpoint, Trace } from '../../net/Link.ts';
import type { ClientInfo, Connection, ConnectResult, ConsoleResult, NodeModel, NodeSnapshot, NodeSpec, ReportBlock, SimContext } from '../types.ts';
import { splitArgs } from './console.ts';
import type { RedisSettings } from './settings.ts';

/** One command over a link. `onMessage`: with SUBSCRIBE, where this connection's messages go. */
export interface RedisCall {
  argv: readonly string[];
  trace?: Trace;
  onMessage?: (channel: string, message: string) => void;
}

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
  readonly store: RedisStore;
  private readonly queue: Job[] = [];
  private running = false;
  private nextConn = 1;
  private readonly conns = new Set<Connection>();
  private readonly subscribers = new Map<string, (channel: string, message: string) => void>();
  private cronEvent: ScheduledEvent | undefined;

  constructor(
    private readonly ctx: SimContext,
    readonly spec: NodeSpec<RedisSettings>,
  ) {
    this.store = new RedisStore({ rng: ctx.rng(`redis:${spec.id}`), epochMs: EPOCH_MS });
    for (const [name, value] of Object.entries(spec.settings)) this.store.command(['CONFIG', 'SET', name, String(value)], 0);
    ctx.metrics.node(this.id).cores = 1;
    this.scheduleCron();
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
    this.queue.push(job);
    if (!this.running) this.next(false);
  }

  /** Runs the next job; with an empty queue after work, the fast expire cycle before the thread sleeps. */
  private next(afterWork: boolean): void {
    const job = this.queue.shift();
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
    if (name === 'subscribe' && job.call.onMessage) this.subscribers.set(client, job.call.onMessage);
    this.occupy(now, us, () => {
      this.ctx.metrics.query(this.id, reply.kind === 'error');
      if (name === 'publish' && reply.kind === 'integer') {
        for (const s of this.store.subscribersOf(argv[1])) this.subscribers.get(s)?.(argv[1], argv[2]);
      }
      job.done(reply);
      this.next(true);
    });
  }

  private occupy(now: number, us: number, then: () => void): void {
    this.ctx.metrics.busy(this.id, now, now + us, 1);
    this.ctx.scheduler.after(us, then);
  }

  /** CONFIG SET, as a client would send it: every setting applies live. */
  async applySetting(name: string, value: unknown): Promise<'applied' | 'restart-required'> {
    const r = this.store.command(['CONFIG', 'SET', name, String(value)], this.ctx.scheduler.now);
    if (r.kind === 'error') throw new Error(r.text);
    (this.spec.settings as Record<string, unknown>)[name] = value;
    return 'applied';
  }

  /** A redis-cli line, run now (not queued: the console is the operator's, not the workload's). */
  async console(line: string): Promise<ConsoleResult> {
    const argv = splitArgs(line);
    const text = argv ? (argv.length === 0 ? '' : formatReply(this.store.command(argv, this.ctx.scheduler.now, 'console'), argv[0])) : 'Invalid argument(s)';
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
      status: 'up',
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
