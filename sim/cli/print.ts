/** The readable report printed by the headless runner. */
import type { Report } from '../report.ts';

export function table(head: string[], rows: unknown[][]): string {
  const cells = [head, ...rows.map((r) => r.map((v) => (v === null || v === undefined ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v))))];
  const widths = head.map((_, i) => Math.min(60, Math.max(...cells.map((r) => String(r[i] ?? '').length))));
  const line = (r: unknown[]) => r.map((v, i) => String(v ?? '').slice(0, 60).padEnd(widths[i])).join('  ').trimEnd();
  return [line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.slice(1).map(line)].join('\n');
}

export function printReport(r: Report): string {
  const out: string[] = [];
  if ((r as { source?: string }).source === 'real') out.push(`${r.scenario} — on real servers, ${r.simulatedSeconds}s measured (${r.realQueries} statements on the databases)`);
  else out.push(`${r.scenario} — seed ${r.seed}, ${r.simulatedSeconds}s simulated in ${r.wallSeconds}s (${r.realQueries} real queries)`);
  out.push('');
  out.push(`requests: ${r.completed} completed, ${r.failed} failed, ${r.throughputRps} req/s`);
  out.push(`latency ms: p50 ${r.latencyMs.p50}  p95 ${r.latencyMs.p95}  p99 ${r.latencyMs.p99}  max ${r.latencyMs.max}`);
  const errors = Object.entries(r.errors);
  if (errors.length > 0) out.push(`errors: ${errors.map(([c, n]) => `${c} ${n}`).join(', ')}`);
  out.push('');
  out.push(
    table(
      ['node', 'kind', 'queries', 'q/s', 'cpu %', 'conns', 'max conns', 'errors'],
      Object.entries(r.nodes).map(([id, n]) => [id, n.kind, n.queries, n.queriesPerSecond, Math.round(n.cpuUtilization * 1000) / 10, n.connections, n.connectionsMax, n.errors]),
    ),
  );
  for (const [id, n] of Object.entries(r.nodes)) {
    const pool = n.pool as Record<string, number> | undefined;
    if (pool) {
      out.push(
        `${id} pool: cl_active avg ${pool.clActiveAvg}, cl_waiting avg ${pool.clWaitingAvg} max ${pool.clWaitingMax}, ` +
          `sv_active avg ${pool.svActiveAvg}, sv_idle avg ${pool.svIdleAvg}, server connections max ${pool.serverConnectionsMax}, wait avg ${pool.avgWaitMs} ms max ${pool.maxWaitMs} ms`,
      );
    }
    const rep = n.replication as { replayLagMs?: { p50: number; p95: number; max: number }; state?: string; syncState?: string } | undefined;
    if (rep?.replayLagMs) {
      out.push(`${id} replication: ${rep.state} (${rep.syncState}), replay lag ms p50 ${rep.replayLagMs.p50} p95 ${rep.replayLagMs.p95} max ${rep.replayLagMs.max}`);
    }
  }
  if (r.consistency) {
    out.push(`consistency: ${r.consistency.staleReads} stale reads, ${r.consistency.rywViolations} read-your-writes violations, ${r.consistency.lostWrites} lost writes`);
  }
  const shown = new Set(['node-crashed', 'node-restarted', 'failover', 'promoted', 'node-killed', 'node-stopped', 'node-started']);
  for (const e of r.events.filter((e) => shown.has(e.type))) out.push(`event at ${e.at}s: ${e.message}`);
  for (const q of r.sql) {
    out.push('');
    out.push(`${q.node}> ${q.query.trim()}`);
    if (q.error) out.push(`ERROR: ${q.error.message} (${q.error.code})`);
    else if (q.columns.length > 0) out.push(table(q.columns, q.rows), `(${q.truncated ? 'first ' : ''}${q.rowCount} row${q.rowCount === 1 ? '' : 's'}${q.truncated ? '; more not shown' : ''})`);
    else out.push(`OK (${q.rowCount})`);
  }
  return out.join('\n');
}

/** A one-line progress bar on a terminal (stderr); nothing when stderr is not one. */
export function progressBar(label: string, fraction: number): void {
  if (!process.stderr.isTTY) return;
  const width = 30;
  const done = Math.round(Math.min(1, fraction) * width);
  process.stderr.write(`\r${label.padEnd(22).slice(0, 22)} [${'#'.repeat(done)}${'.'.repeat(width - done)}] ${Math.round(fraction * 100)}%   `);
}
