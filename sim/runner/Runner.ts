/**
 * Paces virtual time to the wall clock: paused, step, x1 to x100, or as fast as possible. The only part
 * of the sim that reads the wall clock; models never see it. Between chunks it yields to the host's event
 * loop, so a UI (or the CLI's progress bar) stays responsive.
 */
import type { Simulation } from '../Simulation.ts';

export type Speed = 'max' | number;

export interface RunnerOptions {
  speed: Speed;
  /** Stop at this virtual time (microseconds). */
  untilUs: number;
  /** Called after each chunk. */
  onTick?: (nowUs: number) => void;
  /** Virtual time run per chunk at max speed (default 100 ms). */
  chunkUs?: number;
}

export class Runner {
  private paused = false;
  private stopped = false;

  constructor(
    private readonly sim: Simulation,
    private options: RunnerOptions,
  ) {}

  setSpeed(speed: Speed): void {
    this.options = { ...this.options, speed };
  }

  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
  }

  stop(): void {
    this.stopped = true;
  }

  /** Advances by one step of virtual time (default 100 ms), whatever the pause. */
  async step(us = 100_000): Promise<void> {
    await this.sim.runUntil(Math.min(this.options.untilUs, this.sim.now + us));
    this.options.onTick?.(this.sim.now);
  }

  /** Runs until `untilUs`, or until stopped. */
  async run(): Promise<void> {
    let wall = performance.now();
    while (!this.stopped && this.sim.now < this.options.untilUs) {
      if (this.paused) {
        await sleep(50);
        wall = performance.now();
        continue;
      }
      const speed = this.options.speed;
      let target: number;
      if (speed === 'max') {
        target = this.sim.now + (this.options.chunkUs ?? 100_000);
      } else {
        await sleep(20);
        const now = performance.now();
        target = this.sim.now + (now - wall) * 1000 * speed;
        wall = now;
      }
      await this.sim.runUntil(Math.min(this.options.untilUs, target));
      this.options.onTick?.(this.sim.now);
      if (speed === 'max') await sleep(0);
    }
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
