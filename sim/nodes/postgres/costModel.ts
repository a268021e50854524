/**
 * The cost model: what the engine really did for a statement (its EXPLAIN ANALYZE: rows through each
 * plan node, buffers touched, temp blocks, WAL, sort spills) plus the node's hardware and memory settings
 * give the statement's virtual service time. Wall time is never used. See sim/README.md for the
 * constants and where they come from.
 */
import type { Rng } from '../../core/rng.ts';
import type { EngineError } from '../../engine/protocol.ts';
import { memoryBytes, timeUs } from '../../scenario/settings.ts';
import type { Access, Hits } from './bufferCache.ts';
import type { PostgresSettings } from './settings.ts';

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
  /** The buffers by relation and where in it (bufferCache.ts); pages of no relation (the catalog) are always hits. */
  accesses: Access[];
  walRecords: number;
  /** pg_sleep seconds asked for; `paramIndex` when the argument was a parameter of the statement. */
  sleepSeconds: number;
  rows: number;
  /** Rows the statement returned or changed (pg_stat_statements' rows). */
  rowsOut: number;
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
  'Relation Name'?: string;
  'Index Name'?: string;
  Operation?: string;
  'Heap Fetches'?: number;
  /** WAL records the node and its children wrote (EXPLAIN's WAL option reports it per node, never at the top). */
  'WAL Records'?: number;
  Plans?: PlanNode[];
}

interface ExplainJson {
  Plan?: PlanNode;
}

const SEQUENTIAL_NODES = new Set(['Seq Scan', 'Bitmap Heap Scan', 'Tid Range Scan']);

/** Nodes whose output does not grow with the table they read (a LIMIT's rows, an aggregate's groups). */
const ROWS_KEPT = new Set(['Limit', 'Aggregate']);

/**
 * Turns one statement's EXPLAIN (ANALYZE, BUFFERS, WAL, FORMAT JSON) into a profile. With a data-set
 * `scale`, sequential scans read `scale` times the pages and rows, and what they feed (sorts, joins,
 * spills) grows with them; index lookups stay as they are (a B-tree a hundred times larger is one level deeper at most).
 */
export function profileFromPlan(plan: unknown, sleepSeconds: number, at: number, error?: EngineError, scale = 1): StatementProfile {
  const p: StatementProfile = {
    cpuUs: COST.statementUs,
    randomPages: 0,
    sequentialPages: 0,
    tempPages: 0,
    accesses: [],
    walRecords: 0,
    sleepSeconds,
    rows: 0,
    rowsOut: 0,
    error,
    at,
  };
  const top = (Array.isArray(plan) ? plan[0] : plan) as ExplainJson | undefined;
  if (!top?.Plan) return p;
  const walk = (n: PlanNode): { blocks: number; scanned: boolean } => {
    const type = n['Node Type'] ?? '';
    let children = 0;
    let scanned = type === 'Seq Scan';
    for (const c of n.Plans ?? []) {
      const r = walk(c);
      children += r.blocks;
      scanned ||= r.scanned;
    }
    // a scan's rows, and the rows of every node above it but a LIMIT's or an aggregate's, grow with the data set
    const rows = (n['Actual Rows'] ?? 0) * (n['Actual Loops'] ?? 1) * (scanned && !ROWS_KEPT.has(type) ? scale : 1);
    p.rows += rows;
    p.cpuUs += rows * COST.rowUs;
    const total = (n['Shared Hit Blocks'] ?? 0) + (n['Shared Read Blocks'] ?? 0);
    const own = Math.max(0, total - children) * (type === 'Seq Scan' ? scale : 1);
    const sequential = SEQUENTIAL_NODES.has(type);
    if (sequential) p.sequentialPages += own;
    else p.randomPages += own;
    p.accesses.push(...nodeAccesses(n, own, rows, sequential));
    if (type === 'Sort' && rows > 1) p.cpuUs += rows * Math.log2(rows) * COST.sortCompareUs;
    if (scanned && n === top.Plan) p.tempPages *= scale;
    return { blocks: total, scanned };
  };
  p.tempPages = (top.Plan['Temp Read Blocks'] ?? 0) + (top.Plan['Temp Written Blocks'] ?? 0);
  walk(top.Plan);
  const out = top.Plan['Node Type'] === 'ModifyTable' ? top.Plan.Plans?.[0] : top.Plan;
  p.rowsOut = out?.['Actual Rows'] ?? 0;
  p.walRecords = top.Plan['WAL Records'] ?? 0;
  p.cpuUs += (p.randomPages + p.sequentialPages) * COST.bufferUs + p.walRecords * COST.walRecordUs;
  return p;
}

/**
 * Where one plan node's own buffers go (bufferCache.ts): an index scan's leaf page per loop is found by the
 * key and the rest of its index pages are the B-tree's upper levels; its heap pages (one per row fetched)
 * are found by the key; an insert goes to the heap's insertion point; a scan reads the whole relation.
 */
function nodeAccesses(n: PlanNode, own: number, rows: number, sequential: boolean): Access[] {
  if (own <= 0) return [];
  const type = n['Node Type'] ?? '';
  const relation = n['Relation Name'];
  const index = n['Index Name'];
  const out: Access[] = [];
  const add = (rel: string | undefined, placement: Access['placement'], pages: number, seq = false) => {
    if (rel && pages > 0) out.push({ relation: rel, placement, pages, sequential: seq });
  };
  if (index) {
    const loops = n['Actual Loops'] ?? 1;
    const heap = type === 'Index Only Scan' ? Math.min(own, n['Heap Fetches'] ?? 0) : Math.min(rows, Math.max(0, own - loops));
    const leaves = Math.min(own - heap, loops);
    add(relation, 'key', heap);
    add(index, 'key', leaves);
    add(index, 'upper', own - heap - leaves);
  } else if (type === 'ModifyTable') add(relation, n.Operation === 'Insert' ? 'tail' : 'key', own);
  else add(relation, type === 'Seq Scan' ? 'scan' : 'key', own, sequential);
  return out;
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

/** A node's hardware from its settings, with its database's size. */
export function hardwareOf(s: PostgresSettings, databaseBytes: number): Hardware {
  return {
    cores: s.cores,
    ramBytes: memoryBytes(s.ram, 'MB'),
    sharedBuffersBytes: memoryBytes(s.shared_buffers, '8kB'),
    diskLatencyUs: timeUs(s.disk_latency),
    diskBytesPerUs: s.disk_throughput,
    databaseBytes,
  };
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

/** Buffers an execution found in shared_buffers (hit) and had to read (read), per relation: pg_statio's figures. */
export interface Blocks {
  hit: number;
  read: number;
  byRelation: { relation: string; hit: number; read: number }[];
}

/**
 * The service of one execution, with `hits` saying where each access's pages are (bufferCache.ts): misses
 * are drawn from `rng`, so they vary as they would. Pages of no relation (the catalog) are hits.
 */
export function serviceTime(p: StatementProfile, h: Hardware, hits: (a: Access) => Hits, rng: Rng, commitFlush: boolean): Service & { blocks: Blocks } {
  let cpuUs = p.cpuUs;
  let randomDisk = 0;
  let seqDisk = 0;
  let read = 0;
  const byRelation: Blocks['byRelation'] = [];
  for (const a of p.accesses) {
    const f = hits(a);
    const miss = 1 - f.sharedBuffers;
    const diskGivenMiss = miss > 0 ? Math.min(1, (1 - f.anyCache) / miss) : 0;
    const pages = Math.round(a.pages);
    let misses: number;
    if (a.sequential) {
      misses = Math.round(pages * miss);
      seqDisk += Math.round(misses * diskGivenMiss);
    } else {
      misses = rng.binomial(pages, miss);
      randomDisk += rng.binomial(misses, diskGivenMiss);
    }
    cpuUs += misses * COST.osCacheReadUs;
    read += misses;
    byRelation.push({ relation: a.relation, hit: pages - misses, read: misses });
  }
  const ioUs =
    randomDisk * h.diskLatencyUs +
    ((seqDisk + p.tempPages) * PAGE_BYTES) / h.diskBytesPerUs +
    (commitFlush ? h.diskLatencyUs : 0);
  const touched = Math.round(p.randomPages + p.sequentialPages);
  return { cpuUs, ioUs, sleepUs: p.sleepSeconds * 1e6, blocks: { hit: Math.max(0, touched - read), read, byRelation } };
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
  accesses: [],
  walRecords: 0,
  sleepSeconds: 0,
  rows: 0,
  rowsOut: 0,
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
