/**
 * A lesson's scenario edits applied to a Scenario as data, the same way headless and in the app, with the
 * sim's `editScenario`: the result is validated with the scenario schema, so a bad edit gives an error
 * and changes nothing.
 */
import { type EditResult, editScenario, type Scenario } from '../sim/index.ts';
import { isScenarioEdit, type LessonCommand } from './schema.ts';

/** The topology after the scenario edits and live settings of `commands` (run and runSql change no topology). */
export function scenarioAfter(scenario: Scenario, commands: readonly LessonCommand[]): EditResult {
  let s = scenario;
  for (const c of commands) {
    if (!isScenarioEdit(c) && c.do !== 'setNodeSetting') continue;
    const r = editScenario(s, c);
    if (!r.ok) return r;
    s = r.scenario;
  }
  return { ok: true, scenario: s };
}
