/**
 * One app instance's client-side pool to one database endpoint, as node-postgres' pg-pool keeps it:
 * connections are opened lazily up to `size`, idle ones are reused last-in-first-out, requests wait in
 * FIFO order for a free one, and a wait longer than `timeoutUs` fails with pool_timeout.
 */
import { type SimError, simError } from '../../core/errors.ts';
import type { ScheduledEvent, Scheduler } from '../../core/Scheduler.ts';
import type { Connection } from '../types.ts';

export type Grant = (r: { conn: Connection } | { error: SimError }) => void;

interface Waiter {
  grant: Grant;
  timer?: ScheduledEvent;
}

export class ClientPool {
  private idle: Connection[] = [];
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
    private readonly closeConnection: (conn: Connection) => void,
  ) {}

  get waiting(): number {
    return this.waiters.length;
  }

  acquire(grant: Grant): void {
    const conn = this.takeIdle();
    if (conn) {
      this.busy++;
      grant({ conn });
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

  release(conn: Connection): void {
    this.busy--;
    if (conn.dead) {
      this.open--;
      this.closeConnection(conn);
      this.grow();
      return;
    }
    this.idle.push(conn);
    this.serveWaiters();
  }

  private takeIdle(): Connection | undefined {
    while (this.idle.length > 0) {
      const c = this.idle.pop()!;
      if (!c.dead) return c;
      this.open--;
      this.closeConnection(c);
    }
    return undefined;
  }

  private serveWaiters(): void {
    while (this.waiters.length > 0) {
      const conn = this.takeIdle();
      if (!conn) break;
      const w = this.waiters.shift()!;
      this.scheduler.cancel(w.timer);
      this.busy++;
      w.grant({ conn });
    }
  }

  /** Opens one more connection when requests wait and the pool is not full. */
  private grow(): void {
    if (this.waiters.length === 0 || this.open >= this.size) return;
    if (this.open - this.busy - this.idle.length >= this.waiters.length) return; // enough already opening
    this.open++;
    this.openConnection((r) => {
      if ('conn' in r) {
        this.idle.push(r.conn);
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
