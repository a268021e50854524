/**
 * PostgreSQL's own parser, for every decision the simulator makes on SQL text (the console guard, where a
 * statement's shard key is). It is libpg-query 18: PostgreSQL 18's raw parser (gram.y, scan.l) and its
 * PL/pgSQL compiler built to WebAssembly, so a statement is read exactly as the server reads it, comments,
 * quoting, dollar quotes and all. The wasm is compiled once per thread at boot (`loadSqlParser`, async);
 * after it every call is synchronous.
 *
 * The package's own entry point instantiates its wasm when imported and finds the file next to its script,
 * which a browser bundle cannot do; this wrapper drives the same Emscripten module, told where the bundled
 * wasm is (sim/sql/web.ts) in a browser, or left to read it from node_modules in Node.
 */
import type { ParseResult } from 'libpg-query';
import createModule from 'libpg-query/wasm/libpg-query.js';

export type { Node, ParseResult, RawStmt } from 'libpg-query';

/** The Emscripten module's exports this wrapper uses (libpg_query's C API, wasm/wasm_wrapper.c). */
interface PgQueryWasm {
  _malloc(n: number): number;
  _free(p: number): void;
  lengthBytesUTF8(s: string): number;
  stringToUTF8(s: string, p: number, max: number): void;
  UTF8ToString(p: number): string;
  getValue(p: number, type: 'i32'): number;
  _wasm_parse_query_raw(p: number): number;
  _wasm_free_parse_result(p: number): void;
  _wasm_parse_plpgsql(p: number): number;
  _wasm_free_string(p: number): void;
  _wasm_scan(p: number): number;
}

/** A statement PostgreSQL's grammar rejects: its message and where (0-based character offset), as psql shows them. */
export class SqlSyntaxError extends Error {
  constructor(
    message: string,
    /** 0-based offset in the statement's text, as PostgreSQL's `position` (1-based) minus one. */
    readonly position: number,
  ) {
    super(message);
    this.name = 'SqlSyntaxError';
  }
}

let wasm: PgQueryWasm | undefined;
let loading: Promise<void> | undefined;

/**
 * Compiles the parser's wasm, once per thread (later calls return the first call's promise). In Node the
 * module reads its wasm from node_modules; a browser passes the URL its bundler gave the file.
 */
export function loadSqlParser(wasmUrl?: string): Promise<void> {
  loading ??= createModule(wasmUrl ? { locateFile: () => wasmUrl } : {}).then((m) => {
    wasm = m as PgQueryWasm;
  });
  return loading;
}

function loaded(): PgQueryWasm {
  if (!wasm) throw new Error('the SQL parser is not loaded: await loadSqlParser() once at boot');
  return wasm;
}

/** Calls `fn` with the statement's text as a NUL-terminated UTF-8 string in the module's memory. */
function withText<T>(m: PgQueryWasm, sql: string, fn: (ptr: number) => T): T {
  const size = m.lengthBytesUTF8(sql) + 1;
  const ptr = m._malloc(size);
  try {
    m.stringToUTF8(sql, ptr, size);
    return fn(ptr);
  } finally {
    m._free(ptr);
  }
}

/**
 * The raw parse tree of one or more statements (`stmts[i].stmt`, with `stmt_location`/`stmt_len` in UTF-8
 * bytes), as PostgreSQL's `raw_parser` returns it; throws `SqlSyntaxError` with the server's message.
 */
export function parseSql(sql: string): ParseResult {
  const m = loaded();
  return withText(m, sql, (ptr) => {
    const result = m._wasm_parse_query_raw(ptr);
    if (!result) throw new Error('the SQL parser ran out of memory');
    try {
      const error = m.getValue(result + 8, 'i32');
      if (error) {
        const message = m.UTF8ToString(m.getValue(error, 'i32'));
        const cursor = m.getValue(error + 16, 'i32'); // 1-based, in characters (scanner_errposition)
        throw new SqlSyntaxError(message, Math.max(0, cursor - 1));
      }
      return JSON.parse(m.UTF8ToString(m.getValue(result, 'i32'))) as ParseResult;
    } finally {
      m._wasm_free_parse_result(result);
    }
  });
}

/** A PL/pgSQL function as plpgsql_compile leaves it: `{ PLpgSQL_function: { action: { PLpgSQL_stmt_block ... } } }`. */
export type PlpgsqlFunction = Record<string, unknown>;

/**
 * The PL/pgSQL functions of `CREATE FUNCTION ... LANGUAGE plpgsql` or `DO` statements, compiled as the
 * server compiles them before running them (every embedded SQL expression's text is in its `query`);
 * throws `SqlSyntaxError` (position 0) with the compiler's message.
 */
export function parsePlpgsql(sql: string): PlpgsqlFunction[] {
  const m = loaded();
  return withText(m, sql, (ptr) => {
    const result = m._wasm_parse_plpgsql(ptr);
    try {
      const text = m.UTF8ToString(result);
      if (!text.startsWith('{')) throw new SqlSyntaxError(text, 0);
      return (JSON.parse(text) as { plpgsql_funcs?: PlpgsqlFunction[] }).plpgsql_funcs ?? [];
    } finally {
      if (result) m._wasm_free_string(result);
    }
  });
}

/** One token of PostgreSQL's scanner: its UTF-8 byte range and kind (`ASCII_40` is `(`, `SCONST` a string...). */
export interface SqlToken {
  start: number;
  end: number;
  tokenName: string;
}

/** The statement's tokens as PostgreSQL's scanner reads them (comments are not tokens). */
export function scanSql(sql: string): SqlToken[] {
  const m = loaded();
  return withText(m, sql, (ptr) => {
    const result = m._wasm_scan(ptr);
    try {
      const text = m.UTF8ToString(result);
      if (!text.startsWith('{')) throw new SqlSyntaxError(text, 0);
      return (JSON.parse(text) as { tokens?: SqlToken[] }).tokens ?? [];
    } finally {
      if (result) m._wasm_free_string(result);
    }
  });
}

const utf8 = new TextEncoder();

/** The text of one statement of `sql` (its RawStmt's `stmt_location` and `stmt_len` count UTF-8 bytes; 0: to the end). */
export function statementText(sql: string, raw: { stmt_location?: number; stmt_len?: number }): string {
  const bytes = utf8.encode(sql);
  const start = raw.stmt_location ?? 0;
  return new TextDecoder().decode(bytes.subarray(start, raw.stmt_len ? start + raw.stmt_len : bytes.length));
}
