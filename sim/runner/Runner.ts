/**
 * The one pacing loop: runs a simulation's virtual time against the wall clock (paused, step, 0.1x to
 * 1000x, or as fast as the engines go), for the CLI and the app's sim host. The only part of the sim that
 * reads the wall clock besides the engines and the CLI; models never see it. Between stretches of virtual
 * time it yields to the host's event loop, so a UI (or the CLI's progress bar) stays responsive.
 *
 * It applies the run-control commands (run, pause, step, setSpeed) and passes every other command to
 * `Simulation.apply`, which journals it.
 *
 * Invariants:
 * - At most one loop runs per runner; run while running (or while the loop finishes its stretch after a
 *   pause) keeps that loop, it never starts a second one.
 * - The loop reads the speed after its sleep, so switching to max while it sleeps never makes a NaN target.
 * - A stretch is at most 500 ms of virtual time when paced (the sim falls behind the wall clock rather
 *   than jump), 100 ms at max speed.
 * - A run is finished once its clock is at `untilUs`, whatever pressed meanwhile (a pause landing in the
 *   last stretch, a runner made at its end): run does nothing, step does nothing, and a command that acts
 *   over virtual time that will not come (Simulation.actsOverTime: a fault's start, a failover, a
 *   reshard's copy, a resize's restart) is refused.
 * - A step runs from where the steps before it ended: its target is taken when its stretch starts.
 */
import { type Command, CommandError, type CommandResult, isRunCommand, parseCommand, type SimCommand } from '../core/commands.ts';
import { timeUs } from '../scenario/settings.ts';
import type { Simulation } from '../Simulation.ts';

export type Speed = 'max' | number;
export type RunStatus = 'ready' | 'running' | 'paused' | 'finished' | 'error';

/** What `Runner.apply` answers: the simulation's answer, or null for run control. */
export type RunnerResult<C extends Command> = C extends SimCommand ? CommandResult<C> : null;

export interface RunnerOptions {
  /** Default 1 (real time). */
  speed?: Speed;
  /** Stop at this virtual time (microseconds); default the scenario's run.duration. */
  untilUs?: number;
  /**
   * Real milliseconds the paced loop sleeps between stretches; default 25 (a screen's refresh needs no
   * finer). serve/ takes 2: a real client's reply leaves within a few ms of its virtual time.
   */
  sleepMs?: number;
  /** After each stretch of the loop. */
  onTick?: (nowUs: number) => void;
  /** When the status changes (`message`: why a run stopped with an error). */
  onStatus?: (status: RunStatus, message?: string) => void;
}

const MAX_CHUNK_US = 100_000;
const PACED_SLEEP_MS = 25;

export class Runner {
  status: RunStatus;
  speed: Speed;
  readonly untilUs: number;
  private driving = false;
  private loop: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(
    readonly sim: Simulation,
    private readonly options: RunnerOptions = {},
  ) {
    this.speed = options.speed ?? 1;
    this.untilUs = options.untilUs ?? timeUs(sim.scenario.run.duration, 's');
    this.status = this.atEnd ? 'finished' : 'ready';
  }

  private get atEnd(): boolean {
    return this.sim.now >= this.untilUs;
  }

  /** Applies a command: run control here, the rest by `Simulation.apply`. A bad one throws a CommandError. */
  async apply<C extends Command>(command: C): Promise<RunnerResult<C>> {
    if (!isRunCommand(command)) {
      const c = command as SimCommand;
      const acts = this.status === 'finished' && this.sim.actsOverTime(c);
      if (acts) throw new CommandError('command_refused', `the run has finished at its run.duration (${this.untilUs / 1e6} s): ${acts} acts over virtual time that will not come until the run goes on`);
      return this.sim.apply(c) as Promise<RunnerResult<C>>;
    }
    const c = parseCommand(command);
    switch (c.do) {
      case 'run':
        if (this.status === 'finished' || this.closed) break;
        this.setStatus('running');
        if (!this.driving) this.loop = this.drive();
        break;
      case 'pause':
        if (this.status === 'running') this.setStatus('paused');
        break;
      case 'step':
        if (this.status === 'running') this.setStatus('paused');
        await this.sim.runUntil((now) => Math.min(this.untilUs, now + (c.us ?? MAX_CHUNK_US)));
        this.setStatus(this.atEnd ? 'finished' : 'paused');
        break;
      case 'setSpeed':
        this.speed = c.speed;
        break;
    }
    return null as RunnerResult<C>;
  }

  /** Resolves when the loop has stopped (paused, finished, failed or closed). */
  stopped(): Promise<void> {
    return this.loop;
  }

  /** Stops the loop, then closes the simulation. */
  async close(): Promise<void> {
    this.closed = true;
    await this.loop;
    await this.sim.close();
  }

  private setStatus(status: RunStatus, message?: string): void {
    if (status === this.status && !message) return;
    this.status = status;
    this.options.onStatus?.(status, message);
  }

  private async drive(): Promise<void> {
    this.driving = true;
    try {
      let wall = performance.now();
      while (this.status === 'running' && !this.closed) {
        if (this.atEnd) {
          this.setStatus('finished');
          break;
        }
        if (this.speed !== 'max') await sleep(this.options.sleepMs ?? PACED_SLEEP_MS);
        if (this.status !== 'running' || this.closed) break;
        // read the speed after the sleep: it may have been switched to max meanwhile ('max' * n is NaN)
        const pace = this.speed;
        const now = performance.now();
        const target = this.sim.now + (pace === 'max' ? MAX_CHUNK_US : Math.min(5 * MAX_CHUNK_US, (now - wall) * 1000 * pace));
        wall = now;
        await this.sim.runUntil(Math.min(this.untilUs, target));
        this.options.onTick?.(this.sim.now);
        // the end is the end, even if a pause came during the last stretch
        if (this.atEnd && !this.closed) {
          this.setStatus('finished');
          break;
        }
        if (pace === 'max') await sleep(0);
      }
    } catch (e) {
      this.setStatus('error', `the run stopped: ${String((e as Error)?.message ?? e)}`);
    } finally {
      this.driving = false;
    }
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
