/**
 * Session state of one server connection (one PostgreSQL backend) as clients leave it behind: the
 * settings changed by SET, SQL prepared statements, LISTEN channels, session advisory locks, WITH HOLD
 * cursors and temp tables. In session mode the reset query clears it; in transaction and statement mode
 * the next client that gets the server connection inherits it. That is the classic transaction-pooling
 * breakage, and here it is real:
 *
 * A database node's PGlite is ONE real session shared by all its backends, so a plain `SET` would
 * change every backend at once. The pooler therefore keeps each backend's state itself and makes it
 * real on the engine per statement:
 * - `SET name = value` runs as `SELECT set_config('name', 'value', true)`: PostgreSQL validates the
 *   name and value for real, and the engine's shared session is not changed.
 * - Every later statement on that backend runs inside a transaction that first applies the backend's
 *   settings with `set_config(..., true)`, so the statement really runs with them (`SHOW`,
 *   `current_setting`, `work_mem` in plans, `search_path` in name resolution ...).
 * - `PREPARE p` / `EXECUTE p` / `DEALLOCATE p` use a per-backend name (`p__s<server id>g<n>`), so the
 *   next client on the same backend really finds (or collides with) the statement, and clients on other
 *   backends really do not; error messages show the client's own name.
 * - LISTEN, advisory locks, WITH HOLD cursors and temp tables run as sent and are tracked in the model
 *   only (PGlite cannot hold them per backend).
 */
import type { PreparedOperation, PreparedStatement } from '../../workload/operations.ts';

export type LeakKind = 'SET' | 'PREPARE' | 'LISTEN' | 'advisory lock' | 'WITH HOLD cursor' | 'temp table';

export interface BackendSession {
  gucs: Map<string, string>;
  prepared: Set<string>;
  listens: Set<string>;
  advisoryLocks: number;
  holdCursors: Set<string>;
  tempTables: Set<string>;
  /** Bumped by DEALLOCATE ALL / DISCARD ALL: the engine's old names are never reused. */
  generation: number;
}

export function newSession(): BackendSession {
  return { gucs: new Map(), prepared: new Set(), listens: new Set(), advisoryLocks: 0, holdCursors: new Set(), tempTables: new Set(), generation: 0 };
}

export function resetSession(s: BackendSession): void {
  s.gucs.clear();
  s.prepared.clear();
  s.listens.clear();
  s.advisoryLocks = 0;
  s.holdCursors.clear();
  s.tempTables.clear();
  s.generation++;
}

/** Whether the backend carries state a new client would inherit. */
export function sessionDirty(s: BackendSession): boolean {
  return s.gucs.size + s.prepared.size + s.listens.size + s.holdCursors.size + s.tempTables.size + s.advisoryLocks > 0;
}

/** A short description of the state a backend carries, for SHOW SERVERS' neighbours and the snapshot. */
export function describeSession(s: BackendSession): string[] {
  const out: string[] = [];
  for (const [k, v] of s.gucs) out.push(`SET ${k} = ${v}`);
  for (const p of s.prepared) out.push(`PREPARE ${p}`);
  for (const c of s.listens) out.push(`LISTEN ${c}`);
  if (s.advisoryLocks > 0) out.push(`${s.advisoryLocks} advisory lock(s)`);
  for (const c of s.holdCursors) out.push(`cursor ${c} WITH HOLD`);
  for (const t of s.tempTables) out.push(`temp table ${t}`);
  return out;
}

type Effect = (s: BackendSession) => void;

interface Rewritten {
  sql: string;
  effect?: Effect;
  leak?: LeakKind;
}

const lit = (v: string) => `'${v.replace(/'/g, "''")}'`;
const ident = (name: string) => name.replace(/^"(.*)"$/, '$1').toLowerCase();

/** The engine's name of a client's prepared statement on a backend. */
export function preparedName(name: string, serverId: number, s: BackendSession): string {
  return `${ident(name)}__s${serverId}g${s.generation}`;
}

/** Undoes preparedName in an error message, so the client reads its own statement name. */
export function clientMessage(message: string): string {
  return message.replace(/([A-Za-z_][A-Za-z0-9_]*)__s\d+g\d+/g, '$1');
}

function settingValue(raw: string): string | undefined {
  const v = raw.trim().replace(/;\s*$/, '');
  if (/^default$/i.test(v)) return undefined;
  const parts = v.split(/\s*,\s*/).map((p) => (/^'.*'$/s.test(p) ? p.slice(1, -1).replace(/''/g, "'") : p));
  return parts.join(', ');
}

/** How one client statement runs on a backend, and what it leaves on the backend. */
export function rewriteStatement(sql: string, serverId: number, s: BackendSession): Rewritten {
  const t = sql.trim();
  let m: RegExpExecArray | null;
  if ((m = /^SET\s+(?:SESSION\s+)?(?!LOCAL\b|TRANSACTION\b|SESSION\s+CHARACTERISTICS\b|CONSTRAINTS\b|ROLE\b|SESSION\s+AUTHORIZATION\b)(TIME\s+ZONE|[A-Za-z_][\w.]*)\s*(?:=|\bTO\b|(?<=TIME\s+ZONE))\s*([\s\S]+)$/i.exec(t))) {
    const name = /^time\s+zone$/i.test(m[1]) ? 'timezone' : m[1].toLowerCase();
    const value = settingValue(m[2]);
    if (value === undefined) {
      return { sql: `SELECT current_setting(${lit(name)})`, effect: (x) => x.gucs.delete(name), leak: 'SET' };
    }
    return { sql: `SELECT set_config(${lit(name)}, ${lit(value)}, true)`, effect: (x) => x.gucs.set(name, value), leak: 'SET' };
  }
  if ((m = /^RESET\s+(ALL|[A-Za-z_][\w.]*)\s*;?$/i.exec(t))) {
    const name = m[1].toLowerCase();
    if (name === 'all') return { sql: 'SELECT NULL::text AS reset', effect: (x) => x.gucs.clear() };
    return { sql: `SELECT current_setting(${lit(name)})`, effect: (x) => x.gucs.delete(name) };
  }
  if (/^DISCARD\s+ALL\s*;?$/i.test(t)) return { sql: 'SELECT NULL::text AS discard', effect: resetSession };
  if ((m = /^PREPARE\s+("[^"]+"|[A-Za-z_]\w*)([\s\S]*)$/i.exec(t))) {
    const name = ident(m[1]);
    return { sql: `PREPARE ${preparedName(name, serverId, s)}${m[2]}`, effect: (x) => x.prepared.add(name), leak: 'PREPARE' };
  }
  if ((m = /^EXECUTE\s+("[^"]+"|[A-Za-z_]\w*)([\s\S]*)$/i.exec(t))) {
    return { sql: `EXECUTE ${preparedName(m[1], serverId, s)}${m[2]}` };
  }
  if ((m = /^DEALLOCATE\s+(?:PREPARE\s+)?("[^"]+"|[A-Za-z_]\w*)\s*;?$/i.exec(t))) {
    if (/^all$/i.test(m[1])) return { sql: 'SELECT NULL::text AS deallocate', effect: (x) => { x.prepared.clear(); x.generation++; } };
    const name = ident(m[1]);
    return { sql: `DEALLOCATE ${preparedName(name, serverId, s)}`, effect: (x) => x.prepared.delete(name) };
  }
  if ((m = /^LISTEN\s+("[^"]+"|[A-Za-z_]\w*)/i.exec(t))) {
    const ch = ident(m[1]);
    return { sql, effect: (x) => x.listens.add(ch), leak: 'LISTEN' };
  }
  if ((m = /^UNLISTEN\s+(\*|"[^"]+"|[A-Za-z_]\w*)/i.exec(t))) {
    const ch = ident(m[1]);
    return { sql, effect: (x) => (ch === '*' ? x.listens.clear() : x.listens.delete(ch)) };
  }
  if ((m = /^DECLARE\s+("[^"]+"|[A-Za-z_]\w*)[\s\S]*\bWITH\s+HOLD\b/i.exec(t))) {
    const c = ident(m[1]);
    return { sql, effect: (x) => x.holdCursors.add(c), leak: 'WITH HOLD cursor' };
  }
  if ((m = /^CLOSE\s+(ALL|"[^"]+"|[A-Za-z_]\w*)/i.exec(t))) {
    const c = ident(m[1]);
    return { sql, effect: (x) => (c === 'all' ? x.holdCursors.clear() : x.holdCursors.delete(c)) };
  }
  if ((m = /^CREATE\s+(?:GLOBAL\s+|LOCAL\s+)?TEMP(?:ORARY)?\s+TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?("[^"]+"|[A-Za-z_]\w*)/i.exec(t)) && !/\bON\s+COMMIT\s+DROP\b/i.test(t)) {
    const name = ident(m[1]);
    return { sql, effect: (x) => x.tempTables.add(name), leak: 'temp table' };
  }
  const locks = (t.match(/\bpg_(?:try_)?advisory_lock(?:_shared)?\s*\(/gi) ?? []).length;
  const unlocks = (t.match(/\bpg_advisory_unlock(?:_shared)?\s*\(/gi) ?? []).length;
  if (/\bpg_advisory_unlock_all\s*\(/i.test(t)) return { sql, effect: (x) => (x.advisoryLocks = 0) };
  if (locks > 0 || unlocks > 0) {
    return { sql, effect: (x) => (x.advisoryLocks = Math.max(0, x.advisoryLocks + locks - unlocks)), leak: locks > 0 ? 'advisory lock' : undefined };
  }
  return { sql };
}

/** An operation as it runs on one backend: its statements rewritten, the backend's settings first. */
export interface BackendOperation {
  op: PreparedOperation;
  /** Statements put before the client's (set_config of the backend's settings). */
  prefix: number;
  /** The client's operation had no transaction; this one does (to scope the settings). */
  wrapped: boolean;
  /** Per client statement: what it leaves on the backend. */
  effects: (Effect | undefined)[];
  leaks: (LeakKind | undefined)[];
}

const SESSION_SQL = /^\s*(SET|RESET|DISCARD|PREPARE|EXECUTE|DEALLOCATE|LISTEN|UNLISTEN|DECLARE|CLOSE|CREATE\s+(GLOBAL\s+|LOCAL\s+)?TEMP)\b|pg_(try_)?advisory_(un)?lock/i;

/** Whether an operation touches session state at all (the common case does not: it runs unchanged). */
export function touchesSession(op: PreparedOperation): boolean {
  return op.statements.some((st) => SESSION_SQL.test(st.sql));
}

/**
 * The operation to send for `op` on a backend with session `s`, or undefined when it runs unchanged
 * (no session statement in it and nothing inherited to apply).
 */
export function backendOperation(op: PreparedOperation, serverId: number, s: BackendSession): BackendOperation | undefined {
  const touches = touchesSession(op);
  if (!touches && s.gucs.size === 0) return undefined;
  const rewritten = op.statements.map((st) => rewriteStatement(st.sql, serverId, s));
  const prefix: PreparedStatement[] = [...s.gucs].map(([k, v]) => ({ sql: `SELECT set_config(${lit(k)}, ${lit(v)}, true)`, paramIndexes: [] }));
  const statements: PreparedStatement[] = [...prefix, ...op.statements.map((st, i) => ({ ...st, sql: rewritten[i].sql }))];
  const wrapped = !op.transaction && prefix.length > 0;
  return {
    op: { ...op, statements, transaction: op.transaction || wrapped },
    prefix: prefix.length,
    wrapped,
    effects: rewritten.map((r) => r.effect),
    leaks: rewritten.map((r) => r.leak),
  };
}
