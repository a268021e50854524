/**
 * Goal evaluation: pure functions over what the running sim shows (its JSON report, its snapshot, the
 * console history) and the topology (the Scenario), shared by the app's lesson player and the tests.
 *
 * Checks held over time ("p95 below 20 ms for 10 s", "no stale reads for 30 s") read the report's
 * one-second time series where the metric has one; otherwise a GoalTracker remembers, across its
 * evaluations, since when a condition has held or what a counter was worth `over` seconds ago.
 */
import { type ConsoleRecord, isReplicationEdge, nodeKind, type PgBouncerSnapshot, type Report, type Scenario, type SimSnapshot } from '../sim/index.ts';
import { type Check, type Op, type Selector, seconds } from './schema.ts';

export interface GoalContext {
  /** The current topology and settings. */
  scenario: Scenario;
  /** The running sim's report (undefined before the sim has booted). */
  report?: Report;
  snapshot?: SimSnapshot;
  console: readonly ConsoleRecord[];
  /** Virtual time now, seconds. */
  now: number;
  /** Virtual time the step began at, seconds (0 for a freshly loaded sim). */
  since: number;
}

export interface CheckResult {
  met: boolean;
  /** What the check asks, in words. */
  label: string;
  /** What the sim shows now ("p95 = 34.2 ms", "watching: 4 s of 10 s"). */
  detail: string;
  /** Why it works: shown once met. */
  why: string;
}

const OP_WORDS: Record<string, string> = { '<': '<', '<=': '≤', '>': '>', '>=': '≥', '==': '=', '!=': '≠', in: 'in' };

export function compare(a: number | string | boolean, op: Op | 'in', b: unknown): boolean {
  switch (op) {
    case '<':
      return Number(a) < Number(b);
    case '<=':
      return Number(a) <= Number(b);
    case '>':
      return Number(a) > Number(b);
    case '>=':
      return Number(a) >= Number(b);
    case '==':
      return a === b || (typeof b === 'number' && Number(a) === b);
    case '!=':
      return !(a === b || (typeof b === 'number' && Number(a) === b));
    case 'in':
      return Array.isArray(b) && b.some((x) => x === a);
  }
}

function selectorText(s: Selector): string {
  if (typeof s === 'string') return s;
  return [s.role, s.kind, s.id].filter(Boolean).join(' ') || 'any';
}

/** What a check asks, in words (its `label` when it has one). */
export function describeCheck(c: Check): string {
  if (c.label) return c.label;
  const held = 'for' in c && c.for !== undefined ? ` for ${seconds(c.for)} s` : '';
  switch (c.check) {
    case 'metric':
      return `${c.path} ${OP_WORDS[c.op]} ${c.value}${held}`;
    case 'increase':
      return `${c.path} grows ${OP_WORDS[c.op]} ${c.value} over ${seconds(c.over)} s`;
    case 'through':
      return `every path from ${selectorText(c.from)} to ${selectorText(c.to)} goes through ${selectorText(c.via)}`;
    case 'count':
      return `${selectorText(c.nodes)} nodes ${OP_WORDS[c.op]} ${c.value}`;
    case 'setting':
      return `${c.node}.${c.name} ${OP_WORDS[c.op]} ${Array.isArray(c.value) ? c.value.join(', ') : String(c.value)}`;
    case 'console':
      return `run /${c.matches}/ on ${selectorText(c.node)} (≥ ${c.minRows} row${c.minRows === 1 ? '' : 's'})`;
    case 'pools':
      return `SHOW POOLS on ${c.node}: ${c.column} ${OP_WORDS[c.op]} ${c.value}${held}`;
    case 'shardStrategy':
      return `the shard map's strategy ${OP_WORDS[c.op]} ${Array.isArray(c.value) ? c.value.join(', ') : c.value}`;
  }
}

// ---- topology ----

/** Replication roles from the edges: a node of a kind that replicates is a primary, unless a replication edge feeds it. */
export function roles(scenario: Scenario): Map<string, 'primary' | 'replica'> {
  const kind = new Map(scenario.nodes.map((n) => [n.id, n.kind]));
  const out = new Map<string, 'primary' | 'replica'>();
  for (const n of scenario.nodes) if (nodeKind(n.kind)?.replicatesTo?.length) out.set(n.id, 'primary');
  for (const e of scenario.edges) if (isReplicationEdge(kind.get(e.from), kind.get(e.to))) out.set(e.to, 'replica');
  return out;
}

export function matches(scenario: Scenario, s: Selector): string[] {
  if (typeof s === 'string') return scenario.nodes.some((n) => n.id === s) ? [s] : [];
  const r = roles(scenario);
  return scenario.nodes
    .filter((n) => (!s.id || n.id === s.id) && (!s.kind || n.kind === s.kind) && (!s.role || r.get(n.id) === s.role))
    .map((n) => n.id);
}

/** Simple paths along the edges from `from` to any of `to` (at most `limit` of them). */
function paths(scenario: Scenario, from: string, to: Set<string>, limit = 1000): string[][] {
  const out: string[][] = [];
  const next = new Map<string, string[]>();
  for (const e of scenario.edges) next.set(e.from, [...(next.get(e.from) ?? []), e.to]);
  const walk = (at: string, path: string[]) => {
    if (out.length >= limit) return;
    if (to.has(at) && path.length > 1) {
      out.push(path);
      return;
    }
    for (const n of next.get(at) ?? []) if (!path.includes(n)) walk(n, [...path, n]);
  };
  walk(from, [from]);
  return out;
}

// ---- metrics ----

/** A value of the report by its JSON path (`nodes.primary.cpuUtilization`). */
export function reportValue(report: Report, path: string): unknown {
  let v: unknown = report;
  for (const p of path.split('.')) {
    if (v === null || typeof v !== 'object' || !Object.hasOwn(v, p)) return undefined;
    v = (v as Record<string, unknown>)[p];
  }
  return v;
}

/**
 * `sharding.hottestShare`: the busiest shard's share of the statements all shards ran in a second (the hot
 * spot of the skew heatmap: 0.5 on two evenly loaded shards, 1 when one shard runs everything); undefined
 * in a second when no shard ran any.
 */
export const HOTTEST_SHARE = 'sharding.hottestShare';

export function hottestShare(perShard: Record<string, number> | undefined): number | undefined {
  const counts = Object.values(perShard ?? {});
  const total = counts.reduce((a, b) => a + b, 0);
  return total > 0 ? Math.max(...counts) / total : undefined;
}

/** The one-second series of a report path, when the report has one: [second index, value]. */
export function seriesOf(report: Report, path: string): [number, number][] | undefined {
  if (path === HOTTEST_SHARE) {
    return report.timeSeries.flatMap((b): [number, number][] => {
      const share = hottestShare(b.shards);
      return share === undefined ? [] : [[b.t, share]];
    });
  }
  const top: Record<string, keyof Report['timeSeries'][number]> = {
    'latencyMs.p50': 'p50Ms',
    'latencyMs.p95': 'p95Ms',
    'latencyMs.p99': 'p99Ms',
    throughputRps: 'throughputRps',
    failed: 'failed',
  };
  if (top[path]) return report.timeSeries.map((b) => [b.t, Number(b[top[path]])]);
  const m = /^nodes\.([a-z][a-z0-9_-]*)\.(cpuUtilization|queriesPerSecond|connections)$/.exec(path);
  const series = m ? (report.nodes[m[1]]?.series as { t: number; queries: number; cpuUtilization: number; connections: number }[] | undefined) : undefined;
  if (!m || !series) return undefined;
  const field = m[2] === 'queriesPerSecond' ? 'queries' : m[2];
  return series.map((b) => [b.t, Number(b[field as 'queries'])]);
}

const fmt = (v: unknown) => (typeof v === 'number' ? String(Math.round(v * 1000) / 1000) : String(v));

/** A value a check reads now, or why there is none. */
function currentValue(c: Check, ctx: GoalContext): { value?: number; missing?: string } {
  if (c.check === 'pools') {
    const n = ctx.snapshot?.nodes.find((x) => x.id === c.node);
    if (!n) return { missing: ctx.snapshot ? `no node ${c.node} running` : 'run the sim to see it' };
    const pools = n as Partial<PgBouncerSnapshot>;
    if (typeof pools[c.column] !== 'number') return { missing: `${c.node} is a ${n.kind} node: it has no pools (SHOW POOLS ${c.column})` };
    return { value: Number(pools[c.column]) };
  }
  if (c.check !== 'metric' && c.check !== 'increase') return {};
  if (!ctx.report) return { missing: 'run the sim to see it' };
  const v = c.path === HOTTEST_SHARE ? seriesOf(ctx.report, c.path)?.at(-1)?.[1] : reportValue(ctx.report, c.path);
  if (v === undefined && /^(errors|consistency)\./.test(c.path) && (c.path.startsWith('errors.') || ctx.report.consistency)) return { value: 0 };
  if (typeof v !== 'number') return { missing: v === undefined ? `${c.path} is not in the report (yet)` : `${c.path} is not a number` };
  return { value: v };
}

interface CheckState {
  heldSince?: number;
  samples: { t: number; v: number }[];
  /** The states of the check's `requires`, evaluated on every update so their windows fill. */
  requires: CheckState[];
}

const fresh = (c: Check): CheckState => ({ samples: [], requires: ('requires' in c ? (c.requires ?? []) : []).map(fresh) });

/**
 * Evaluates a goal's checks over time. Call `update` whenever the sim has advanced (the headless
 * session calls it every simulated second; the player on every snapshot); `reset` when a step starts
 * or the sim is reloaded (virtual time going back also resets it).
 */
export class GoalTracker {
  private states: CheckState[];
  private last = -1;

  constructor(readonly checks: readonly Check[]) {
    this.states = checks.map(fresh);
  }

  reset(): void {
    this.states = this.checks.map(fresh);
    this.last = -1;
  }

  update(ctx: GoalContext): CheckResult[] {
    if (ctx.now < this.last) this.reset();
    this.last = ctx.now;
    return this.checks.map((c, i) => this.evaluate(c, this.states[i], ctx));
  }

  /** A check and its `requires`: met only when the figure and every requirement are. */
  private evaluate(c: Check, st: CheckState, ctx: GoalContext): CheckResult {
    const own = this.evaluateOwn(c, st, ctx);
    const reqs = 'requires' in c ? (c.requires ?? []) : [];
    const unmet = reqs.map((r, i) => this.evaluateOwn(r, st.requires[i], ctx)).find((r) => !r.met);
    if (!unmet || !own.met) return own;
    return { ...own, met: false, detail: `${own.detail}, but not yet: ${unmet.label} (${unmet.detail})` };
  }

  private evaluateOwn(c: Check, st: CheckState, ctx: GoalContext): CheckResult {
    const label = describeCheck(c);
    const result = (met: boolean, detail: string): CheckResult => ({ met, label, detail, why: c.why });
    switch (c.check) {
      case 'count': {
        const n = matches(ctx.scenario, c.nodes).length;
        return result(compare(n, c.op, c.value), `${n} now`);
      }
      case 'through': {
        const froms = matches(ctx.scenario, c.from);
        const to = new Set(matches(ctx.scenario, c.to));
        const via = new Set(matches(ctx.scenario, c.via));
        if (froms.length === 0) return result(false, `no ${selectorText(c.from)} node`);
        if (to.size === 0) return result(false, `no ${selectorText(c.to)} node`);
        for (const f of froms) {
          const ps = paths(ctx.scenario, f, to);
          if (ps.length === 0) return result(false, `${f} has no path to ${[...to].join(', ')}`);
          const direct = ps.find((p) => !p.slice(1, -1).some((x) => via.has(x)));
          if (direct) return result(false, `${direct.join(' → ')} bypasses it`);
        }
        return result(true, 'yes');
      }
      case 'shardStrategy': {
        const kind = ctx.report?.sharding?.strategy;
        if (kind === undefined) return result(false, ctx.report ? 'the scenario is not sharded' : 'run the sim to see it');
        return result(compare(kind, c.op, c.value), `strategy = ${kind}`);
      }
      case 'setting': {
        const n = ctx.scenario.nodes.find((x) => x.id === c.node);
        if (!n) return result(false, `no node ${c.node}`);
        const v = n.settings[c.name];
        return result(v !== undefined && compare(v as string, c.op, c.value), `${c.name} = ${fmt(v)}`);
      }
      case 'console': {
        const nodes = new Set(matches(ctx.scenario, c.node));
        let re: RegExp;
        try {
          re = new RegExp(c.matches, 'i');
        } catch {
          return result(false, 'the check has a bad pattern');
        }
        const mine = ctx.console.filter((r) => r.at >= ctx.since * 1e6 && nodes.has(r.node) && re.test(r.query));
        const ok = mine.find((r) => !r.error && r.rowCount >= c.minRows);
        if (ok) return result(true, `${ok.rowCount} row${ok.rowCount === 1 ? '' : 's'}`);
        const last = mine.at(-1);
        if (!last) return result(false, 'not run yet');
        return result(false, last.error ? `it failed: ${last.error}` : `it returned ${last.rowCount} row${last.rowCount === 1 ? '' : 's'}`);
      }
      case 'metric':
      case 'pools': {
        const { value, missing } = currentValue(c, ctx);
        if (value === undefined) return result(false, missing ?? 'no value');
        const now = compare(value, c.op, c.value);
        const shown = `${c.check === 'pools' ? c.column : c.path} = ${fmt(value)}`;
        if (c.for === undefined) return result(now, shown);
        const window = seconds(c.for);
        const series = c.check === 'metric' && ctx.report ? seriesOf(ctx.report, c.path) : undefined;
        if (series) {
          // whole seconds after the step began, complete by now
          const done = series.filter(([t]) => t >= Math.ceil(ctx.since - 1e-9) && t + 1 <= ctx.now + 1e-9);
          let held = 0;
          for (let k = done.length - 1; k >= 0 && compare(done[k][1], c.op, c.value); k--) held++;
          const last = done.at(-1);
          const lastText = last ? `${c.check === 'metric' ? c.path : c.column} = ${fmt(last[1])} in the last second` : 'no complete second yet';
          return result(held >= window, held >= window ? lastText : `${lastText}; held ${Math.min(held, window)} s of ${window} s`);
        }
        if (!now) st.heldSince = undefined;
        else if (st.heldSince === undefined) st.heldSince = ctx.now;
        const held = st.heldSince === undefined ? 0 : ctx.now - st.heldSince;
        return result(held >= window - 1e-9, held >= window - 1e-9 ? shown : `${shown}; held ${Math.floor(held)} s of ${window} s`);
      }
      case 'increase': {
        const { value, missing } = currentValue(c, ctx);
        if (value === undefined) return result(false, missing ?? 'no value');
        if (ctx.now >= ctx.since) st.samples.push({ t: ctx.now, v: value });
        const over = seconds(c.over);
        // the newest sample at least `over` seconds old, taken since the step began
        let base: { t: number; v: number } | undefined;
        for (const s of st.samples) if (s.t >= ctx.since - 1e-9 && s.t <= ctx.now - over + 1e-9) base = s;
        const first = st.samples.find((s) => s.t >= ctx.since - 1e-9);
        st.samples = st.samples.filter((s) => s === base || s.t > ctx.now - over - 1);
        if (!base) {
          const watched = first ? ctx.now - first.t : 0;
          return result(false, `${c.path} = ${fmt(value)}; watching ${Math.floor(watched)} s of ${over} s`);
        }
        const growth = value - base.v;
        return result(compare(growth, c.op, c.value), `+${fmt(growth)} in the last ${over} s (${c.path} = ${fmt(value)})`);
      }
    }
  }
}

/** Whether every check is met. */
export function allMet(results: readonly CheckResult[]): boolean {
  return results.length > 0 && results.every((r) => r.met);
}

/** A step's goal as the player shows it: once every check was met it stays reached, with the results that reached it. */
export interface GoalState {
  done: boolean;
  results: CheckResult[];
}

/**
 * The goal state after an evaluation. A reached goal keeps the results that reached it: a figure that
 * moves afterwards (one more stale read, a slower second) would otherwise show an unmet check under
 * "Goal reached".
 */
export function settleGoal(prev: GoalState, results: CheckResult[]): GoalState {
  if (prev.done) return prev;
  return { done: allMet(results), results };
}
