/**
 * What a real client's COPY costs in the model (serve/: `COPY ... FROM STDIN`, `COPY ... TO STDOUT`).
 *
 * - COPY FROM STDIN is not profiled on the engine: the same statement text carries other data each time,
 *   so its cost comes from that data. Per row: parsing the line and inserting the tuple (COPY batches rows
 *   into heap_multi_insert, so the WAL is a multi-insert record per heap page filled) and, taken as the
 *   common case, a primary key's index entry (a WAL record each). Per byte: reading and converting the input.
 * - COPY TO STDOUT costs what its query costs: `COPY t (a, b) TO STDOUT` is a scan of t, `COPY (SELECT ...)
 *   TO STDOUT` is that SELECT. `copyProfileSql` gives that query, which is profiled as any read.
 */
import { parseSql } from '../../sql/parser.ts';
import { COST, PAGE_BYTES, type StatementProfile } from './costModel.ts';

/** Parsing one line of COPY input and forming and inserting its tuple (PostgreSQL loads a few 100k narrow rows a second a core). */
export const COPY_ROW_US = 2;
/** Reading and converting one byte of COPY input (~100 MB/s a core). */
export const COPY_BYTE_US = 0.01;

interface CopyStmt {
  relation?: { relname?: string };
  attlist?: unknown[];
  query?: unknown;
  is_from?: boolean;
}

function copyStmt(sql: string): CopyStmt | undefined {
  try {
    return (parseSql(sql).stmts?.[0]?.stmt as { CopyStmt?: CopyStmt } | undefined)?.CopyStmt;
  } catch {
    return undefined;
  }
}

/** The profile of a `COPY ... FROM STDIN` of `data`: rows are its lines (in binary format, its 0x0a bytes: a rough count). */
export function copyInProfile(sql: string, data: Uint8Array, at: number): StatementProfile {
  let rows = 0;
  for (const b of data) if (b === 0x0a) rows++;
  const pages = Math.ceil(data.length / PAGE_BYTES);
  const walRecords = pages + rows;
  const relation = copyStmt(sql)?.relation?.relname;
  return {
    cpuUs: COST.statementUs + rows * COPY_ROW_US + data.length * COPY_BYTE_US + pages * COST.bufferUs + walRecords * COST.walRecordUs,
    randomPages: pages,
    sequentialPages: 0,
    tempPages: 0,
    accesses: relation && pages > 0 ? [{ relation, placement: 'tail', pages, sequential: false }] : [],
    walRecords,
    sleepSeconds: 0,
    rows,
    rowsOut: rows,
    at,
  };
}

/** The query a `COPY ... TO` runs (to profile it as a read); the statement itself for anything else. */
export function copyProfileSql(sql: string): string {
  const copy = /^\s*copy\b/i.test(sql) ? copyStmt(sql) : undefined;
  if (!copy || copy.is_from) return sql;
  if (copy.query) return parenthesized(sql) ?? sql;
  const table = /^\s*copy\s+((?:"[^"]*"|[^\s(])+)\s*(?:\(([^)]*)\))?/i.exec(sql);
  return table ? `SELECT ${table[2]?.trim() || '*'} FROM ${table[1]}` : sql;
}

/** The text inside the statement's first parentheses (quoted strings and names skipped). */
function parenthesized(sql: string): string | undefined {
  const open = sql.indexOf('(');
  let depth = 0;
  for (let i = open; i >= 0 && i < sql.length; i++) {
    const c = sql[i];
    if (c === "'" || c === '"') i = sql.indexOf(c, i + 1);
    else if (c === '(') depth++;
    else if (c === ')' && --depth === 0) return sql.slice(open + 1, i);
    if (i < 0) return undefined;
  }
  return undefined;
}
