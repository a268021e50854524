/**
 * One app instance's client-side pool to one database endpoint, as node-postgres' pg-pool keeps it:
 * connections are opened lazily up to `size`, idle ones are reused last-in-first-out, requests wait in
 * FIFO order for a free one, and a wait longer than `timeoutUs` fails with pool_timeout.
 */
import { type SimError, simError } from '../../core/errors.ts';
import type { ScheduledEvent, Scheduler } from '../../core/Scheduler.ts';
import type { Link } from '../../net/Link.ts';
import type { Reply, StatementCall } from '../types.ts';

type SqlLink = Link<StatementCall, Reply>;
export type Grant = (r: { link: SqlLink } | { error: SimError }) => void;

interface Waiter {
  grant: Grant;
  timer?: ScheduledEvent;
}

export class ClientPool {
  private idle: SqlLink[] = [];
  private waiters: Waiter[] = [];
  /** Open connections, counting the ones being opened. */
  open = 0;
  busy = 0;

  constructor(
    private readonly scheduler: Scheduler,
    public size: number,
    public timeoutUs: number,
    /** Opens a connection (network and server included); calls back in virtual time. */
    private readonly openConnection: (done: Grant) => void,
  ) {}

  get waiting(): number {
    return this.waiters.length;
  }

  acquire(grant: Grant): void {
    const link = this.takeIdle();
    if (link) {
      this.busy++;
      grant({ link });
      return;
    }
    const w: Waiter = { grant };
    if (this.timeoutUs > 0) {
      w.timer = this.scheduler.after(this.timeoutUs, () => {
        const i = this.waiters.indexOf(w);
        if (i >= 0) this.waiters.splice(i, 1);
        grant({ error: simError('pool_timeout') });
      });
    }
    this.waiters.push(w);
    this.grow();
  }

  release(link: SqlLink): void {
    this.busy--;
    if (link.dead) {
      this.open--;
      link.close();
      this.grow();
      return;
    }
    this.idle.push(link);
    this.serveWaiters();
  }

  private takeIdle(): SqlLink | undefined {
    while (this.idle.length > 0) {
      const l = this.idle.pop()!;
      if (!l.dead) return l;
      this.open--;
      l.close();
    }
    return undefined;
  }

  private serveWaiters(): void {
    while (this.waiters.length > 0) {
      const link = this.takeIdle();
      if (!link) break;
      const w = this.waiters.shift()!;
      this.scheduler.cancel(w.timer);
      this.busy++;
      w.grant({ link });
    }
  }

  /** Opens one more connection when requests wait and the pool is not full. */
  private grow(): void {
    if (this.waiters.length === 0 || this.open >= this.size) return;
    if (this.open - this.busy - this.idle.length >= this.waiters.length) return; // enough already opening
    this.open++;
    this.openConnection((r) => {
      if ('link' in r) {
        this.idle.push(r.link);
        this.serveWaiters();
      } else {
        this.open--;
        const w = this.waiters.shift();
        if (w) {
          this.scheduler.cancel(w.timer);
          w.grant(r);
        }
      }
      this.grow();
    });
  }
}
