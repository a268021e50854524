/**
 * A lesson step driven headlessly: the same commands the player sends, applied to a Simulation the
 * caller's engines boot. Scenario edits change the topology (data, with the sim's editScenario); the next
 * run-time command (re)loads the sim from it, as pressing Run does in the app. What acts on the running
 * sim (a setting, console SQL) goes through `Simulation.apply`. Goals are checked every simulated second.
 */
import { buildReport, CommandError, type ConsoleResult, type EngineFactory, type Scenario, Simulation, type SimCommand } from '../sim/index.ts';
import { editLessonScenario } from './commands.ts';
import { type CheckResult, type GoalContext, GoalTracker } from './goals.ts';
import type { LoadedLesson } from './load.ts';
import { type LessonCommand, seconds, sqlOf } from './schema.ts';

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
    if (c.do === 'run') {
      const sim = await this.ensureSim();
      const end = sim.now + seconds(c.for) * 1e6;
      while (sim.now < end - 1e-6) {
        await sim.runUntil(Math.min(end, (Math.floor(sim.now / 1e6 + 1e-9) + 1) * 1e6));
        this.evaluate();
      }
      return undefined;
    }
    if (c.do === 'runSql') {
      const sim = await this.ensureSim();
      const r = await this.applyToSim(sim, { do: 'runSql', node: c.node, sql: sqlOf(c) });
      this.evaluate();
      if (r.error) throw new LessonCommandError(`runSql on ${c.node}: ${r.error.message}`);
      return r;
    }
    if (c.do === 'reshard') {
      // on the running sim: the rows move after the copy's modelled time, while the workload goes on
      await this.applyToSim(await this.ensureSim(), c);
      return undefined;
    }
    if (c.do === 'setNodeSetting' && this.sim && !this.dirty) {
      // on the running sim, as the inspector does it; one that needs a restart takes effect at the next load
      const { outcome } = await this.applyToSim(this.sim, c);
      this.scenario = this.sim.restartScenario;
      if (outcome === 'restart-required') this.dirty = true;
      return undefined;
    }
    // a scenario edit (or a setting before the sim runs): the next run loads it
    const r = editLessonScenario(this.scenario, c);
    if (!r.ok) throw new LessonCommandError(r.message);
    this.scenario = r.scenario;
    this.dirty = true;
    return undefined;
  }

  private async applyToSim<C extends SimCommand>(sim: Simulation, c: C) {
    try {
      return await sim.apply(c);
    } catch (e) {
      if (e instanceof CommandError) throw new LessonCommandError(e.message);
      throw e;
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
