/**
 * The cost model: what the engine really did for a statement (its EXPLAIN ANALYZE: rows through each
 * plan node, buffers touched, temp blocks, WAL, sort spills) plus the node's hardware and memory settings
 * give the statement's virtual service time. Wall time is never used. See sim/README.md for the
 * constants and where they come from.
 */
import type { Rng } from '../../core/rng.ts';
import type { EngineError } from '../../engine/protocol.ts';

/** CPU microseconds per unit of work, for one core of a current server CPU. */
export const COST = {
  /** Parse, bind, execute and protocol work of one simple statement (pgbench -S: ~25-40k TPS a core). */
  statementUs: 25,
  /** Every row that leaves a plan node (a scan's tuples, a join's output, an aggregate's input ...). */
  rowUs: 0.05,
  /** Every shared buffer pinned and examined. */
  bufferUs: 0.3,
  /** Copying a page from the OS page cache into shared_buffers (a read() that does not hit the disk). */
  osCacheReadUs: 5,
  /** One comparison of an in-memory sort (n log2 n of them). */
  sortCompareUs: 0.02,
  /** Writing one WAL record into the WAL buffers. */
  walRecordUs: 1.5,
  /** Starting a backend for a new connection (fork, catalog caches, authentication). */
  backendStartUs: 1500,
} as const;

export const PAGE_BYTES = 8192;

/** What one statement costs, from one profiled execution; settings are applied at each use. */
export interface StatementProfile {
  /** CPU that does not depend on the cache: statement, rows, buffers, sorts, WAL. */
  cpuUs: number;
  /** Buffer accesses by pattern: index and other random reads, and sequential scans. */
  randomPages: number;
  sequentialPages: number;
  /** Temp file blocks written and read (work_mem too small: sorts and hashes spill). */
  tempPages: number;
  walRecords: number;
  /** pg_sleep seconds asked for; `paramIndex` when the argument was a parameter of the statement. */
  sleepSeconds: number;
  rows: number;
  /** The statement failed when profiled: it costs one statement, and will fail again. */
  error?: EngineError;
  /** Virtual time of the profiling run. */
  at: number;
}

interface PlanNode {
  'Node Type'?: string;
  'Actual Rows'?: number;
  'Actual Loops'?: number;
  'Shared Hit Blocks'?: number;
  'Shared Read Blocks'?: number;
  'Temp Read Blocks'?: number;
  'Temp Written Blocks'?: number;
  'Sort Method'?: string;
  Plans?: PlanNode[];
}

interface ExplainJson {
  Plan?: PlanNode;
  'WAL Records'?: number;
}

const SEQUENTIAL_NODES = new Set(['Seq Scan', 'Bitmap Heap Scan', 'Tid Range Scan']);

/** Turns one statement's EXPLAIN (ANALYZE, BUFFERS, WAL, FORMAT JSON) into a profile. */
export function profileFromPlan(plan: unknown, sleepSeconds: number, at: number, error?: EngineError): StatementProfile {
  const p: StatementProfile = {
    cpuUs: COST.statementUs,
    randomPages: 0,
    sequentialPages: 0,
    tempPages: 0,
    walRecords: 0,
    sleepSeconds,
    rows: 0,
    error,
    at,
  };
  const top = (Array.isArray(plan) ? plan[0] : plan) as ExplainJson | undefined;
  if (!top?.Plan) return p;
  const walk = (n: PlanNode): number => {
    const rows = (n['Actual Rows'] ?? 0) * (n['Actual Loops'] ?? 1);
    p.rows += rows;
    p.cpuUs += rows * COST.rowUs;
    const total = (n['Shared Hit Blocks'] ?? 0) + (n['Shared Read Blocks'] ?? 0);
    let children = 0;
    for (const c of n.Plans ?? []) children += walk(c);
    const own = Math.max(0, total - children);
    if (SEQUENTIAL_NODES.has(n['Node Type'] ?? '')) p.sequentialPages += own;
    else p.randomPages += own;
    if (n['Node Type'] === 'Sort' && rows > 1) p.cpuUs += rows * Math.log2(rows) * COST.sortCompareUs;
    return total;
  };
  walk(top.Plan);
  p.tempPages = (top.Plan['Temp Read Blocks'] ?? 0) + (top.Plan['Temp Written Blocks'] ?? 0);
  p.walRecords = top['WAL Records'] ?? 0;
  p.cpuUs += (p.randomPages + p.sequentialPages) * COST.bufferUs + p.walRecords * COST.walRecordUs;
  return p;
}

export interface Hardware {
  cores: number;
  ramBytes: number;
  sharedBuffersBytes: number;
  diskLatencyUs: number;
  diskBytesPerUs: number;
  /** Size of the database's relations, bytes (real, from the engine). */
  databaseBytes: number;
}

/**
 * Where a page is found, as fractions: in shared_buffers; else in the OS page cache (the RAM that
 * shared_buffers and a 512 MB base leave free); else on disk. Assumes accesses spread over the database
 * uniformly, which is pessimistic for skewed (zipf) workloads.
 */
export function cacheFractions(h: Hardware): { sharedBuffers: number; osCache: number; disk: number } {
  const d = Math.max(1, h.databaseBytes);
  const sb = Math.min(1, h.sharedBuffersBytes / d);
  const osBytes = Math.max(0, h.ramBytes - h.sharedBuffersBytes - 512 * 1024 * 1024);
  const rest = Math.max(1, d - h.sharedBuffersBytes);
  const os = sb >= 1 ? 0 : (1 - sb) * Math.min(1, osBytes / rest);
  return { sharedBuffers: sb, osCache: os, disk: Math.max(0, 1 - sb - os) };
}

export interface Service {
  /** Microseconds on a core. */
  cpuUs: number;
  /** Microseconds waiting on the disk (no core held). */
  ioUs: number;
  /** Microseconds in pg_sleep (no core held). */
  sleepUs: number;
}

/** The service of one execution; cache misses are drawn from `rng`, so they vary as they would. */
export function serviceTime(p: StatementProfile, h: Hardware, rng: Rng, commitFlush: boolean): Service {
  const f = cacheFractions(h);
  const miss = 1 - f.sharedBuffers;
  const diskGivenMiss = miss > 0 ? f.disk / miss : 0;
  const randomMiss = rng.binomial(Math.round(p.randomPages), miss);
  const randomDisk = rng.binomial(randomMiss, diskGivenMiss);
  const seqMiss = Math.round(p.sequentialPages * miss);
  const seqDisk = Math.round(seqMiss * diskGivenMiss);
  const cpuUs = p.cpuUs + (randomMiss + seqMiss) * COST.osCacheReadUs;
  const ioUs =
    randomDisk * h.diskLatencyUs +
    ((seqDisk + p.tempPages) * PAGE_BYTES) / h.diskBytesPerUs +
    (commitFlush ? h.diskLatencyUs : 0);
  return { cpuUs, ioUs, sleepUs: p.sleepSeconds * 1e6 };
}

/** Replay CPU of a standby's startup process: a commit record (visibility, clog) and each WAL record (redo of a heap or index change). */
export const REPLAY_COST = { commitUs: 15, walRecordUs: 4 } as const;

/** How long replaying a record of `walRecords` WAL records takes: redo CPU, and the pages it touches that miss shared_buffers (drawn from `rng`). */
export function replayTime(walRecords: number, h: Hardware, rng: Rng): number {
  const f = cacheFractions(h);
  const misses = rng.binomial(walRecords, 1 - f.sharedBuffers);
  const disk = rng.binomial(misses, f.sharedBuffers >= 1 ? 0 : f.disk / (1 - f.sharedBuffers));
  return REPLAY_COST.commitUs + walRecords * REPLAY_COST.walRecordUs + (misses - disk) * COST.osCacheReadUs + disk * h.diskLatencyUs;
}

/** The profile of a statement with no plan: BEGIN, COMMIT, ROLLBACK, or one whose profiling failed with the engine. */
export const BARE_STATEMENT: StatementProfile = {
  cpuUs: COST.statementUs,
  randomPages: 0,
  sequentialPages: 0,
  tempPages: 0,
  walRecords: 0,
  sleepSeconds: 0,
  rows: 0,
  at: 0,
};

/** The $n that is pg_sleep's argument in a statement, if it is a bare parameter. */
export function sleepParam(sql: string): number | undefined {
  const m = /pg_sleep\s*\(\s*\$(\d+)\s*\)/i.exec(sql);
  return m ? Number(m[1]) : undefined;
}

/** A profile whose sleep is per unit of a parameter, applied to this execution's parameter. */
export function withSleep(p: StatementProfile, sql: string, params: readonly unknown[]): StatementProfile {
  const arg = sleepParam(sql);
  if (arg === undefined) return p;
  return { ...p, sleepSeconds: p.sleepSeconds * Math.max(0, Number(params[arg - 1]) || 0) };
}
