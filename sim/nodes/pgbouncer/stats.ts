/**
 * PgBouncer's figures, as stats.c keeps them: the per-pool counters SHOW STATS prints (totals since the
 * start, and averages over the last stats_period, refreshed by the janitor), and the node's report: the
 * time-weighted levels of cl_* and sv_*, the wait for a server, session-state leaks and the connections
 * PgBouncer closed, by reason. The pooler counts as things happen; the levels are recorded after every
 * change (`record`), so their time averages are exact.
 */
import type { Pool } from './pools.ts';

export interface PoolStats {
  xact: number;
  query: number;
  assign: number;
  received: number;
  sent: number;
  xactTime: number;
  queryTime: number;
  waitTime: number;
}

export const zeroStats = (): PoolStats => ({ xact: 0, query: 0, assign: 0, received: 0, sent: 0, xactTime: 0, queryTime: 0, waitTime: 0 });

/** A level over virtual time: its time-weighted mean and its maximum. */
class Level {
  private area = 0;
  private since = 0;
  max = 0;
  constructor(public value = 0) {}
  set(v: number, now: number): void {
    this.area += this.value * (now - this.since);
    this.since = now;
    this.value = v;
    if (v > this.max) this.max = v;
  }
  mean(now: number): number {
    const area = this.area + this.value * (now - this.since);
    return now > 0 ? area / now : this.value;
  }
}

/** The node-wide figures of the report and the snapshot. */
export class PoolerFigures {
  queries = 0;
  errors = 0;
  sessionLeaks = 0;
  /** Connections PgBouncer closed, by reason (client: and server: prefixes). */
  private readonly closes = new Map<string, number>();
  private readonly clActive = new Level();
  private readonly clWaiting = new Level();
  private readonly svActive = new Level();
  private readonly svIdle = new Level();
  private readonly svTotal = new Level();
  private waitCount = 0;
  private waitSumUs = 0;
  private waitMaxUs = 0;
  /** When the current stats_period started. */
  private periodStart = 0;

  countClose(reason: string): void {
    this.closes.set(reason, (this.closes.get(reason) ?? 0) + 1);
  }

  /** A client got a server after waiting `us` (0 when one was idle). */
  recordWait(us: number): void {
    this.waitCount++;
    this.waitSumUs += us;
    if (us > this.waitMaxUs) this.waitMaxUs = us;
  }

  /** Records the levels after a change (called at the end of each event). */
  record(pools: readonly Pool[], now: number): void {
    let clA = 0;
    let clW = 0;
    let svA = 0;
    let svI = 0;
    let sv = 0;
    for (const p of pools) {
      clA += p.active.size;
      clW += p.waiting.length;
      svA += p.byState.active;
      svI += p.byState.idle;
      sv += p.servers.size;
    }
    if (clA !== this.clActive.value) this.clActive.set(clA, now);
    if (clW !== this.clWaiting.value) this.clWaiting.set(clW, now);
    if (svA !== this.svActive.value) this.svActive.set(svA, now);
    if (svI !== this.svIdle.value) this.svIdle.set(svI, now);
    if (sv !== this.svTotal.value) this.svTotal.set(sv, now);
  }

  /** refresh_stats: once stats_period (`periodUs`) has passed, each pool's averages over it. */
  refreshAverages(pools: readonly Pool[], now: number, periodUs: number): void {
    if (now - this.periodStart < periodUs) return;
    for (const pool of pools) {
      const d = (k: keyof PoolStats) => pool.stats[k] - pool.periodStart[k];
      const secs = (now - this.periodStart) / 1e6;
      pool.averages = {
        xact: Math.round(d('xact') / secs),
        query: Math.round(d('query') / secs),
        assign: Math.round(d('assign') / secs),
        received: Math.round(d('received') / secs),
        sent: Math.round(d('sent') / secs),
        xactTime: d('xact') ? Math.round(d('xactTime') / d('xact')) : 0,
        queryTime: d('query') ? Math.round(d('queryTime') / d('query')) : 0,
        waitTime: d('assign') ? Math.round(d('waitTime') / d('assign')) : 0,
      };
      pool.periodStart = { ...pool.stats };
    }
    this.periodStart = now;
  }

  /** The node's block of the run report. */
  report(now: number): Record<string, unknown> {
    const r3 = (x: number) => Math.round(x * 1000) / 1000;
    return {
      pool: {
        clActiveAvg: r3(this.clActive.mean(now)),
        clWaitingAvg: r3(this.clWaiting.mean(now)),
        clWaitingMax: this.clWaiting.max,
        svActiveAvg: r3(this.svActive.mean(now)),
        svIdleAvg: r3(this.svIdle.mean(now)),
        serverConnectionsMax: this.svTotal.max,
        avgWaitMs: r3(this.waitCount ? this.waitSumUs / this.waitCount / 1000 : 0),
        maxWaitMs: r3(this.waitMaxUs / 1000),
      },
      serverAssignments: this.waitCount,
      sessionLeaks: this.sessionLeaks,
      closedConnections: Object.fromEntries([...this.closes].sort(([a], [b]) => a.localeCompare(b))),
    };
  }
}

export type StatsView = 'stats' | 'stats_totals' | 'stats_averages' | 'totals';

/** SHOW STATS, STATS_TOTALS, STATS_AVERAGES and TOTALS (admin_database_stats ...): per database, the admin database included. */
export function showStats(pools: readonly Pool[], what: StatsView): { columns: string[]; rows: unknown[][] } {
  const byDb = new Map<string, Pool[]>();
  for (const p of pools) byDb.set(p.db.name, [...(byDb.get(p.db.name) ?? []), p]);
  const names = [...new Set([...byDb.keys(), 'pgbouncer'])].sort();
  const sum = (ps: readonly Pool[], f: (p: Pool) => number) => ps.reduce((n, p) => n + f(p), 0);
  const line = (ps: readonly Pool[]) => {
    const t = (k: keyof PoolStats) => Math.round(sum(ps, (p) => p.stats[k]));
    const a = (k: keyof PoolStats) => sum(ps, (p) => p.averages[k]);
    return {
      totals: [t('assign'), t('xact'), t('query'), t('received'), t('sent'), t('xactTime'), t('queryTime'), t('waitTime'), 0, 0, 0],
      avgs: [a('assign'), a('xact'), a('query'), a('received'), a('sent'), a('xactTime'), a('queryTime'), a('waitTime'), 0, 0, 0],
    };
  };
  const totalCols = ['total_server_assignment_count', 'total_xact_count', 'total_query_count', 'total_received', 'total_sent',
    'total_xact_time', 'total_query_time', 'total_wait_time', 'total_client_parse_count', 'total_server_parse_count', 'total_bind_count'];
  const avgCols = ['avg_server_assignment_count', 'avg_xact_count', 'avg_query_count', 'avg_recv', 'avg_sent', 'avg_xact_time',
    'avg_query_time', 'avg_wait_time', 'avg_client_parse_count', 'avg_server_parse_count', 'avg_bind_count'];
  if (what === 'totals') {
    const l = line(pools);
    return { columns: ['name', 'value'], rows: [...totalCols, ...avgCols].map((c, i) => [c.replace(/^total_/, '').replace(/^avg_/, 'avg_'), [...l.totals, ...l.avgs][i]]) };
  }
  const rows = names.map((n) => {
    const l = line(byDb.get(n) ?? []);
    if (what === 'stats_totals') return [n, ...l.totals];
    if (what === 'stats_averages') return [n, ...l.avgs];
    return [n, ...l.totals, ...l.avgs];
  });
  const cols = what === 'stats_totals' ? totalCols : what === 'stats_averages' ? avgCols : [...totalCols, ...avgCols];
  return { columns: ['database', ...cols], rows };
}
