/**
 * A redis-cli over the Redis model for tests: commands typed as on a console, run at a virtual time,
 * answered as redis-cli prints them.
 */
import { Rng } from '../../sim/core/rng.ts';
import type { RedisConfig } from '../../sim/caching/redis/config.ts';
import { RedisStore } from '../../sim/caching/redis/RedisStore.ts';
import { formatReply, type RedisReply } from '../../sim/caching/redis/reply.ts';

/** Unix ms of virtual time 0 in these tests (any fixed instant: only differences matter). */
export const TEST_EPOCH_MS = Date.UTC(2026, 0, 1);

export class ModelCli {
  readonly store: RedisStore;
  /** Virtual time in ms. */
  ms = 0;

  constructor(config: Partial<RedisConfig> = {}, seed = 1) {
    this.store = new RedisStore({ rng: new Rng(seed, 'redis'), epochMs: TEST_EPOCH_MS, config });
  }

  /** Runs a command given as argv at the current virtual time. */
  reply(...argv: string[]): RedisReply {
    return this.store.command(argv, this.ms * 1000);
  }

  /** Runs a command line (words split on spaces) and returns what redis-cli would print. */
  run(line: string): string {
    const argv = line.split(' ');
    return formatReply(this.reply(...argv), argv[0]);
  }

  /** An INFO field's value. */
  info(field: string): string {
    const text = this.run('INFO');
    const m = new RegExp(`^${field}:(.*)$`, 'm').exec(text);
    if (!m) throw new Error(`INFO has no ${field}`);
    return m[1];
  }

  /** Calls the server cron hz times a second from the current time for `seconds`, then moves the clock on. */
  cronFor(seconds: number): void {
    const period = 1000 / this.store.hz;
    const end = this.ms + seconds * 1000;
    for (; this.ms < end; this.ms += period) this.store.cron(this.ms * 1000);
    this.ms = end;
  }
}
