/**
 * A command's edit of a scenario, as data: the topology (addNode, removeNode, addEdge, removeEdge), a
 * node's setting, workload fields. The result is validated with the scenario schema, so a bad edit gives
 * an error and changes nothing. The lessons edit their scenarios with it before a run; a running
 * Simulation keeps with it the scenario a restart would load.
 */
import type { ScenarioEditCommand } from '../core/commands.ts';
import { nodeKind } from '../nodes/registry.ts';
import { formatIssues, parseScenario } from './load.ts';
import type { Scenario } from './schema.ts';

export type EditResult = { ok: true; scenario: Scenario } | { ok: false; message: string };

/** Applies one edit to a copy of `scenario`. */
export function editScenario(scenario: Scenario, c: ScenarioEditCommand): EditResult {
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
    case 'addEdge':
      if (next.edges.some((e) => e.from === c.from && e.to === c.to)) return { ok: false, message: `${c.from} is already connected to ${c.to}` };
      next.edges.push({ from: c.from, to: c.to, ...(c.latency !== undefined ? { latency: c.latency } : {}) });
      break;
    case 'removeEdge':
      if (!next.edges.some((e) => e.from === c.from && e.to === c.to)) return { ok: false, message: `${c.from} is not connected to ${c.to}` };
      next.edges = next.edges.filter((e) => !(e.from === c.from && e.to === c.to));
      break;
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
