/**
 * The event scheduler of the simulation, in virtual time.
 *
 * Invariants:
 * - Events run in (time, sequence) order: two events at the same virtual time run in the order they were
 *   scheduled. Nothing else (wall clock, promise timing, worker replies) can change that order.
 * - Time never goes backwards: scheduling an event in the past is a bug and throws.
 * - A cancelled event never runs; cancelling is O(1) (the heap drops it lazily).
 * - `runUntil` awaits each handler before the next event, so a handler may await a node's engine and the
 *   order of effects stays the order of events.
 *
 * Times are in microseconds of virtual time, as plain numbers.
 */
export type EventHandler = () => void | Promise<void>;

export interface ScheduledEvent {
  readonly time: number;
  readonly seq: number;
  cancelled: boolean;
  readonly run: EventHandler;
}

export class Scheduler {
  private heap: ScheduledEvent[] = [];
  private seq = 0;
  private current = 0;
  /** Events run so far (for invariants and the report). */
  executed = 0;

  /** Virtual time now, in microseconds. */
  get now(): number {
    return this.current;
  }

  get pending(): number {
    return this.heap.length;
  }

  /** Time of the next event that will run, or Infinity. */
  peekTime(): number {
    this.dropCancelled();
    return this.heap.length > 0 ? this.heap[0].time : Number.POSITIVE_INFINITY;
  }

  /** Schedules `run` at absolute virtual time `time` (>= now). */
  at(time: number, run: EventHandler): ScheduledEvent {
    if (!(time >= this.current) || !Number.isFinite(time)) {
      throw new Error(`scheduler: event at ${time} is before now (${this.current}) or not finite`);
    }
    const ev: ScheduledEvent = { time, seq: this.seq++, cancelled: false, run };
    this.push(ev);
    return ev;
  }

  /** Schedules `run` after `delay` microseconds of virtual time. */
  after(delay: number, run: EventHandler): ScheduledEvent {
    return this.at(this.current + Math.max(0, delay), run);
  }

  cancel(ev: ScheduledEvent | undefined): void {
    if (ev) ev.cancelled = true;
  }

  /** Runs the next event, if any; returns false when there is none. */
  async step(): Promise<boolean> {
    const ev = this.pop();
    if (!ev) return false;
    this.current = ev.time;
    this.executed++;
    await ev.run();
    return true;
  }

  /**
   * Runs every event with time <= `until`, then sets the clock to `until`.
   * `shouldStop` is checked between events (a UI pause or an error stops early).
   */
  async runUntil(until: number, shouldStop?: () => boolean): Promise<void> {
    // NaN would never compare greater than an event's time: the run would never end (nor yield).
    if (Number.isNaN(until)) throw new Error('scheduler: runUntil(NaN)');
    while (!shouldStop?.()) {
      if (this.peekTime() > until) break;
      await this.step();
    }
    if (!shouldStop?.() && until > this.current) this.current = until;
  }

  private dropCancelled(): void {
    while (this.heap.length > 0 && this.heap[0].cancelled) this.removeTop();
  }

  private pop(): ScheduledEvent | undefined {
    this.dropCancelled();
    return this.heap.length > 0 ? this.removeTop() : undefined;
  }

  private removeTop(): ScheduledEvent {
    const heap = this.heap;
    const top = heap[0];
    const last = heap.pop()!;
    if (heap.length > 0) {
      heap[0] = last;
      this.siftDown(0);
    }
    return top;
  }

  private push(ev: ScheduledEvent): void {
    const heap = this.heap;
    heap.push(ev);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(heap[i], heap[parent])) break;
      [heap[i], heap[parent]] = [heap[parent], heap[i]];
      i = parent;
    }
  }

  private siftDown(i: number): void {
    const heap = this.heap;
    const n = heap.length;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < n && before(heap[l], heap[m])) m = l;
      if (r < n && before(heap[r], heap[m])) m = r;
      if (m === i) return;
      [heap[i], heap[m]] = [heap[m], heap[i]];
      i = m;
    }
  }
}

function before(a: ScheduledEvent, b: ScheduledEvent): boolean {
  return a.time < b.time || (a.time === b.time && a.seq < b.seq);
}
