/**
 * Route explain as the console shows it, EXPLAIN style: a line per fact (where it goes, each key found with
 * its hash or range and the shard it picks, how a scatter merges, or why it is refused), indented as
 * PostgreSQL's plans are. Pure: the sim's RouteExplain in, lines out.
 */
import type { RouteExplain } from '../../sim/index.ts';

export interface ExplainLine {
  /** Indent level (0: the headline). */
  depth: number;
  label: string;
  text: string;
}

const MERGES = { rows: 'rows merged under ORDER BY and LIMIT', aggregates: 'aggregates combined (avg from sum and count)' } as const;

export function routeExplainLines(e: RouteExplain): ExplainLine[] {
  const lines: ExplainLine[] = [];
  if (e.route === 'error') {
    lines.push({ depth: 0, label: 'Refused', text: e.error ? `${e.error.severity}: ${e.error.message}` : 'refused' });
    if (e.error?.detail) lines.push({ depth: 1, label: 'Detail', text: e.error.detail });
  } else if (e.route === 'one') {
    lines.push({ depth: 0, label: 'Single shard', text: e.shards[0] });
  } else if (e.route === 'twopc') {
    lines.push({ depth: 0, label: 'Two-phase commit', text: `${e.shards.join(', ')} (each its part, then PREPARE TRANSACTION and COMMIT PREPARED on each)` });
  } else {
    lines.push({ depth: 0, label: 'Scatter-gather', text: `${e.shards.join(', ')} (${e.shards.length} shards)` });
  }
  for (const k of e.keys) {
    const where = k.table ? `${k.table}.${k.column}` : 'shard key';
    lines.push({ depth: 1, label: 'Key', text: `${where} = ${k.key} (${k.source === 'constant' ? 'a constant' : `parameter ${k.source}`}, statement ${k.statement + 1})` });
    lines.push({ depth: 2, label: 'Rule', text: k.why });
    lines.push({ depth: 2, label: 'Shard', text: k.shard ?? 'none' });
  }
  if (e.merge) lines.push({ depth: 1, label: 'Merge', text: MERGES[e.merge] });
  lines.push({ depth: 1, label: 'Why', text: e.reason });
  return lines;
}
