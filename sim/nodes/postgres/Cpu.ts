/**
 * A node's cores as the OS shares them: processor sharing. With n jobs on c cores each job advances at
 * min(1, c/n) of a core, so a long analytic query slows short ones down instead of blocking a core.
 *
 * Invariants: `attained` is the service every running job has received since it started, shifted by its
 * start (a job finishes when attained reaches its `finishAt`); exactly one completion event is pending
 * while jobs run; busy core-time is accounted for every interval between two changes.
 */
import type { ScheduledEvent, Scheduler } from '../../core/Scheduler.ts';

interface Job {
  finishAt: number;
  seq: number;
  done: () => void | Promise<void>;
}

export class Cpu {
  private jobs: Job[] = [];
  private attained = 0;
  private last = 0;
  private seq = 0;
  private pending: ScheduledEvent | undefined;

  constructor(
    private readonly scheduler: Scheduler,
    public cores: number,
    private readonly onBusy: (from: number, to: number, busyCores: number) => void,
  ) {}

  get running(): number {
    return this.jobs.length;
  }

  /** Runs `workUs` of CPU; `done` is called (and awaited) in the event where it finishes. */
  run(workUs: number, done: () => void | Promise<void>): void {
    this.advance();
    this.jobs.push({ finishAt: this.attained + Math.max(0, workUs), seq: this.seq++, done });
    this.reschedule();
  }

  /** Changes the number of cores (vertical scaling); running jobs keep their progress. */
  setCores(cores: number): void {
    this.advance();
    this.cores = cores;
    this.reschedule();
  }

  /** Drops every job without calling it (the node crashed). */
  clear(): void {
    this.advance();
    this.jobs = [];
    this.scheduler.cancel(this.pending);
    this.pending = undefined;
  }

  private rate(): number {
    return this.jobs.length === 0 ? 0 : Math.min(1, this.cores / this.jobs.length);
  }

  private advance(): void {
    const now = this.scheduler.now;
    if (now > this.last && this.jobs.length > 0) {
      this.attained += (now - this.last) * this.rate();
      this.onBusy(this.last, now, Math.min(this.cores, this.jobs.length));
    }
    this.last = now;
  }

  private reschedule(): void {
    this.scheduler.cancel(this.pending);
    this.pending = undefined;
    if (this.jobs.length === 0) return;
    let next = this.jobs[0];
    for (const j of this.jobs) if (j.finishAt < next.finishAt || (j.finishAt === next.finishAt && j.seq < next.seq)) next = j;
    const delay = Math.max(0, (next.finishAt - this.attained) / this.rate());
    this.pending = this.scheduler.after(delay, () => this.complete());
  }

  private async complete(): Promise<void> {
    this.pending = undefined;
    this.advance();
    const eps = 1e-6;
    const finished = this.jobs.filter((j) => j.finishAt <= this.attained + eps).sort((a, b) => a.seq - b.seq);
    this.jobs = this.jobs.filter((j) => j.finishAt > this.attained + eps);
    this.reschedule();
    for (const j of finished) await j.done();
  }
}
