/**
 * A lesson's scenario edits applied to a Scenario as data, the same way headless and in the app, with the
 * sim's `editScenario` (and, for `setShardStrategy`, the scenario schema): the result is validated, so a
 * bad edit gives an error and changes nothing.
 */
import { type EditResult, editScenario, formatIssues, parseScenario, type Scenario } from '../sim/index.ts';
import { isScenarioEdit, type LessonCommand, type ScenarioEdit } from './schema.ts';

/** One scenario edit or setting of a lesson, validated. */
export function editLessonScenario(scenario: Scenario, c: ScenarioEdit | Extract<LessonCommand, { do: 'setNodeSetting' }>): EditResult {
  if (c.do !== 'setShardStrategy') return editScenario(scenario, c);
  if (!scenario.sharding) return { ok: false, message: 'the scenario is not sharded: it has no shard map whose strategy to set' };
  const r = parseScenario({ ...scenario, sharding: { ...scenario.sharding, strategy: c.strategy } });
  return r.ok ? r : { ok: false, message: `setShardStrategy: ${formatIssues(r.issues).trim()}` };
}

/** The topology after the scenario edits and live settings of `commands` (run, runSql and reshard change no topology). */
export function scenarioAfter(scenario: Scenario, commands: readonly LessonCommand[]): EditResult {
  let s = scenario;
  for (const c of commands) {
    if (!isScenarioEdit(c) && c.do !== 'setNodeSetting') continue;
    const r = editLessonScenario(s, c);
    if (!r.ok) return r;
    s = r.scenario;
  }
  return { ok: true, scenario: s };
}
