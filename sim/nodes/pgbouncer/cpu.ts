/**
 * PgBouncer's one core. PgBouncer is one process with one event loop (its docs: it is single-threaded;
 * so_reuseport runs several processes to use more cores), so every message it relays takes its turn on
 * that core: a statement in from a client, its result out, a client's login.
 *
 * Invariants:
 * - Messages are handled one at a time, first come first served: a message's handling starts when the
 *   core is free (never before it arrived) and ends `cpu_per_message` later; what the pooler does with
 *   it (find a server, forward it, hand the result back) happens then.
 * - The core's busy time is the node's CPU time (`cpuUtilization`, one core), split over the seconds it spans.
 * - With `cpu_per_message` 0 a message is handled at once, in the same event: no time, no CPU.
 *
 * The default, 7 µs a message (~70,000 statements a second at 100 % of a core), is a round figure from
 * published measurements of PgBouncer 1.2x: ProxySQL's benchmark (2025, PgBouncer 1.25.1 on a Ryzen 9
 * 5950X, pgbench simple mode over TLS) has one PgBouncer capping at ~33,000 TPS, and a production report
 * (pgdog issue #791, EC2, TLS and auth) 0.007 % of a core per query a second (~70 µs a query); plain TCP
 * and simple statements cost several times less than TLS, where people report 50,000-100,000 simple
 * queries a second per core.
 */
import type { SimContext } from '../types.ts';

/** A pooler's single core: messages queue for it. */
export class PoolerCore {
  private busyUntil = 0;
  /** Messages handled, and the time they waited for the core before their turn, microseconds. */
  messages = 0;
  waitSumUs = 0;
  waitMaxUs = 0;

  constructor(
    private readonly ctx: SimContext,
    private readonly nodeId: string,
    /** `cpu_per_message` now, microseconds. */
    private readonly costUs: () => number,
  ) {}

  /** The core's work queued or under way now, microseconds (0: idle). */
  get backlogUs(): number {
    return Math.max(0, this.busyUntil - this.ctx.scheduler.now);
  }

  /** One message arrives: `then` runs once the core has handled it, after every message before it. */
  handle(then: () => void): void {
    const cost = this.costUs();
    if (cost <= 0) {
      then();
      return;
    }
    const now = this.ctx.scheduler.now;
    const start = Math.max(now, this.busyUntil);
    const wait = start - now;
    this.busyUntil = start + cost;
    this.messages++;
    this.waitSumUs += wait;
    if (wait > this.waitMaxUs) this.waitMaxUs = wait;
    this.ctx.metrics.busy(this.nodeId, start, this.busyUntil, 1);
    this.ctx.scheduler.at(this.busyUntil, then);
  }
}
