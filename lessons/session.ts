/**
 * A lesson step driven headlessly: the same commands the player sends, applied to a Simulation the
 * caller's engines boot. Scenario edits change the topology (data); the next run-time command (re)loads
 * the sim from it, as pressing Run does in the app. Goals are checked every simulated second.
 */
import { buildReport, type ConsoleResult, type EngineFactory, type Scenario, Simulation } from '../sim/index.ts';
import { applyScenarioEdit } from './commands.ts';
import { type CheckResult, type GoalContext, GoalTracker } from './goals.ts';
import type { LoadedLesson } from './load.ts';
import { isScenarioEdit, type LessonCommand, seconds, sqlOf } from './schema.ts';

export class LessonCommandError extends Error {}

export class LessonSession {
  scenario: Scenario;
  sim?: Simulation;
  /** The topology changed since the sim was loaded: the next run reloads it. */
  private dirty = true;
  readonly tracker: GoalTracker;
  private results: CheckResult[] = [];

  constructor(
    private readonly engines: EngineFactory,
    scenario: Scenario,
    goal: GoalTracker['checks'],
  ) {
    this.scenario = scenario;
    this.tracker = new GoalTracker(goal);
  }

  /** A session at the start of a step of a loaded lesson. */
  static forStep(engines: EngineFactory, loaded: LoadedLesson, index: number): LessonSession {
    return new LessonSession(engines, loaded.stepStarts[index], loaded.lesson.steps[index].goal);
  }

  context(): GoalContext {
    const sim = this.sim;
    return {
      scenario: this.scenario,
      report: sim ? buildReport(sim, [], 0) : undefined,
      snapshot: sim?.snapshot(0),
      console: sim?.consoleHistory.entries ?? [],
      now: sim ? sim.now / 1e6 : 0,
      since: 0,
    };
  }

  /** Checks the goal now. */
  evaluate(): CheckResult[] {
    this.results = this.tracker.update(this.context());
    return this.results;
  }

  private async ensureSim(): Promise<Simulation> {
    if (this.sim && !this.dirty) return this.sim;
    await this.sim?.close();
    this.sim = undefined;
    this.sim = await Simulation.create(this.scenario, { engines: this.engines });
    this.dirty = false;
    this.tracker.reset();
    this.evaluate();
    return this.sim;
  }

  /** Applies one command; a command that fails throws a LessonCommandError saying why. */
  async apply(c: LessonCommand): Promise<ConsoleResult | undefined> {
    if (isScenarioEdit(c)) {
      const r = applyScenarioEdit(this.scenario, c);
      if (!r.ok) throw new LessonCommandError(r.message);
      this.scenario = r.scenario;
      this.dirty = true;
      return undefined;
    }
    switch (c.do) {
      case 'run': {
        const sim = await this.ensureSim();
        const end = sim.now + seconds(c.for) * 1e6;
        while (sim.now < end - 1e-6) {
          await sim.runUntil(Math.min(end, (Math.floor(sim.now / 1e6 + 1e-9) + 1) * 1e6));
          this.evaluate();
        }
        return undefined;
      }
      case 'runSql': {
        const sim = await this.ensureSim();
        const r = await sim.runSql(c.node, sqlOf(c));
        this.evaluate();
        if (r.error) throw new LessonCommandError(`runSql on ${c.node}: ${r.error.message}`);
        return r;
      }
      case 'setNodeSetting': {
        const r = applyScenarioEdit(this.scenario, c);
        if (!r.ok) throw new LessonCommandError(r.message);
        this.scenario = r.scenario;
        const sim = this.sim;
        if (!sim || this.dirty) {
          this.dirty = true;
          return undefined;
        }
        let outcome: 'applied' | 'restart-required';
        try {
          ({ outcome } = await sim.setNodeSetting(c.node, c.name, c.value));
        } catch (e) {
          throw new LessonCommandError((e as Error).message);
        }
        // a setting that needs a restart takes effect when the sim is reloaded
        if (outcome === 'restart-required') this.dirty = true;
        return undefined;
      }
    }
  }

  async applyAll(commands: readonly LessonCommand[]): Promise<void> {
    for (const c of commands) await this.apply(c);
  }

  async close(): Promise<void> {
    await this.sim?.close();
    this.sim = undefined;
  }
}
