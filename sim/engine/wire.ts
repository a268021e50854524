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

/**
 * The frontend messages of a round trip, written in place into one growing buffer: a message's length is
 * filled in when it ends. The server's reply is gathered in one too (`raw`).
 */
class Writer {
  private buf = new Uint8Array(1024);
  private view = new DataView(this.buf.buffer);
  private at = 0;
  /** Where the current message's length goes. */
  private start = 0;

  /** Begins a message of type `type` (its body follows, then `end`). */
  begin(type: string): this {
    this.room(5);
    this.buf[this.at] = type.charCodeAt(0);
    this.start = this.at + 1;
    this.at += 5;
    return this;
  }

  /** Ends the current message: its length, the body's and its own. */
  end(): this {
    this.view.setInt32(this.start, this.at - this.start);
    return this;
  }

  i16(v: number): this {
    this.room(2);
    this.view.setInt16(this.at, v);
    this.at += 2;
    return this;
  }

  i32(v: number): this {
    this.room(4);
    this.view.setInt32(this.at, v);
    this.at += 4;
    return this;
  }

  /** A null-terminated string. */
  cstr(s: string): this {
    this.utf8(s);
    this.buf[this.at++] = 0;
    return this;
  }

  /** A parameter value: its length in bytes, then the bytes (-1 alone for NULL). */
  value(s: string | null): this {
    if (s === null) return this.i32(-1);
    const at = this.at;
    this.i32(0).utf8(s);
    this.view.setInt32(at, this.at - at - 4);
    return this;
  }

  raw(b: Uint8Array): this {
    this.room(b.length);
    this.buf.set(b, this.at);
    this.at += b.length;
    return this;
  }

  bytes(): Uint8Array {
    return this.buf.subarray(0, this.at);
  }

  /** `s` as UTF-8, with room for one more byte (a terminator); ASCII, the usual case, without the encoder. */
  private utf8(s: string): void {
    this.room(s.length * 3 + 1);
    const buf = this.buf;
    let at = this.at;
    for (let k = 0; k < s.length; k++) {
      const c = s.charCodeAt(k);
      if (c >= 0x80) {
        at = this.at + encoder.encodeInto(s, buf.subarray(this.at)).written;
        break;
      }
      buf[at++] = c;
    }
    this.at = at;
  }

  private room(n: number): void {
    if (this.at + n <= this.buf.length) return;
    const grown = new Uint8Array(Math.max(this.buf.length * 2, this.at + n));
    grown.set(this.buf.subarray(0, this.at));
    this.buf = grown;
    this.view = new DataView(grown.buffer);
  }
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
    const sent: { all: readonly EngineStatement[]; fresh: (string | undefined)[] | undefined; offset: number }[] = [];
    const parsing = new Set<string>();
    for (const run of runs) {
      const { all, offset } = run.transaction || run.clock !== undefined || run.role ? framed(run) : { all: run.statements, offset: 0 };
      if (sent.length > 0 && parsing.size > 0 && all.some((st) => parsing.has(st.sql))) break;
      // the names this run gives statements parsed now, by position (none: all were parsed before)
      let fresh: (string | undefined)[] | undefined;
      for (const [k, st] of all.entries()) {
        let name = run.unnamed ? '' : this.names.get(st.sql);
        if (name === undefined) {
          name = `sim_${this.next++}`;
          (fresh ??= [])[k] = name;
          parsing.add(st.sql);
        }
        if (fresh?.[k] || name === '') w.begin('P').cstr(name).cstr(st.sql).i16(0).end();
        const params = st.params ?? [];
        w.begin('B').cstr('').cstr(name).i16(0).i16(params.length);
        for (const p of params) w.value(textParam(p));
        w.i16(0).end();
        if ((run.maxRows ?? 0) > 0) w.begin('D').raw(PORTAL).end();
        w.begin('E').cstr('').i32(0).end();
        if (st.copy) {
          // COPY FROM STDIN reads its data right after its Execute (the server ignores a Sync before CopyDone)
          w.begin('d').raw(st.copy).end();
          w.begin('c').end();
        }
      }
      w.begin('S').end();
      sent.push({ all, fresh, offset });
    }
    const buf = await this.exchange(w.bytes());
    const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    const replies: RunReply[] = [];
    let at = 0;
    for (const [i, { all, fresh, offset }] of sent.entries()) {
      const { statements } = runs[i];
      const r = readReply(buf, view, at, runs[i].maxRows ?? 0);
      at = r.next;
      const failed = r.error ? r.results.length : all.length;
      // Statements parsed before the failure exist now; the failed one and those after it were skipped, and a
      // cached one that failed is parsed again next time (a schema change may have made its plan invalid).
      if (fresh) for (const [k, name] of fresh.entries()) if (name && k < failed) this.names.set(all[k].sql, name);
      if (failed < all.length) this.names.delete(all[failed].sql);
      const results = offset === 0 && r.results.length === statements.length ? r.results : r.results.slice(offset, offset + statements.length);
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
    // the chunks (views of the engine's memory, reused) copied as they come into one growing buffer
    const reply = new Writer();
    await this.db.runExclusive(() => this.db.execProtocolRawStream(message, { syncToFs: false, onRawData: (c) => reply.raw(c) }));
    return reply.bytes();
  }
}

/**
 * A run's statements with what frames them: BEGIN, the clock, the role; then COMMIT (or ROLLBACK) and the role
 * back. `offset`: where the run's own statements start.
 */
function framed(run: WireRun): { all: EngineStatement[]; offset: number } {
  const all: EngineStatement[] = [];
  if (run.transaction) all.push({ sql: run.begin ?? 'BEGIN' });
  if (run.clock !== undefined) all.push(run.clock);
  if (run.role) all.push({ sql: `SET SESSION AUTHORIZATION ${run.role.as}` });
  const offset = all.length;
  all.push(...run.statements);
  if (run.transaction) all.push({ sql: run.rollback ? 'ROLLBACK' : 'COMMIT' });
  if (run.role) all.push({ sql: `SET SESSION AUTHORIZATION ${run.role.back}` });
  return { all, offset };
}

/** Describe of the unnamed portal: its RowDescription gives the columns' names. */
const PORTAL = new Uint8Array([0x50, 0]);

function simpleQuery(sql: string): Uint8Array {
  return new Writer().begin('Q').cstr(sql).end().bytes();
}

/**
 * One run's reply, from `from` up to its ReadyForQuery (`view`: a view of `buf`): results of each completed statement (with up to
 * `maxRows` rows as text), the first error, the transaction status, and where the next run's reply starts.
 */
function readReply(buf: Uint8Array, view: DataView, from: number, maxRows: number): { results: StatementResult[]; error?: EngineError; status?: string; next: number } {
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
      // C: CommandComplete, "SELECT 3", "INSERT 0 1", "UPDATE 2": the command, and the last number its row count
      const end = body.length - 1;
      let space = body.indexOf(0x20);
      if (space < 0 || space > end) space = end;
      let digits = end;
      while (digits > 0 && body[digits - 1] >= 0x30 && body[digits - 1] <= 0x39) digits--;
      const counted = digits < end && (digits === 0 || body[digits - 1] === 0x20);
      const result: StatementResult = { command: ascii(body, 0, space), rowCount: counted ? Number(ascii(body, digits, end)) : count };
      if (maxRows > 0) result.tag = decoder.decode(body.subarray(0, end));
      if (maxRows > 0 && columns) Object.assign(result, { columns: columns.names, types: columns.types, rows }, count > maxRows ? { truncated: true } : {});
      if (copyOut) result.copyOut = copyOut;
      results.push(result);
      count = 0;
      columns = undefined;
      copyOut = undefined;
      if (maxRows > 0) rows = []; // the result has it
    } else if (type === 0x48) copyOut = { format: body[0], columns: view.getInt16(i + 6), data: [] }; // H: CopyOutResponse
    else if (type === 0x64) copyOut?.data.push(body.slice()); // d: CopyData (CopyInResponse G and CopyDone c say nothing more)
    else if (type === 0x49) results.push({ rowCount: 0 }); // I: EmptyQueryResponse
    else if (type === 0x45) error ??= readError(body);
    else if (type === 0x5a) status = String.fromCharCode(body[0]); // Z: ReadyForQuery
    i += 1 + len;
  }
  return { results, error, status, next: i };
}

/** Bytes `from` to `to` of `buf` as text, for what the server sends in ASCII (a command tag). */
function ascii(buf: Uint8Array, from: number, to: number): string {
  let s = '';
  for (let k = from; k < to; k++) s += String.fromCharCode(buf[k]);
  return s;
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
