/**
 * Scenario edits applied to a Scenario as data, the same way headless and in the app: the result is
 * validated with the sim's scenario schema, so a bad edit gives an error and changes nothing.
 */
import { formatIssues, nodeKind, parseScenario, type Scenario } from '../sim/index.ts';
import { isScenarioEdit, type LessonCommand, type ScenarioEdit } from './schema.ts';

export type EditResult = { ok: true; scenario: Scenario } | { ok: false; message: string };

/** Applies one scenario edit (or a live setting, which the topology keeps too) to a copy of `scenario`. */
export function applyScenarioEdit(scenario: Scenario, c: ScenarioEdit | Extract<LessonCommand, { do: 'setNodeSetting' }>): EditResult {
  const next = structuredClone(scenario) as unknown as {
    nodes: { id: string; kind: string; label?: string; position?: { x: number; y: number }; settings: Record<string, unknown> }[];
    edges: { from: string; to: string; latency?: unknown }[];
    workload: Record<string, unknown>;
  };
  const node = (id: string) => next.nodes.find((n) => n.id === id);
  switch (c.do) {
    case 'addNode': {
      if (node(c.id)) return { ok: false, message: `there is already a node "${c.id}"` };
      if (!nodeKind(c.kind)) return { ok: false, message: `unknown node kind "${c.kind}"` };
      const maxX = Math.max(0, ...next.nodes.map((n) => n.position?.x ?? 0));
      next.nodes.push({ id: c.id, kind: c.kind, ...(c.label ? { label: c.label } : {}), position: c.position ?? { x: maxX + 320, y: 0 }, settings: { ...c.settings } });
      break;
    }
    case 'removeNode':
      if (!node(c.id)) return { ok: false, message: `no node "${c.id}"` };
      next.nodes = next.nodes.filter((n) => n.id !== c.id);
      next.edges = next.edges.filter((e) => e.from !== c.id && e.to !== c.id);
      break;
    case 'connect':
      if (next.edges.some((e) => e.from === c.from && e.to === c.to)) return { ok: false, message: `${c.from} is already connected to ${c.to}` };
      next.edges.push({ from: c.from, to: c.to, ...(c.latency !== undefined ? { latency: c.latency } : {}) });
      break;
    case 'disconnect':
      if (!next.edges.some((e) => e.from === c.from && e.to === c.to)) return { ok: false, message: `${c.from} is not connected to ${c.to}` };
      next.edges = next.edges.filter((e) => !(e.from === c.from && e.to === c.to));
      break;
    case 'setSetting':
    case 'setNodeSetting': {
      const n = node(c.node);
      if (!n) return { ok: false, message: `no node "${c.node}"` };
      n.settings = { ...n.settings, [c.name]: c.value };
      break;
    }
    case 'setWorkload':
      next.workload = { ...next.workload, ...c.set };
      break;
  }
  const parsed = parseScenario(next);
  if (!parsed.ok) return { ok: false, message: `${c.do}: ${formatIssues(parsed.issues).trim()}` };
  return { ok: true, scenario: parsed.scenario };
}

/** The topology after the scenario edits and live settings of `commands` (run and runSql change no topology). */
export function scenarioAfter(scenario: Scenario, commands: readonly LessonCommand[]): EditResult {
  let s = scenario;
  for (const c of commands) {
    if (!isScenarioEdit(c) && c.do !== 'setNodeSetting') continue;
    const r = applyScenarioEdit(s, c);
    if (!r.ok) return r;
    s = r.scenario;
  }
  return { ok: true, scenario: s };
}
