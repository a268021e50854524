/**
 * The workload's scripted clients (`workload.scripts`): each one's steps in a line (a statement and where it
 * goes, a wait, a held transaction), and all of them as JSON to edit, validated by the sim's workload schema.
 */
import { useState } from 'react';
import type { ScenarioIssue, ScriptSpec } from '../../sim/index.ts';
import { appStore, useApp } from '../store/appStore.ts';

type Script = Partial<ScriptSpec> & { name: string; steps: Record<string, unknown>[] };

/** One step in a few words: `rename → primary`, `wait 100ms`, `long_tx (hold 10s)`. */
function stepText(script: Script, step: Record<string, unknown>, i: number): string {
  if ('wait' in step) return `wait ${String(step.wait)}`;
  const name = String(step.name ?? `${script.name}_${i + 1}`);
  return `${name}${step.on ? ` → ${String(step.on)}` : ''}${step.hold ? ` (hold ${String(step.hold)})` : ''}`;
}

export function ScriptsEditor() {
  const scripts = useApp((s) => s.doc.workload.scripts) as Script[] | undefined;
  const [json, setJson] = useState<string | undefined>(undefined);
  const [errors, setErrors] = useState<string[]>([]);
  const apply = () => {
    let parsed: unknown;
    try {
      parsed = json?.trim() ? JSON.parse(json) : undefined;
    } catch (e) {
      setErrors([`not valid JSON: ${(e as Error).message}`]);
      return;
    }
    const issues: ScenarioIssue[] = appStore.getState().setWorkloadField(['scripts'], parsed);
    setErrors(issues.map((i) => `${i.path}: ${i.message}`));
    if (issues.length === 0) setJson(undefined);
  };
  return (
    <details data-testid="workload-scripts">
      <summary>Scripted clients ({scripts?.length ?? 0})</summary>
      <ul>
        {(scripts ?? []).map((s) => (
          <li key={s.name}>
            <code>{s.name}</code>: {s.steps.map((st, i) => stepText(s, st, i)).join(', ')}
          </li>
        ))}
      </ul>
      <textarea
        className="json"
        aria-label="scripts JSON"
        spellCheck={false}
        placeholder='[{ "name": "read_your_write", "steps": [{ "sql": "UPDATE ...", "on": "primary" }, { "wait": "100ms" }, { "sql": "SELECT ...", "on": "replica1" }] }]'
        value={json ?? (scripts ? JSON.stringify(scripts, null, 2) : '')}
        onChange={(e) => setJson(e.target.value)}
      />
      <button type="button" onClick={apply}>
        Apply scripts
      </button>
      {errors.map((m) => (
        <div key={m} className="setting-error" role="alert">
          {m}
        </div>
      ))}
    </details>
  );
}
