/**
 * The PostgreSQL wire protocol for the workload's single statements: what a driver with named prepared
 * statements sends (Parse once per statement text, then Bind, Execute, Sync), read back without turning
 * rows into objects. Much cheaper per statement than PGlite's query(), and as real: the same server
 * code runs, with plan caching as for any prepared statement.
 */
import type { PGlite } from '@electric-sql/pglite';
import type { EngineError, EngineStatement, RunReply, StatementResult } from './protocol.ts';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

class Writer {
  private parts: Uint8Array[] = [];
  private size = 0;

  message(type: string, body: (number | string | Uint8Array | null)[][]): void {
    const fields: Uint8Array[] = [];
    let len = 4;
    for (const [kind, value] of body as [string, number | string | Uint8Array | null][]) {
      let bytes: Uint8Array;
      if (kind === 'i16') {
        bytes = new Uint8Array(2);
        new DataView(bytes.buffer).setInt16(0, value as number);
      } else if (kind === 'i32') {
        bytes = new Uint8Array(4);
        new DataView(bytes.buffer).setInt32(0, value as number);
      } else if (kind === 'cstr') {
        const s = encoder.encode(value as string);
        bytes = new Uint8Array(s.length + 1);
        bytes.set(s);
      } else {
        bytes = value as Uint8Array;
      }
      fields.push(bytes);
      len += bytes.length;
    }
    const head = new Uint8Array(5);
    head[0] = type.charCodeAt(0);
    new DataView(head.buffer).setInt32(1, len);
    this.parts.push(head, ...fields);
    this.size += 1 + len;
  }

  bytes(): Uint8Array {
    return concat(this.parts, this.size);
  }
}

/** The parts one after the other, in one array of `size` bytes. */
function concat(parts: readonly Uint8Array[], size = parts.reduce((n, p) => n + p.length, 0)): Uint8Array {
  const out = new Uint8Array(size);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** A parameter as PostgreSQL's text format. */
function textParam(v: unknown): string | null {
  if (v === null || v === undefined) return null;
  if (typeof v === 'boolean') return v ? 't' : 'f';
  if (v instanceof Date) return v.toISOString();
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

/** One `WireSession.run`. */
export interface WireRun {
  statements: readonly EngineStatement[];
  transaction: boolean;
  maxRows?: number;
  clock?: EngineStatement;
  unnamed?: boolean;
  rollback?: boolean;
  /** The transaction's BEGIN with its modes (`BEGIN READ ONLY`). */
  begin?: string;
  /**
   * The statements run as `as` (after the clock), and `back` (the session's own) after them: when one fails,
   * the transaction that set the role is rolled back, and the role with it.
   */
  role?: { as: string; back: string };
}

export class WireSession {
  private names = new Map<string, string>();
  private next = 1;

  constructor(private readonly db: PGlite) {}

  /** Forgets named statements deallocated behind its back (by the console): they are parsed again when next used. */
  forget(names: ReadonlySet<string>): void {
    for (const [sql, name] of this.names) if (names.has(name)) this.names.delete(sql);
  }

  /**
   * Runs statements in one round trip; with `transaction`, between BEGIN and COMMIT (and ROLLBACK when
   * one fails: the server skips the rest until Sync). Row counts come back, and with `maxRows` the first
   * rows of each statement as PostgreSQL's text (what a driver gets before it converts types). `clock`: the
   * statement that sets now() for them. Options: `rollback`, ROLLBACK instead of COMMIT; `unnamed`, as
   * unnamed statements, none kept (a session of its own: consoleSession.ts deallocates what it made);
   * `begin` and `role` as `WireRun`'s.
   */
  async run(
    statements: readonly EngineStatement[],
    transaction: boolean,
    maxRows = 0,
    clock?: EngineStatement,
    options: Pick<WireRun, 'unnamed' | 'rollback' | 'begin' | 'role'> = {},
  ): Promise<RunReply> {
    return (await this.runMany([{ statements, transaction, maxRows, clock, ...options }]))[0];
  }

  /**
   * Several runs, each as `run` would (its own Sync), in as few round trips as it can: a round trip costs
   * more than a primary-key select. The engine sees exactly what the runs one by one would send, in the same
   * order, so its state and the replies are the same. Two cases end a round trip early: a run using a
   * statement that an earlier run of the round trip parses (its name exists only if that run got that far),
   * and a failed explicit transaction (the runs after it were refused: they are sent again after its ROLLBACK).
   */
  async runMany(runs: readonly WireRun[]): Promise<RunReply[]> {
    const w = new Writer();
    const sent: { all: EngineStatement[]; fresh: (string | undefined)[]; offset: number }[] = [];
    const parsing = new Set<string>();
    for (const run of runs) {
      const head: EngineStatement[] = run.transaction ? [{ sql: run.begin ?? 'BEGIN' }] : [];
      if (run.clock !== undefined) head.push(run.clock);
      if (run.role) head.push({ sql: `SET SESSION AUTHORIZATION ${run.role.as}` });
      const tail: EngineStatement[] = run.transaction ? [{ sql: run.rollback ? 'ROLLBACK' : 'COMMIT' }] : [];
      if (run.role) tail.push({ sql: `SET SESSION AUTHORIZATION ${run.role.back}` });
      const all = [...head, ...run.statements, ...tail];
      if (sent.length > 0 && all.some((st) => parsing.has(st.sql))) break;
      const fresh: (string | undefined)[] = [];
      for (const st of all) {
        let name = run.unnamed ? '' : this.names.get(st.sql);
        fresh.push(name === undefined ? (name = `sim_${this.next++}`) : undefined);
        if (fresh[fresh.length - 1]) parsing.add(st.sql);
        if (fresh[fresh.length - 1] || name === '') w.message('P', [['cstr', name], ['cstr', st.sql], ['i16', 0]]);
        const params = st.params ?? [];
        const bind: [string, number | string | Uint8Array | null][] = [['cstr', ''], ['cstr', name], ['i16', 0], ['i16', params.length]];
        for (const p of params) {
          const t = textParam(p);
          if (t === null) bind.push(['i32', -1]);
          else {
            const b = encoder.encode(t);
            bind.push(['i32', b.length], ['raw', b]);
          }
        }
        bind.push(['i16', 0]);
        w.message('B', bind as never);
        if ((run.maxRows ?? 0) > 0) w.message('D', [['raw', PORTAL]]);
        w.message('E', [['cstr', ''], ['i32', 0]]);
        if (st.copy) {
          // COPY FROM STDIN reads its data right after its Execute (the server ignores a Sync before CopyDone)
          w.message('d', [['raw', st.copy]]);
          w.message('c', []);
        }
      }
      w.message('S', []);
      sent.push({ all, fresh, offset: head.length });
    }
    const buf = await this.exchange(w.bytes());
    const replies: RunReply[] = [];
    let at = 0;
    for (const [i, { all, fresh, offset }] of sent.entries()) {
      const { statements } = runs[i];
      const r = readReply(buf, at, runs[i].maxRows ?? 0);
      at = r.next;
      const failed = r.error ? r.results.length : all.length;
      // Statements parsed before the failure exist now; the failed one and those after it were skipped, and a
      // cached one that failed is parsed again next time (a schema change may have made its plan invalid).
      all.forEach((st, k) => {
        if (k < failed && fresh[k]) this.names.set(st.sql, fresh[k]!);
        if (k === failed) this.names.delete(st.sql);
      });
      const results = r.results.slice(offset, offset + statements.length);
      replies.push(r.error ? { results, failedAt: Math.min(statements.length - 1, Math.max(0, failed - offset)), error: r.error } : { results });
      if (r.error && r.status === 'E') {
        await this.exchange(simpleQuery('ROLLBACK'));
        return [...replies, ...(i + 1 < runs.length ? await this.runMany(runs.slice(i + 1)) : [])];
      }
    }
    return sent.length < runs.length ? [...replies, ...(await this.runMany(runs.slice(sent.length)))] : replies;
  }

  /**
   * Sends messages and returns the server's reply as bytes. The raw stream, not execProtocolRaw: that one
   * also parses every message into objects, which costs more than the statements here; and nothing to
   * sync, the files are in memory.
   */
  private async exchange(message: Uint8Array): Promise<Uint8Array> {
    const chunks: Uint8Array[] = [];
    await this.db.runExclusive(() => this.db.execProtocolRawStream(message, { syncToFs: false, onRawData: (c) => chunks.push(c.slice()) }));
    return chunks.length === 1 ? chunks[0] : concat(chunks);
  }
}

/** Describe of the unnamed portal: its RowDescription gives the columns' names. */
const PORTAL = new Uint8Array([0x50, 0]);

function simpleQuery(sql: string): Uint8Array {
  const w = new Writer();
  w.message('Q', [['cstr', sql]]);
  return w.bytes();
}

/**
 * One run's reply, from `from` up to its ReadyForQuery: results of each completed statement (with up to
 * `maxRows` rows as text), the first error, the transaction status, and where the next run's reply starts.
 */
function readReply(buf: Uint8Array, from: number, maxRows: number): { results: StatementResult[]; error?: EngineError; status?: string; next: number } {
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const results: StatementResult[] = [];
  let count = 0;
  let columns: { names: string[]; types: number[] } | undefined;
  let rows: (string | null)[][] = [];
  let copyOut: StatementResult['copyOut'];
  let error: EngineError | undefined;
  let status: string | undefined;
  let i = from;
  while (i + 5 <= buf.length && status === undefined) {
    const type = buf[i];
    const len = view.getInt32(i + 1);
    const body = buf.subarray(i + 5, i + 1 + len);
    if (type === 0x44) {
      // D: DataRow
      if (count++ < maxRows) rows.push(readRow(body));
    } else if (type === 0x54) columns = readColumns(body); // T: RowDescription
    else if (type === 0x43) {
      // C: CommandComplete, "SELECT 3", "INSERT 0 1", "UPDATE 2"
      const text = decoder.decode(body.subarray(0, body.length - 1));
      const tag = text.split(' ');
      const n = Number(tag[tag.length - 1]);
      const result: StatementResult = { command: tag[0], rowCount: Number.isFinite(n) ? n : count };
      if (maxRows > 0) result.tag = text;
      if (maxRows > 0 && columns) Object.assign(result, { columns: columns.names, types: columns.types, rows }, count > maxRows ? { truncated: true } : {});
      if (copyOut) result.copyOut = copyOut;
      results.push(result);
      [count, columns, rows, copyOut] = [0, undefined, [], undefined];
    } else if (type === 0x48) copyOut = { format: body[0], columns: view.getInt16(i + 6), data: [] }; // H: CopyOutResponse
    else if (type === 0x64) copyOut?.data.push(body.slice()); // d: CopyData (CopyInResponse G and CopyDone c say nothing more) else if (type === 0x49) results.push({ rowCount: 0 }); // I: EmptyQueryResponse
    else if (type === 0x45) error ??= readError(body);
    else if (type === 0x5a) status = String.fromCharCode(body[0]); // Z: ReadyForQuery
    i += 1 + len;
  }
  return { results, error, status, next: i };
}

/** A DataRow's values as text; NULL is null. */
function readRow(body: Uint8Array): (string | null)[] {
  const view = new DataView(body.buffer, body.byteOffset, body.byteLength);
  const row: (string | null)[] = [];
  for (let n = view.getInt16(0), at = 2; n > 0; n--) {
    const len = view.getInt32(at);
    at += 4;
    row.push(len < 0 ? null : decoder.decode(body.subarray(at, at + len)));
    at += Math.max(0, len);
  }
  return row;
}

/** A RowDescription's column names and type OIDs. */
function readColumns(body: Uint8Array): { names: string[]; types: number[] } {
  const view = new DataView(body.buffer, body.byteOffset, body.byteLength);
  const names: string[] = [];
  const types: number[] = [];
  for (let n = view.getInt16(0), at = 2; n > 0; n--) {
    const end = body.indexOf(0, at);
    names.push(decoder.decode(body.subarray(at, end)));
    types.push(view.getInt32(end + 1 + 6)); // after the table oid and the column number
    at = end + 1 + 18; // table oid, column number, type oid, size, modifier, format
  }
  return { names, types };
}

function readError(body: Uint8Array): EngineError {
  const f: Record<string, string> = {};
  for (let i = 0; i < body.length && body[i] !== 0; ) {
    const code = String.fromCharCode(body[i]);
    const end = body.indexOf(0, i + 1);
    f[code] = decoder.decode(body.subarray(i + 1, end));
    i = end + 1;
  }
  return { sqlstate: f.C, severity: f.V ?? f.S, message: f.M ?? 'unknown error', detail: f.D, hint: f.H, position: f.P };
}
