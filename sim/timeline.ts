/**
 * Rewind and fork. A run is its scenario, its seed and its journal (sim/core/commands.ts), so an earlier
 * moment of it is the same scenario replayed with the journal's entries up to that moment: the replay is
 * the run, bit for bit, up to there. A fork is that replay with other commands from there on.
 *
 * Keyframes: the model's state is closures in the scheduler's queue and backends inside PGlite, which no
 * snapshot captures whole (an engine's data directory is not its open transactions, locks and buffers),
 * so a moment is reached by replaying, and the replays are kept as keyframes: a `Timeline` goes on
 * from the latest replay at or before the moment asked for, and replays from the seed only to go back
 * before every one it has. What a moment looked like (charts, badges, console results) needs no replay
 * at all: the app keeps the snapshots it was shown.
 */
import type { JournalEntry } from './core/commands.ts';
import { Simulation, type SimulationOptions } from './Simulation.ts';

/**
 * The entries of `journal` that had taken effect at `atUs` (a command at `atUs` itself included), and the
 * scheduled ones (a fault timeline: events put in the queue before the run, whatever their time).
 */
export function journalUntil(journal: readonly JournalEntry[], atUs: number): JournalEntry[] {
  return journal.filter((e) => e.scheduled || e.at <= atUs);
}

/** The moments of one run, reached by replaying its journal from the seed, from the nearest kept replay. */
export class Timeline {
  /** Replays kept, paused at their virtual time, by time. */
  private readonly keyframes: Simulation[] = [];
  /** Replays done from the seed (the test checks a jump forward reuses a keyframe). */
  replaysFromSeed = 0;

  /**
   * @param run the run to go back in: its scenario and its journal as it is now
   * @param keep how many replays to keep (each holds its engines); the oldest goes first
   */
  constructor(
    private readonly run: Pick<Simulation, 'scenario' | 'journal'>,
    private readonly options: Omit<SimulationOptions, 'journal'>,
    private readonly keep = 2,
  ) {}

  /**
   * The run at `atUs`, live and paused there: a simulation whose figures, nodes and engines are the
   * run's at that moment. It is the Timeline's keyframe until `take` hands it over.
   */
  async at(atUs: number): Promise<Simulation> {
    const upTo = (t: number) => JSON.stringify(this.run.journal.filter((e) => e.at <= t));
    // a keyframe at or before atUs that has the run's journal up to its moment goes on from there
    let sim = this.keyframes.filter((k) => k.now <= atUs && JSON.stringify(k.journal) === upTo(k.now)).sort((a, b) => b.now - a.now)[0];
    if (sim) {
      // what the run applied since, at its time (as the replay of a journal applies it: after the events due then)
      const since = sim.now;
      for (const e of this.run.journal.filter((e) => !e.scheduled && e.at > since && e.at <= atUs)) {
        await sim.runUntil(e.at);
        await sim.apply(e.command);
      }
    } else {
      sim = await Simulation.create(this.run.scenario, { ...this.options, journal: journalUntil(this.run.journal, atUs) });
      this.replaysFromSeed++;
      this.keyframes.push(sim);
      while (this.keyframes.length > this.keep) await this.keyframes.shift()!.close();
    }
    await sim.runUntil(atUs);
    return sim;
  }

  /** Hands over the replay at `atUs` (to fork it: commands applied to it are the fork's); the Timeline forgets it. */
  async fork(atUs: number): Promise<Simulation> {
    const sim = await this.at(atUs);
    this.keyframes.splice(this.keyframes.indexOf(sim), 1);
    return sim;
  }

  /** Closes every kept replay. */
  async close(): Promise<void> {
    await Promise.all(this.keyframes.splice(0).map((k) => k.close()));
  }
}
