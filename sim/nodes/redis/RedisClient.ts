/**
 * A client's connection to a redis node, as an app instance's ioredis holds one: opened on first use,
 * commands pipelined on it (several in flight, answered in order by the node's one thread), and a
 * second connection for SUBSCRIBE (a subscribed connection may only (un)subscribe). It is the
 * CacheService's L2 and its invalidation bus.
 */
import type { InvalidationBus, L2Client } from '../../caching/CacheService.ts';
import type { RedisReply } from '../../caching/redis/reply.ts';
import type { Link, Network, Trace } from '../../net/Link.ts';
import type { ClientInfo } from '../types.ts';
import type { RedisCall } from './RedisNode.ts';

type RedisLink = Link<RedisCall, RedisReply>;

/** What a command gets when the connection cannot open (the server is down): ioredis' error. */
export const CONNECTION_REFUSED = 'connect ECONNREFUSED';

/** The channel invalidations go over; a message is the sender then the keys, space-separated. */
export const INVALIDATION_CHANNEL = 'cache:invalidate';

export class RedisClient implements L2Client<Trace>, InvalidationBus<Trace> {
  private link: RedisLink | undefined;
  private waiting: ((link: RedisLink | undefined) => void)[] | undefined;

  constructor(
    private readonly net: Network,
    readonly from: string,
    readonly to: string,
    private readonly client: ClientInfo,
  ) {}

  /** Runs one command; a connection that could not open answers with Redis' connection error. */
  command(argv: readonly string[], trace: Trace | undefined, done: (r: RedisReply) => void, pubsub?: Pick<RedisCall, 'onMessage' | 'onClose'>): void {
    this.open((link) => {
      if (!link) return done({ kind: 'error', text: CONNECTION_REFUSED });
      link.call({ argv, trace, ...pubsub }, trace, done);
    });
  }

  private open(then: (link: RedisLink | undefined) => void): void {
    if (this.link && !this.link.dead) {
      then(this.link);
      return;
    }
    if (this.waiting) {
      this.waiting.push(then);
      return;
    }
    this.waiting = [then];
    this.net.connect<RedisCall, RedisReply>(this.from, this.to, this.client, (r) => {
      const waiting = this.waiting ?? [];
      this.waiting = undefined;
      this.link = 'link' in r ? r.link : undefined;
      for (const w of waiting) w(this.link);
    });
  }

  get(key: string, trace: Trace | undefined, done: (value: string | undefined, error?: string) => void): void {
    this.command(['GET', key], trace, (r) => (r.kind === 'error' ? done(undefined, r.text) : done(r.kind === 'bulk' ? r.value : undefined)));
  }

  set(key: string, value: string, ttlMs: number, trace: Trace | undefined, done: (error?: string) => void): void {
    this.command(['SET', key, value, 'PX', String(Math.max(1, Math.round(ttlMs)))], trace, (r) => done(errorOf(r)));
  }

  del(keys: readonly string[], trace: Trace | undefined, done: (error?: string) => void): void {
    this.command(['DEL', ...keys], trace, (r) => done(errorOf(r)));
  }

  publish(keys: readonly string[], trace: Trace | undefined, done: (error?: string) => void): void {
    this.command(['PUBLISH', INVALIDATION_CHANNEL, `${this.client.applicationName} ${keys.join(' ')}`], trace, (r) => done(errorOf(r)));
  }

  /**
   * SUBSCRIBE to the invalidation channel (call on a client of its own): `invalidated` gets the keys
   * of every other sender's message, once it has travelled back over the edge. A refused or closed
   * connection is retried as ioredis' default retryStrategy does (50 ms more each time, 2 s at most).
   */
  subscribe(invalidated: (keys: string[]) => void, attempt = 0): void {
    const back = this.net.link<never, never>(this.to, this.from, this.net.edge(this.from, this.to));
    const again = () => this.net.scheduler.after(Math.min((attempt + 1) * 50, 2000) * 1000, () => this.subscribe(invalidated, attempt + 1));
    this.command(
      ['SUBSCRIBE', INVALIDATION_CHANNEL],
      undefined,
      (r) => {
        if (r.kind === 'error') again();
      },
      {
        onMessage: (_channel, message) =>
          back.send(() => {
            const [sender, ...keys] = message.split(' ');
            if (sender !== this.client.applicationName) invalidated(keys);
          }),
        // the server died or stopped: ioredis reconnects and subscribes again (autoResubscribe)
        onClose: () => back.send(again),
      },
    );
  }
}

const errorOf = (r: RedisReply): string | undefined => (r.kind === 'error' ? r.text : undefined);
