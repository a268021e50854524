/**
 * One real client's connection to a simulated node, over the PostgreSQL wire protocol. pg-gateway reads
 * the messages and does the startup (SSL refused, trust authentication); the login itself is the node's
 * (`Simulation.connectClient`: max_client_conn, max_connections, a node that is down), so a refused one
 * gets the node's FATAL with its SQLSTATE. Then each statement takes the sim's data path as a client of
 * that node and is answered when the model says it completes.
 *
 * - Simple query: each statement of the string in turn (split by PostgreSQL's own parser).
 * - Extended query: Parse and Bind are kept here; the portal runs at its Describe (its columns are known
 *   only by running it: the model gives no plan-time description) or its Execute, once. After an error,
 *   messages are skipped until Sync, as the server does. Text format only.
 * - A transaction block (BEGIN ... COMMIT) is the model's: the pooler keeps the server, pg_stat_activity
 *   shows `idle in transaction`, and the node runs it as a block that commits at COMMIT and of which no
 *   other session sees anything before (sim/nodes/postgres/TxBlock.ts), with its BEGIN's modes and its
 *   savepoints. After an error in a block the statements until ROLLBACK (or a ROLLBACK TO SAVEPOINT) fail
 *   with 25P02, as in PostgreSQL, and its COMMIT is a ROLLBACK. A SET TRANSACTION before the block's first
 *   statement joins its BEGIN's modes (the block's runs start with them; a later one is the engine's 25001).
 * - COPY FROM STDIN: CopyInResponse, then the client's CopyData until CopyDone, and the statement takes the
 *   data path with that data (a standby replays it with it); CopyFail is PostgreSQL's 57014. COPY TO STDOUT:
 *   the engine's CopyData go out between CopyOutResponse and CopyDone.
 * - Statements run as an ordinary role (the console's, sim_console), not the engine's superuser: what it may
 *   not do is PostgreSQL's own error (42501), and a statement that would hang the engine is cancelled first
 *   (57014), as in the console (sim/monitoring/consoleGuard.ts `clientRefusal`).
 * - The pooler's admin console (database `pgbouncer` on a pgbouncer node) runs `runSql`, the console's command.
 * - A CancelRequest (a connection of its own, before any startup) with a session's process id and secret key
 *   cancels the statement it runs (`OutsideClient.cancel`), as PostgreSQL does.
 *
 * Messages are queued and handled one at a time, in order, whatever pg-gateway's reads do meanwhile.
 */
import { randomInt } from 'node:crypto';
import type { Socket } from 'node:net';
import { type BackendError, PostgresConnection } from 'pg-gateway';
import {
  clientOperation,
  type ConsoleResult,
  type OutsideClient,
  parseSql,
  type Reply,
  type Runner,
  type SimError,
  SqlSyntaxError,
  type StatementCall,
  type StatementResult,
  statementText,
} from '../sim/index.ts';

/** Rows a statement returns to a real client at most (the rest are cut, as the console does). */
const MAX_ROWS = 100_000;
const TEXT_OID = 25;
const SERVER_VERSION = '18.0 (PG Scaling Lab)';
/** The CancelRequest's code in place of a protocol version (1234 5678). */
const CANCEL_REQUEST = 80877102;

export interface SessionTarget {
  runner: Runner;
  node: string;
  /** The node's admin console answers (a pgbouncer node's `pgbouncer` database). */
  admin: (database: string) => boolean;
  /** A process id for BackendKeyData and the client's name. */
  pid: number;
  /** A CancelRequest came for the session with this process id and secret key. */
  cancel: (pid: number, key: number) => void;
}

type Status = 'I' | 'T' | 'E';
interface Portal {
  sql: string;
  params: (string | null)[];
  ran?: Promise<Outcome>;
}
type Outcome = { result: StatementResult } | { error: BackendError; fatal: boolean };

export class WireSession extends PostgresConnection {
  private client: OutsideClient | undefined;
  private adminConsole = false;
  private status: Status = 'I';
  /** The open block's BEGIN as the client wrote it, when it has modes (READ ONLY, ISOLATION LEVEL): each run of the block starts with it. */
  private begin: string | undefined;
  private readonly statements = new Map<string, string>();
  private readonly portals = new Map<string, Portal>();
  /** Extended protocol: an error was sent, skip until Sync. */
  private skipping = false;
  /** A COPY FROM STDIN takes the client's CopyData: what came so far, and where the end (CopyDone, CopyFail) goes. */
  private copyIn: { chunks: Buffer[]; end: (r: { data: Buffer } | { error: BackendError }) => void } | undefined;
  /** Statements of the open block so far: a SET TRANSACTION before any is the block's BEGIN's modes. */
  private blockStatements = 0;
  private queue: Promise<void> = Promise.resolve();
  private reading: Promise<void> = Promise.resolve();
  private unread: Buffer = Buffer.alloc(0);
  private closed = false;
  /** BackendKeyData's secret key: a cancel request must give it (no other client can guess it). */
  private readonly key = randomInt(1, 2 ** 31 - 1);

  constructor(
    socket: Socket,
    private readonly target: SessionTarget,
  ) {
    super(socket, { authMode: 'none', serverVersion: SERVER_VERSION });
    socket.on('close', () => this.end());
  }

  /**
   * Cuts the byte stream into messages, one read after another. pg-gateway 0.2.4's own loop takes a second
   * message of the same read at a wrong offset (`subarray(start, length)`), so the pipelined messages of the
   * extended protocol would be lost: up to the login its handler gets each message, then the queue does.
   */
  override handleData(data: Buffer): Promise<void> {
    this.reading = this.reading.then(() => this.frame(data)).catch((e) => this.fail(e));
    return this.reading;
  }

  private async frame(data: Buffer): Promise<void> {
    this.unread = this.unread.length > 0 ? Buffer.concat([this.unread, data]) : data;
    for (;;) {
      const head = this.hasStarted ? 1 : 0;
      if (this.unread.length < head + 4) return;
      const length = head + this.unread.readUInt32BE(head);
      if (this.unread.length < length) return;
      const m = Buffer.from(this.unread.subarray(0, length));
      this.unread = this.unread.subarray(length);
      if (!this.hasStarted && length === 16 && m.readInt32BE(4) === CANCEL_REQUEST) {
        // a connection of its own that says which session to cancel, and is closed with no reply
        this.target.cancel(m.readInt32BE(8), m.readInt32BE(12));
        this.socket.end();
        return;
      }
      if (!this.isAuthenticated) await this.handleMessage(m);
      else if (this.copyIn) this.copyMessage(m, this.copyIn);
      else this.queue = this.queue.then(() => (this.closed ? undefined : this.handle(m))).catch((e) => this.fail(e));
    }
  }

  /** After the startup packet: the node's login, then what PostgreSQL sends a client that logged in. */
  override async completeAuthentication(): Promise<void> {
    const params = this.clientInfo!.parameters;
    const database = params.database ?? params.user;
    if (this.target.admin(database)) this.adminConsole = true;
    else {
      const r = await this.target.runner.sim.connectClient(this.target.node, {
        app: 'wire',
        instance: this.target.pid,
        applicationName: params.application_name ?? '',
      });
      if ('error' in r) {
        this.sendError(backendError(r.error));
        this.socket.end();
        return;
      }
      this.client = r.client;
      if (this.closed) r.client.close();
    }
    this.isAuthenticated = true;
    this.sendAuthenticationOk();
    const status: Record<string, string> = {
      server_version: SERVER_VERSION,
      server_encoding: 'UTF8',
      client_encoding: 'UTF8',
      DateStyle: 'ISO, MDY',
      TimeZone: 'UTC',
      integer_datetimes: 'on',
      standard_conforming_strings: 'on',
      application_name: params.application_name ?? '',
    };
    for (const [k, v] of Object.entries(status)) this.sendParameterStatus(k, v);
    this.writer.addInt32(this.target.pid).addInt32(this.key);
    this.sendData(this.writer.flush(0x4b)); // K: BackendKeyData
    this.sendReadyForQuery();
  }

  /** A CancelRequest for this session: its statement running on the node is cancelled (57014), if the key is its own. */
  cancel(key: number): void {
    if (key === this.key) this.client?.cancel();
  }

  private end(): void {
    if (this.closed) return;
    this.closed = true;
    // a COPY FROM STDIN waiting for its data: the connection ended, as PostgreSQL says (nobody reads it)
    this.copyIn?.end({ error: { severity: 'FATAL', code: '08P01', message: 'unexpected EOF on client connection with an open transaction' } });
    this.copyIn = undefined;
    this.client?.close();
  }

  private fail(e: unknown): void {
    this.sendError({ severity: 'FATAL', code: 'XX000', message: `internal error: ${(e as Error)?.message ?? e}` });
    this.socket.end();
    this.end();
  }

  private async handle(m: Buffer): Promise<void> {
    const type = String.fromCharCode(m[0]);
    const body = new Reader(m.subarray(5));
    if (type === 'X') {
      this.socket.end();
      return this.end();
    }
    if (type === 'Q') return this.simpleQuery(body.cstring());
    if (type === 'S') {
      this.skipping = false;
      return this.ready();
    }
    // CopyData, CopyDone and CopyFail out of a COPY are ignored, as the server does (a COPY that failed early)
    if (this.skipping || type === 'H' || type === 'd' || type === 'c' || type === 'f') return;
    switch (type) {
      case 'P': {
        const name = body.cstring();
        this.statements.set(name, body.cstring());
        return this.send(0x31); // ParseComplete
      }
      case 'B': {
        const portal = body.cstring();
        const sql = this.statements.get(body.cstring());
        if (sql === undefined) return this.extendedError({ severity: 'ERROR', code: '26000', message: 'prepared statement does not exist' });
        const formats = body.int16s();
        const params: (string | null)[] = [];
        for (let n = body.int16(); n > 0; n--) params.push(body.bytes());
        const resultFormats = body.int16s();
        if ([...formats, ...resultFormats].some((f) => f !== 0)) {
          return this.extendedError({ severity: 'ERROR', code: '0A000', message: 'binary format is not supported by the simulated server: use text format' });
        }
        this.portals.set(portal, { sql, params });
        return this.send(0x32); // BindComplete
      }
      case 'D': {
        const kind = body.byte();
        const name = body.cstring();
        if (kind === 'S') {
          const sql = this.statements.get(name);
          if (sql === undefined) return this.extendedError({ severity: 'ERROR', code: '26000', message: `prepared statement "${name}" does not exist` });
          // the parameters' types are the server's to infer; text stands for each (the client sends text)
          const n = Math.max(0, ...[...sql.matchAll(/\$(\d+)/g)].map((x) => Number(x[1])));
          this.writer.addInt16(n);
          for (let i = 0; i < n; i++) this.writer.addInt32(TEXT_OID);
          this.sendData(this.writer.flush(0x74)); // ParameterDescription
          return this.send(0x6e); // NoData: the columns are known once it runs
        }
        const p = this.portals.get(name);
        if (!p) return this.extendedError({ severity: 'ERROR', code: '34000', message: `portal "${name}" does not exist` });
        // a COPY returns no rows: its data goes as CopyData, from its Execute on
        if (copyOf(parsed(p.sql))) return this.send(0x6e); // NoData
        const out = await (p.ran ??= this.runOne(p.sql, p.params));
        if ('error' in out) return this.failed(out, true);
        return this.describe(out.result);
      }
      case 'E': {
        const p = this.portals.get(body.cstring());
        if (!p) return this.extendedError({ severity: 'ERROR', code: '34000', message: 'portal does not exist' });
        const out = await (p.ran ??= this.runOne(p.sql, p.params));
        if ('error' in out) return this.failed(out, true);
        return this.rows(out.result, false);
      }
      case 'C': {
        const kind = body.byte();
        const name = body.cstring();
        (kind === 'S' ? this.statements : this.portals).delete(name);
        return this.send(0x33); // CloseComplete
      }
      default:
        this.sendError({ severity: 'FATAL', code: '08P01', message: `invalid frontend message type ${m[0]}` });
        this.socket.end();
        this.end();
    }
  }

  private async simpleQuery(sql: string): Promise<void> {
    let texts: string[];
    try {
      texts = (parseSql(sql).stmts ?? []).map((s) => statementText(sql, s));
    } catch (e) {
      if (!(e instanceof SqlSyntaxError)) throw e;
      // the engine answers with the same syntax error (and its position)
      texts = [sql];
    }
    if (texts.length === 0) this.send(0x49); // EmptyQueryResponse
    for (const text of texts) {
      const out = await this.runOne(text, []);
      if ('error' in out) {
        this.failed(out, false);
        break;
      }
      this.rows(out.result, true);
    }
    if (!this.closed) this.ready();
  }

  /** One statement through the data path (or the admin console), with what the block's state makes of it. */
  private async runOne(sql: string, params: (string | null)[]): Promise<Outcome> {
    if (this.adminConsole) return this.admin(sql);
    const stmt = parsed(sql);
    const control = transactionControl(stmt);
    // after an error only the block's end, or a ROLLBACK TO a savepoint made before it, runs
    if (this.status === 'E' && control?.kind !== 'commit' && control?.kind !== 'rollback' && control?.kind !== 'rollbackTo') {
      return { error: { severity: 'ERROR', code: '25P02', message: 'current transaction is aborted, commands ignored until end of transaction block' }, fatal: false };
    }
    let call: StatementCall;
    let tag: string;
    if (control?.kind === 'begin' && this.status === 'I') {
      [call, tag] = [{ kind: 'begin' }, 'BEGIN'];
      this.begin = control.modes ? sql.trim().replace(/;\s*$/, '') : undefined;
      this.blockStatements = 0;
    } else if ((control?.kind === 'commit' || control?.kind === 'rollback') && this.status !== 'I') {
      // COMMIT of a failed block is a ROLLBACK, and says so
      const rollback = control.kind === 'rollback' || this.status === 'E';
      [call, tag] = [{ kind: rollback ? 'rollback' : 'commit' }, rollback ? 'ROLLBACK' : 'COMMIT'];
    } else if (control?.kind === 'begin' || control?.kind === 'commit' || control?.kind === 'rollback') {
      // BEGIN in a block, COMMIT outside one: PostgreSQL's warning is a notice; the command completes
      return { result: { rowCount: 0, tag: control.kind.toUpperCase() } };
    } else if (this.status === 'T' && this.blockStatements === 0 && isSetTransaction(stmt)) {
      // the block's first statement: its modes start every run of the block, as BEGIN's do (TxBlock.ts)
      this.begin = `${this.begin ?? 'BEGIN'} ${sql.trim().replace(/^set\s+transaction\s+/i, '').replace(/;\s*$/, '')}`;
      return { result: { rowCount: 0, tag: 'SET' } };
    } else {
      // COPY FROM STDIN: the client's data first, then the statement with it, through the data path
      const copy = copyOf(stmt);
      let data: Buffer | undefined;
      if (copy?.from) {
        const r = await this.copyData(copy);
        if ('error' in r) {
          if (this.status === 'T') this.status = 'E';
          return { error: r.error, fatal: false };
        }
        data = r.data;
      }
      if (this.status !== 'I') this.blockStatements++;
      // a savepoint's statements are the block's like any other (TxBlock.ts); ROLLBACK TO ends an error
      const op = clientOperation(`wire:${this.target.node}`, sql, this.status === 'I' ? undefined : { begin: this.begin }, MAX_ROWS, data);
      // (a ROLLBACK TO that fails leaves the block failed: `statement`)
      if (this.status === 'E') this.status = 'T';
      return this.statement(await this.client!.run({ kind: 'sql', op, index: 0, params }));
    }
    const reply = await this.client!.run(call);
    // a COMMIT that fails (the block failed when run again) ends the block all the same, rolled back
    if (reply.ok || call.kind !== 'begin') this.status = call.kind === 'begin' ? 'T' : 'I';
    const out = await this.statement(reply);
    return 'error' in out ? out : { result: { rowCount: 0, tag } };
  }

  /** A reply of the model: its error (now, or the engine's, later), or its rows. */
  private async statement(reply: Reply): Promise<Outcome> {
    let error: SimError | undefined = reply.ok ? undefined : reply.error;
    if (reply.ok) error = await reply.outcome;
    if (error) {
      if (this.status === 'T') this.status = 'E';
      return { error: backendError(error), fatal: error.severity !== 'ERROR' };
    }
    const result = reply.ok ? await reply.result : undefined;
    return { result: result ?? { rowCount: 0 } };
  }

  /**
   * CopyInResponse, then the client's CopyData until its CopyDone (the data) or CopyFail (PostgreSQL's 57014
   * `COPY from stdin failed`). The column count is the COPY's column list's (0 for a whole table: the model
   * does not know the table's columns before it runs; clients read only the format).
   */
  private copyData(copy: Copy): Promise<{ data: Buffer } | { error: BackendError }> {
    this.writer.add(Buffer.from([copy.binary ? 1 : 0])).addInt16(copy.columns);
    for (let i = 0; i < copy.columns; i++) this.writer.addInt16(copy.binary ? 1 : 0);
    return new Promise((end) => {
      this.copyIn = { chunks: [], end };
      this.sendData(this.writer.flush(0x47)); // G: CopyInResponse
    });
  }

  /** A message during COPY FROM STDIN (it does not wait in the queue: the COPY that waits for it is there). */
  private copyMessage(m: Buffer, copy: NonNullable<WireSession['copyIn']>): void {
    const type = String.fromCharCode(m[0]);
    if (type === 'd') copy.chunks.push(m.subarray(5));
    // Flush and Sync are ignored during COPY, as the server does
    if (type === 'd' || type === 'H' || type === 'S') return;
    this.copyIn = undefined;
    if (type === 'c') copy.end({ data: Buffer.concat(copy.chunks) });
    else if (type === 'f') copy.end({ error: { severity: 'ERROR', code: '57014', message: `COPY from stdin failed: ${new Reader(m.subarray(5)).cstring()}` } });
    else copy.end({ error: { severity: 'ERROR', code: '08P01', message: `unexpected message type 0x${m[0].toString(16).toUpperCase()} during COPY from stdin` } });
  }

  private async admin(sql: string): Promise<Outcome> {
    let r: ConsoleResult;
    try {
      r = await this.target.runner.apply({ do: 'runSql', node: this.target.node, sql });
    } catch (e) {
      return { error: { severity: 'ERROR', code: '08P01', message: (e as Error).message }, fatal: false };
    }
    if (r.error) return { error: backendError(r.error), fatal: false };
    const rows = r.rows.map((row) => row.map((v) => (v === null || v === undefined ? null : typeof v === 'object' ? JSON.stringify(v) : String(v))));
    return { result: { rowCount: r.rowCount, command: r.command, tag: r.command ?? 'SHOW', columns: r.columns, ...(r.types ? { types: r.types } : {}), rows } };
  }

  private failed(out: Extract<Outcome, { error: BackendError }>, extended: boolean): void {
    this.sendError(out.error);
    if (out.fatal) {
      this.socket.end();
      this.end();
    } else if (extended) this.skipping = true;
  }

  private extendedError(error: BackendError): void {
    this.sendError(error);
    this.skipping = true;
  }

  private describe(r: StatementResult): void {
    if (!r.columns) {
      this.send(0x6e); // NoData
      return;
    }
    this.writer.addInt16(r.columns.length);
    r.columns.forEach((name, i) => {
      this.writer.addCString(name).addInt32(0).addInt16(0).addInt32(r.types?.[i] ?? TEXT_OID).addInt16(-1).addInt32(-1).addInt16(0);
    });
    this.sendData(this.writer.flush(0x54)); // RowDescription
  }

  /** DataRows and CommandComplete (after the RowDescription in the simple protocol). */
  private rows(r: StatementResult, describe: boolean): void {
    if (describe && r.columns) this.describe(r);
    if (r.copyOut) {
      const { format, columns, data } = r.copyOut;
      this.writer.add(Buffer.from([format])).addInt16(columns);
      for (let i = 0; i < columns; i++) this.writer.addInt16(format);
      this.sendData(this.writer.flush(0x48)); // H: CopyOutResponse
      for (const d of data) this.sendData(this.writer.add(Buffer.from(d)).flush(0x64)); // d: CopyData
      this.send(0x63); // c: CopyDone
    }
    for (const row of r.rows ?? []) {
      this.writer.addInt16(row.length);
      for (const v of row) {
        if (v === null || v === undefined) this.writer.addInt32(-1);
        else {
          const b = Buffer.from(String(v));
          this.writer.addInt32(b.length).add(b);
        }
      }
      this.sendData(this.writer.flush(0x44)); // DataRow
    }
    this.writer.addCString(r.tag ?? `${r.command ?? 'SELECT'} ${r.rowCount}`);
    this.sendData(this.writer.flush(0x43)); // CommandComplete
  }

  private ready(): void {
    this.sendReadyForQuery(this.status === 'I' ? 'idle' : this.status === 'T' ? 'transaction' : 'error');
  }

  private send(code: number): void {
    this.sendData(this.writer.flush(code));
  }
}

type Control = { kind: 'begin'; modes: boolean } | { kind: 'commit' | 'rollback' | 'rollbackTo' };

/** The first statement's parse tree; undefined for what does not parse (the engine answers its error). */
function parsed(sql: string): unknown {
  try {
    return parseSql(sql).stmts?.[0]?.stmt;
  } catch (e) {
    if (e instanceof SqlSyntaxError) return undefined;
    throw e;
  }
}

/** A COPY whose data travels as CopyData (FROM STDIN, TO STDOUT): its direction, binary format, and column list's length. */
interface Copy {
  from: boolean;
  binary: boolean;
  columns: number;
}

function copyOf(stmt: unknown): Copy | undefined {
  type DefElem = { DefElem?: { defname?: string; arg?: { String?: { sval?: string } } } };
  const copy = (stmt as { CopyStmt?: { filename?: string; is_program?: boolean; is_from?: boolean; attlist?: unknown[]; options?: DefElem[] } } | undefined)?.CopyStmt;
  if (!copy || copy.filename || copy.is_program) return undefined;
  const format = copy.options?.find((o) => o.DefElem?.defname === 'format')?.DefElem?.arg?.String?.sval;
  return { from: !!copy.is_from, binary: format === 'binary', columns: copy.attlist?.length ?? 0 };
}

/** SET TRANSACTION ... (not SET SESSION CHARACTERISTICS, nor SET TRANSACTION SNAPSHOT). */
function isSetTransaction(stmt: unknown): boolean {
  const set = (stmt as { VariableSetStmt?: { kind?: string; name?: string } } | undefined)?.VariableSetStmt;
  return set?.kind === 'VAR_SET_MULTI' && set.name === 'TRANSACTION';
}

/**
 * BEGIN / START TRANSACTION (`modes`: with READ ONLY, ISOLATION LEVEL ...), COMMIT / END, ROLLBACK /
 * ABORT, ROLLBACK TO SAVEPOINT, from a statement's parse tree; undefined for anything else (SAVEPOINT and
 * RELEASE too: statements of the block).
 */
function transactionControl(stmt: unknown): Control | undefined {
  const t = (stmt as { TransactionStmt?: { kind?: string; options?: unknown[] } } | undefined)?.TransactionStmt;
  switch (t?.kind) {
    case 'TRANS_STMT_BEGIN':
    case 'TRANS_STMT_START':
      return { kind: 'begin', modes: (t.options?.length ?? 0) > 0 };
    case 'TRANS_STMT_COMMIT':
      return { kind: 'commit' };
    case 'TRANS_STMT_ROLLBACK':
      return { kind: 'rollback' };
    case 'TRANS_STMT_ROLLBACK_TO':
      return { kind: 'rollbackTo' };
    default:
      return undefined;
  }
}

/** A sim error as the ErrorResponse the real server sends. */
function backendError(e: SimError): BackendError {
  return {
    severity: e.severity === 'FATAL' || e.severity === 'PANIC' ? e.severity : 'ERROR',
    code: e.sqlstate ?? 'XX000',
    message: e.message,
    ...(e.detail ? { detail: e.detail } : {}),
    ...(e.hint ? { hint: e.hint } : {}),
    ...(e.position ? { position: String(e.position) } : {}),
  };
}

/** Reads a message's fields. */
class Reader {
  private at = 0;
  constructor(private readonly b: Buffer) {}
  byte(): string {
    return String.fromCharCode(this.b[this.at++]);
  }
  int16(): number {
    const v = this.b.readInt16BE(this.at);
    this.at += 2;
    return v;
  }
  int16s(): number[] {
    const out: number[] = [];
    for (let n = this.int16(); n > 0; n--) out.push(this.int16());
    return out;
  }
  cstring(): string {
    const end = this.b.indexOf(0, this.at);
    const s = this.b.toString('utf8', this.at, end);
    this.at = end + 1;
    return s;
  }
  /** A length-prefixed value as text; -1 is NULL. */
  bytes(): string | null {
    const len = this.b.readInt32BE(this.at);
    this.at += 4;
    if (len < 0) return null;
    const s = this.b.toString('utf8', this.at, this.at + len);
    this.at += len;
    return s;
  }
}
