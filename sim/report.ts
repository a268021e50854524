/** The report of a run: what the CLI prints and writes with --json. Deterministic for a scenario and seed. */
import type { ConsoleResult } from './core/contracts.ts';
import type { Simulation } from './Simulation.ts';
import { nodeKind } from './nodes/index.ts';
import { shardOfNodes } from './scenario/sharding.ts';
import type { ShardFigures } from './sharding/figures.ts';
import { type ShardMap, shardNodes } from './sharding/shardMap.ts';

export interface Report {
  scenario: string;
  seed: number;
  simulatedSeconds: number;
  completed: number;
  failed: number;
  throughputRps: number;
  latencyMs: { p50: number; p95: number; p99: number; max: number; mean: number };
  errors: Record<string, number>;
  nodes: Record<string, { kind: string; queries: number; queriesPerSecond: number; cpuUtilization: number; errors: number; connections: number; [k: string]: unknown }>;
  /** Per second; sharded scenarios add `shards`: statements each shard (primary and replicas) ran that second (the skew heatmap). */
  timeSeries: { t: number; throughputRps: number; failed: number; p50Ms: number; p95Ms: number; p99Ms: number; shards?: Record<string, number> }[];
  events: { at: number; type: string; node?: string; message: string }[];
  /** Console statements; `truncated`: more rows than the console shows (rowCount counts those shown). */
  sql: { node: string; query: string; columns: string[]; rows: unknown[][]; rowCount: number; truncated?: boolean; error?: { code: string; message: string } }[];
  /**
   * With replicas: every replica read checked against what the primary had committed (sim/replication/):
   * staleReads, rywViolations, lostWrites (after a failover), how stale (ms, versions), per replica, and
   * the lost writes listed. Each replica's node entry has its `replication` (replayLagMs, state, syncState).
   */
  consistency?: { staleReads: number; rywViolations: number; lostWrites: number; [k: string]: unknown };
  /**
   * Sharded scenarios: per shard, the app requests routed to it, the statements its nodes ran (the shard and
   * its replicas), its primary's CPU and the rows of each distributed table at load; requests that scattered
   * to several shards, and requests refused for needing two shards or an unmergeable scatter; requests
   * committed on several shards with two-phase commit (under transaction_mode TWOPC, or once a pgdog node's
   * two_phase_commit did); rows and bytes
   * moved by reshards (sim/sharding/reshard.ts), when the run had any.
   */
  sharding?: {
    strategy: string;
    shards: Record<string, { nodes: string[]; requests: number; queries: number; cpuUtilization: number; rows: Record<string, number> }>;
    scatterQueries: number;
    crossShardErrors: number;
    unmergeableErrors: number;
    /** Requests over several shards committed with two-phase commit (transaction_mode TWOPC, a pgdog node's two_phase_commit). */
    twoPhaseCommits?: number;
    rowsMoved?: number;
    bytesMoved?: number;
  };
  realQueries: number;
  wallSeconds: number;
}

const ms = (us: number) => Math.round(us) / 1000;
const round = (x: number, digits = 3) => Math.round(x * 10 ** digits) / 10 ** digits;

export function buildReport(sim: Simulation, sql: ConsoleResult[], wallSeconds: number): Report {
  const m = sim.metrics;
  const map = sim.scenario.sharding;
  const shardOf = map ? shardOfNodes(sim.scenario, shardNodes(map)) : undefined;
  const seconds = sim.now / 1e6;
  const nodes: Report['nodes'] = {};
  for (const n of sim.nodes.values()) {
    const t = m.node(n.id);
    const snap = n.snapshot();
    // a kind that counts requests (an app) has them in its snapshot; the others' statements are in the metrics
    const requests = nodeKind(n.kind)?.counts === 'requests';
    const queries = requests ? snap.queries : t.queries;
    nodes[n.id] = {
      kind: n.kind,
      queries,
      queriesPerSecond: round(queries / Math.max(seconds, 1e-9), 1),
      cpuUtilization: round(t.busyUs / Math.max(1, sim.now) / Math.max(1, t.cores)),
      errors: requests ? snap.errors : t.errors,
      connections: snap.connections,
      connectionsMax: t.connectionsMax,
      // one-second buckets of virtual time: statements run, share of the cores busy, most connections
      series: m.seconds.map((b) => {
        const s = b.nodes.get(n.id);
        return { t: b.t, queries: s?.queries ?? 0, cpuUtilization: round((s?.busyUs ?? 0) / 1e6 / Math.max(1, t.cores)), connections: s?.connectionsMax ?? t.connections };
      }),
      ...(n.report?.() ?? {}),
    };
  }
  return {
    scenario: sim.scenario.name,
    seed: sim.scenario.run.seed,
    simulatedSeconds: round(seconds, 6),
    completed: m.completed,
    failed: m.failed,
    throughputRps: round(m.completed / Math.max(seconds, 1e-9), 1),
    latencyMs: {
      p50: ms(m.latency.percentile(50)),
      p95: ms(m.latency.percentile(95)),
      p99: ms(m.latency.percentile(99)),
      max: ms(m.latency.max),
      mean: ms(m.latency.mean),
    },
    errors: Object.fromEntries([...m.errors.entries()].sort(([a], [b]) => a.localeCompare(b))),
    nodes,
    timeSeries: m.seconds.map((b) => ({
      t: b.t,
      throughputRps: b.completed,
      failed: b.failed,
      p50Ms: ms(b.latency.percentile(50)),
      p95Ms: ms(b.latency.percentile(95)),
      p99Ms: ms(b.latency.percentile(99)),
      ...(shardOf ? { shards: shardSecond(shardOf, b) } : {}),
    })),
    events: sim.events.map((e) => ({ ...e, at: round(e.at / 1e6, 6) })),
    sql: sql.map((r) => ({
      node: r.node,
      query: r.query,
      columns: r.columns,
      rows: r.rows,
      rowCount: r.rowCount,
      ...(r.truncated ? { truncated: true } : {}),
      ...(r.error ? { error: { code: r.error.code, message: r.error.message } } : {}),
    })),
    ...(sim.replication.active ? { consistency: sim.replication.checker.report() as Report['consistency'] } : {}),
    ...(sim.scenario.sharding && sim.shardFigures ? { sharding: shardingReport(sim, sim.scenario.sharding, sim.shardFigures, nodes) } : {}),
    realQueries: m.realQueries,
    wallSeconds: round(wallSeconds, 3),
  };
}

/** Statements each shard (its primary and replicas) ran in one second: the skew heatmap's row of cells. */
function shardSecond(shardOf: Map<string, string>, b: Simulation['metrics']['seconds'][number]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [id, shard] of shardOf) out[shard] = (out[shard] ?? 0) + (b.nodes.get(id)?.queries ?? 0);
  return out;
}

function shardingReport(sim: Simulation, map: ShardMap, f: ShardFigures, nodes: Report['nodes']): NonNullable<Report['sharding']> {
  const owner = shardOfNodes(sim.scenario, shardNodes(map));
  const shards: NonNullable<Report['sharding']>['shards'] = {};
  for (const s of shardNodes(map)) {
    const members = [...owner].filter(([, o]) => o === s).map(([id]) => id);
    shards[s] = {
      nodes: members,
      requests: f.requests.get(s) ?? 0,
      queries: members.reduce((n, id) => n + (nodes[id]?.queries ?? 0), 0),
      cpuUtilization: nodes[s]?.cpuUtilization ?? 0,
      rows: f.rowsAtLoad[s] ?? {},
    };
  }
  const moved = f.reshards.length > 0 ? { rowsMoved: f.rowsMoved, bytesMoved: f.bytesMoved } : {};
  // the map in force: a reshard's cutover replaces it (and the scenario a restart loads), not the loaded scenario's
  const strategy = (sim.restartScenario.sharding ?? map).strategy.kind;
  const twoPhase = map.transaction_mode === 'TWOPC' || f.twoPhase > 0 ? { twoPhaseCommits: f.twoPhase } : {};
  return { strategy, shards, scatterQueries: f.scatter, crossShardErrors: f.crossShard, unmergeableErrors: f.unmergeable, ...twoPhase, ...moved };
}
