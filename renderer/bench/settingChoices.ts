/**
 * What a sweep can vary: every scalar setting of the document's nodes (`primary.max_connections`,
 * `pgbouncer.pool_mode`) and of its workload (`workload.clients`, `workload.arrival_rate`), named as
 * `npm run sweep --vary` and `--set` name them, with the document's current value.
 */
import { describeSettings, nodeKind, workloadSchema } from '../../sim/index.ts';
import type { Doc } from '../store/doc.ts';

export interface SettingChoice {
  key: string;
  type: string;
  /** The document's value, or the setting's default. */
  current: unknown;
  /** An enum's values. */
  values?: string[];
}

// a size or a time (`4GB`, `20ms`) is a number or a string with its unit (JSON Schema's type list, read as
// text: `number,string`): scalar too
const SCALAR = new Set(['integer', 'number', 'enum', 'string', 'boolean', 'number,string', 'string,number']);

export function settingChoices(doc: Doc): SettingChoice[] {
  const out: SettingChoice[] = [];
  const workload = doc.workload as Record<string, unknown>;
  for (const d of describeSettings(workloadSchema)) if (SCALAR.has(String(d.type)) && d.name !== 'setup_sql') out.push({ key: `workload.${d.name}`, type: d.type, current: workload[d.name] ?? d.default, values: d.values });
  for (const n of doc.nodes) {
    const def = nodeKind(n.kind);
    if (!def) continue;
    for (const d of describeSettings(def.settings)) if (SCALAR.has(String(d.type))) out.push({ key: `${n.id}.${d.name}`, type: d.type, current: (n.settings as Record<string, unknown>)[d.name] ?? d.default, values: d.values });
  }
  return out;
}

/** A value list as typed (`10, 20, 50`): numbers stay numbers, the rest are text; empty entries are dropped. */
export function parseValues(text: string): (number | string)[] {
  return text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map((s) => (/^-?\d+(\.\d+)?$/.test(s) ? Number(s) : s));
}

/** A first guess at the values to sweep: the current one and twice it (or the enum's values). */
export function suggestValues(c: SettingChoice | undefined): string {
  if (!c) return '';
  if (c.values?.length) return c.values.join(', ');
  if (typeof c.current === 'number') return c.current > 0 ? `${c.current}, ${c.current * 2}` : '0, 1';
  return String(c.current ?? '');
}
