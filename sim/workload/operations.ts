/** Operations ready to run: statements with their own parameter lists, and parameter generators. */
import type { Rng } from '../core/rng.ts';
import { leavesSessionAlone } from '../monitoring/consoleGuard.ts';
import { timeUs } from '../scenario/settings.ts';
import type { OperationSpec, ParamSpec } from './schema.ts';

export interface PreparedStatement {
  sql: string;
  /** For each $k of this statement (renumbered from 1), the index of the operation's parameter. */
  paramIndexes: number[];
  /** A real client's `COPY ... FROM STDIN`: the data it sent (the engine gets it as CopyData; a standby replays it). */
  copy?: Uint8Array;
}

/**
 * How the keys an operation touches are spread: its first zipf or integer-uniform parameter (the key it
 * looks up), uniform when it has none. The buffer cache model maps keys onto pages with it.
 */
export type Skew = { kind: 'uniform' } | { kind: 'zipf'; s: number; n: number };

export interface PreparedOperation {
  name: string;
  weight: number;
  statements: PreparedStatement[];
  /** More than one statement: BEGIN ... COMMIT around them, each a round trip. */
  transaction: boolean;
  readOnly: boolean;
  /** Any statement writes (so the commit waits for the WAL flush). */
  writes: boolean;
  skew?: Skew;
  /** A cached read: its key template (`user:{$1}`), TTL and value size. */
  cache?: { key: string; ttlMs: number; valueBytes: number };
  /** A write: the key templates it invalidates. */
  invalidates?: string[];
  /**
   * A real client's statement (serve/): its first `maxRows` rows come back with the reply (`Reply.result`);
   * it runs as the console's role, and in the client's block (`transaction`) as TxBlock.ts says.
   */
  maxRows?: number;
  /**
   * A shard's part of a two-phase commit (sim/nodes/proxy/twoPhaseCommit.ts): the node runs it and rolls it
   * back (its errors and costs are the part's); the coordinator commits it with PREPARE TRANSACTION.
   */
  twoPhase?: true;
  /** A scripted client's transaction kept open this long after its last statement, before COMMIT (microseconds). */
  holdUs?: number;
  /** A real client's statement that leaves its session alone (consoleGuard.ts `leavesSessionAlone`): cheaper on the engine. */
  neutral?: boolean;
  /** A real client's statement in a block that began with modes: that BEGIN (`BEGIN ISOLATION LEVEL SERIALIZABLE`). */
  begin?: string;
}

/** A key template with the request's parameters: `user:{$1}` with params [42] is `user:42`. */
export function cacheKey(template: string, params: readonly unknown[]): string {
  return template.replace(/\{\$(\d+)\}/g, (_, d: string) => String(params[Number(d) - 1]));
}

const READ = /^\s*\(?\s*(select|values|table|show|explain)\b/i;
/** COPY ... TO STDOUT reads (its query is a SELECT: a data-modifying one cannot be COPY's). */
const COPY_OUT = /^\s*copy\b[\s\S]*\bto\s+stdout\b/i;

export function isReadOnlySql(sql: string): boolean {
  if (COPY_OUT.test(sql)) return true;
  if (/^\s*with\b/i.test(sql)) return !/\b(insert|update|delete|merge)\b/i.test(sql);
  return READ.test(sql) && !/\bfor\s+(update|no\s+key\s+update|share|key\s+share)\b/i.test(sql) && !/\bnextval\s*\(/i.test(sql);
}

/** Rewrites `$k` placeholders to a dense `$1..$m` per statement (PostgreSQL wants every $n typed). */
function prepareStatement(sql: string): PreparedStatement {
  const order: number[] = [];
  const text = sql.replace(/\$(\d+)/g, (_, d: string) => {
    const k = Number(d) - 1;
    let j = order.indexOf(k);
    if (j < 0) j = order.push(k) - 1;
    return `$${j + 1}`;
  });
  return { sql: text, paramIndexes: order };
}

/** An operation's statements with their own parameters (each statement's $1..$m), ready for the engine. */
export function boundStatements(op: PreparedOperation, params: readonly unknown[]): { sql: string; params: unknown[]; copy?: Uint8Array }[] {
  return op.statements.map((st) => ({ sql: st.sql, params: st.paramIndexes.map((k) => params[k]), ...(st.copy ? { copy: st.copy } : {}) }));
}

/**
 * One statement a client outside the workload sends (a real client over the wire, serve/): its own
 * operation, whose rows come back with the reply. Inside the client's transaction block (`block`, with its
 * BEGIN when that has modes) it is marked a transaction, so the pooler and pg_stat_activity see the block;
 * the node runs it as a statement of that block (sim/nodes/postgres/TxBlock.ts: its one engine session is
 * shared by every client). `copy`: the data of a `COPY ... FROM STDIN`.
 */
export function clientOperation(name: string, sql: string, block: { begin?: string } | undefined, maxRows: number, copy?: Uint8Array): PreparedOperation {
  const readOnly = isReadOnlySql(sql);
  const statement = { ...prepareStatement(sql), ...(copy ? { copy } : {}) };
  const op: PreparedOperation = { name, weight: 0, statements: [statement], transaction: !!block, readOnly, writes: !readOnly, maxRows, neutral: leavesSessionAlone(sql) };
  if (block?.begin) op.begin = block.begin;
  return op;
}

export function prepareOperation(spec: OperationSpec): PreparedOperation {
  const sqls = Array.isArray(spec.sql) ? spec.sql : [spec.sql];
  const readOnly = spec.read_only ?? sqls.every(isReadOnlySql);
  return {
    name: spec.name,
    weight: spec.weight,
    statements: sqls.map(prepareStatement),
    transaction: sqls.length > 1,
    readOnly,
    writes: !sqls.every(isReadOnlySql),
    skew: keySkew(spec.params),
    ...(spec.cache ? { cache: { key: spec.cache.key, ttlMs: timeUs(spec.cache.ttl, 's') / 1000, valueBytes: spec.cache.value_bytes } } : {}),
    ...(spec.invalidates ? { invalidates: spec.invalidates } : {}),
  };
}

function keySkew(params: readonly ParamSpec[]): Skew {
  const key = params.find((p) => p.dist === 'zipf' || (p.dist === 'uniform' && p.integer));
  return key?.dist === 'zipf' && key.s > 0 ? { kind: 'zipf', s: key.s, n: key.max - key.min + 1 } : { kind: 'uniform' };
}

/** The highest $n used in an operation's SQL (for validation against its params). */
export function maxPlaceholder(spec: OperationSpec): number {
  const sqls = Array.isArray(spec.sql) ? spec.sql : [spec.sql];
  let max = 0;
  for (const s of sqls) for (const m of s.matchAll(/\$(\d+)/g)) max = Math.max(max, Number(m[1]));
  return max;
}

export type ParamGenerator = (rng: Rng) => unknown;

export function paramGenerator(p: ParamSpec): ParamGenerator {
  switch (p.dist) {
    case 'uniform':
      return p.integer ? (rng) => rng.int(p.min, p.max) : (rng) => Math.round((p.min + rng.next() * (p.max - p.min)) * 100) / 100;
    case 'zipf': {
      const n = p.max - p.min + 1;
      const s = p.s;
      // Inverse CDF of the continuous zipf on [1, n+1): rank 1 (the key `min`) is the hottest.
      if (Math.abs(s - 1) < 1e-9) return (rng) => p.min + Math.min(n - 1, Math.floor((n + 1) ** rng.next()) - 1);
      const a = (n + 1) ** (1 - s) - 1;
      return (rng) => p.min + Math.min(n - 1, Math.floor((rng.next() * a + 1) ** (1 / (1 - s))) - 1);
    }
    case 'sequential': {
      let next = p.start;
      return () => {
        const v = next;
        next += p.step;
        return v;
      };
    }
    case 'list':
      return (rng) => p.values[rng.int(0, p.values.length - 1)];
  }
}
