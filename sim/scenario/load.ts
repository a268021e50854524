/** Reading, validating and overriding scenarios. Bad input gives errors with paths, never a crash. */
import type { z } from 'zod';
import { type Scenario, scenarioSchema } from './schema.ts';

export interface ScenarioIssue {
  /** Where: `nodes[1].settings.max_connections`. */
  path: string;
  /** The id of the node the path is in, when it has one. */
  node?: string;
  message: string;
}

export type ParseResult = { ok: true; scenario: Scenario } | { ok: false; issues: ScenarioIssue[] };

export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : out ? `.${String(p)}` : String(p);
  return out || '(file)';
}

function issuesOf(error: z.ZodError, input: unknown): ScenarioIssue[] {
  return error.issues.map((i) => {
    let message = i.message;
    if (i.code === 'unrecognized_keys') message = `unknown key${i.keys.length > 1 ? 's' : ''} ${i.keys.map((k) => `"${k}"`).join(', ')}`;
    const id = i.path[0] === 'nodes' && typeof i.path[1] === 'number' ? (input as { nodes?: { id?: unknown }[] })?.nodes?.[i.path[1]]?.id : undefined;
    return { path: formatPath(i.path), ...(typeof id === 'string' && id.length <= 32 ? { node: id } : {}), message };
  });
}

/** Validates a parsed value; defaults filled in. */
export function parseScenario(input: unknown): ParseResult {
  const r = scenarioSchema().safeParse(input);
  if (r.success) return { ok: true, scenario: r.data as unknown as Scenario };
  return { ok: false, issues: issuesOf(r.error, input) };
}

/** Validates the text of a scenario file. */
export function parseScenarioText(text: string): ParseResult {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    return { ok: false, issues: [{ path: '(file)', message: `not valid JSON: ${(e as Error).message}` }] };
  }
  return parseScenario(value);
}

export function formatIssues(issues: ScenarioIssue[]): string {
  return issues.map((i) => `  ${i.path}${i.node ? ` (node ${i.node})` : ''}: ${i.message}`).join('\n');
}

/**
 * Applies `NODE.SETTING=VALUE`, `workload.FIELD=VALUE` or `run.FIELD=VALUE` to a scenario and validates
 * the result. Values are JSON where they parse as JSON (numbers, booleans), else strings (`16MB`).
 */
export function applyOverrides(scenario: Scenario, overrides: string[]): ParseResult {
  const next = structuredClone(scenario) as unknown as Record<string, any>;
  for (const o of overrides) {
    const m = /^([a-z][a-z0-9_-]*)\.([a-z_][a-z0-9_.]*)=(.*)$/s.exec(o);
    if (!m) return fail(o, 'expected NODE.SETTING=VALUE, workload.FIELD=VALUE or run.FIELD=VALUE');
    const [, head, field, raw] = m;
    const value = parseValue(raw);
    if (head === 'workload' || head === 'run') {
      const parts = field.split('.');
      if (parts.some((p) => p === '__proto__' || p === 'constructor' || p === 'prototype')) return fail(o, `no field ${field}`);
      let obj: Record<string, unknown> = (next[head] ??= {});
      for (const p of parts.slice(0, -1)) {
        const child = Object.hasOwn(obj, p) ? obj[p] : (obj[p] = {});
        if (typeof child !== 'object' || child === null || Array.isArray(child)) return fail(o, `${head}.${p} is not an object`);
        obj = child as Record<string, unknown>;
      }
      obj[parts[parts.length - 1]] = value;
      continue;
    }
    const node = (next.nodes as { id: string; settings: Record<string, unknown> }[]).find((n) => n.id === head);
    if (!node) return fail(o, `no node "${head}"; nodes are ${next.nodes.map((n: { id: string }) => n.id).join(', ')}`);
    node.settings[field] = value;
  }
  return parseScenario(next);
}

function parseValue(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}

function fail(path: string, message: string): ParseResult {
  return { ok: false, issues: [{ path, message }] };
}
