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
    const out = new Uint8Array(this.size);
    let at = 0;
    for (const p of this.parts) {
      out.set(p, at);
      at += p.length;
    }
    return out;
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

export class WireSession {
  private names = new Map<string, string>();
  private next = 1;

  constructor(private readonly db: PGlite) {}

  /**
   * Runs statements in one round trip; with `transaction`, between BEGIN and COMMIT (and ROLLBACK when
   * one fails: the server skips the rest until Sync). Only row counts come back.
   */
  async run(statements: readonly EngineStatement[], transaction: boolean): Promise<RunReply> {
    const all = transaction ? [{ sql: 'BEGIN' }, ...statements, { sql: 'COMMIT' }] : statements;
    const w = new Writer();
    const fresh: (string | undefined)[] = [];
    for (const st of all) {
      let name = this.names.get(st.sql);
      fresh.push(name === undefined ? (name = `sim_${this.next++}`) : undefined);
      if (fresh[fresh.length - 1]) w.message('P', [['cstr', name], ['cstr', st.sql], ['i16', 0]]);
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
      w.message('E', [['cstr', ''], ['i32', 0]]);
    }
    w.message('S', []);
    const reply = await this.db.runExclusive(() => this.db.execProtocolRaw(w.bytes(), { throwOnError: false }));
    const r = readReply(reply);
    const failed = r.error ? r.results.length : all.length;
    // Statements parsed before the failure exist now; the failed one and those after it were skipped, and a
    // cached one that failed is parsed again next time (a schema change may have made its plan invalid).
    all.forEach((st, i) => {
      if (i < failed && fresh[i]) this.names.set(st.sql, fresh[i]!);
      if (i === failed) this.names.delete(st.sql);
    });
    if (r.error && r.status === 'E') await this.db.runExclusive(() => this.db.execProtocolRaw(simpleQuery('ROLLBACK'), { throwOnError: false }));
    const offset = transaction ? 1 : 0;
    const results = r.results.slice(offset, offset + statements.length);
    if (!r.error) return { results };
    return { results, failedAt: Math.min(statements.length - 1, Math.max(0, failed - offset)), error: r.error };
  }
}

function simpleQuery(sql: string): Uint8Array {
  const w = new Writer();
  w.message('Q', [['cstr', sql]]);
  return w.bytes();
}

/** Results of each completed statement, the first error, and the transaction status of ReadyForQuery. */
function readReply(buf: Uint8Array): { results: StatementResult[]; error?: EngineError; status?: string } {
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const results: StatementResult[] = [];
  let rows = 0;
  let error: EngineError | undefined;
  let status: string | undefined;
  for (let i = 0; i + 5 <= buf.length; ) {
    const type = buf[i];
    const len = view.getInt32(i + 1);
    const body = buf.subarray(i + 5, i + 1 + len);
    if (type === 0x44) rows++; // D: DataRow
    else if (type === 0x43) {
      // C: CommandComplete, "SELECT 3", "INSERT 0 1", "UPDATE 2"
      const tag = decoder.decode(body.subarray(0, body.length - 1)).split(' ');
      const n = Number(tag[tag.length - 1]);
      results.push({ command: tag[0], rowCount: Number.isFinite(n) ? n : rows });
      rows = 0;
    } else if (type === 0x49) results.push({ rowCount: 0 }); // I: EmptyQueryResponse
    else if (type === 0x45) error ??= readError(body);
    else if (type === 0x5a) status = String.fromCharCode(body[0]); // Z: ReadyForQuery
    i += 1 + len;
  }
  return { results, error, status };
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
