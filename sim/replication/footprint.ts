/**
 * What rows a statement touches, as far as its text says: the tables it reads or writes and, when the
 * statement names one row by a `column = $n` predicate (or an INSERT gives the column), that key.
 * The consistency checker compares a read's footprint with the writes a replica has not replayed yet:
 * they conflict when they share a table and their keys do not prove them apart. Anything the parser does
 * not understand conflicts with everything on its tables (or every table): the checker over-counts
 * rather than misses a stale read.
 */

export interface Footprint {
  table: string | '*';
  /** Column -> parameter index (0-based, into the operation's params), for reads and for writes. */
  keys: Map<string, number>;
  /** Column -> literal value known from the text. */
  literals?: Map<string, string>;
  kind: 'read' | 'insert' | 'update' | 'delete' | 'ddl' | 'other';
}

const IDENT = `(?:"[^"]+"|[A-Za-z_][A-Za-z0-9_$]*)`;
const QNAME = String.raw`${IDENT}(?:\s*\.\s*${IDENT})?`;

function unquote(name: string): string {
  const last = name.split('.').pop()!.trim();
  return last.startsWith('"') ? last.slice(1, -1) : last.toLowerCase();
}

/** `col = $n` and `alias.col = $n` in a WHERE clause, joined by AND only (an OR proves nothing). */
function whereKeys(sql: string, paramIndexes: readonly number[]): Map<string, number> {
  const keys = new Map<string, number>();
  const m = /\bwhere\b([\s\S]*?)(?:\border\s+by\b|\bgroup\s+by\b|\blimit\b|\breturning\b|\bfor\s+update\b|$)/i.exec(sql);
  if (!m || /\bor\b/i.test(m[1])) return keys;
  for (const k of m[1].matchAll(new RegExp(String.raw`(${QNAME})\s*=\s*\$(\d+)`, 'g'))) {
    const idx = paramIndexes[Number(k[2]) - 1];
    if (idx !== undefined) keys.set(unquote(k[1]), idx);
  }
  return keys;
}

const DDL = /^\s*(create|alter|drop|truncate|comment|grant|revoke|reindex|cluster|refresh)\b/i;

/** The footprint of one statement; `paramIndexes` maps its $k to the operation's parameters. */
export function footprint(sqlText: string, paramIndexes: readonly number[] = []): Footprint[] {
  const sql = sqlText.replace(/--[^\n]*/g, ' ').replace(/\/\*[\s\S]*?\*\//g, ' ');
  let m: RegExpExecArray | null;
  if ((m = new RegExp(String.raw`^\s*insert\s+into\s+(${QNAME})\s*(?:\(([^)]*)\))?\s*values\s*\(([^)]*)\)\s*(?:returning[\s\S]*)?;?\s*$`, 'i').exec(sql))) {
    const keys = new Map<string, number>();
    const literals = new Map<string, string>();
    const cols = (m[2] ?? '').split(',').map((c) => unquote(c.trim()));
    const vals = m[3].split(',').map((v) => v.trim());
    if (m[2]) {
      cols.forEach((c, i) => {
        const p = /^\$(\d+)$/.exec(vals[i] ?? '');
        if (p && paramIndexes[Number(p[1]) - 1] !== undefined) keys.set(c, paramIndexes[Number(p[1]) - 1]);
        else if (vals[i] && /^('[^']*'|-?\d+(\.\d+)?)$/.test(vals[i])) literals.set(c, vals[i].replace(/^'(.*)'$/, '$1'));
      });
    }
    return [{ table: unquote(m[1]), keys, literals, kind: 'insert' }];
  }
  if ((m = new RegExp(String.raw`^\s*insert\s+into\s+(${QNAME})`, 'i').exec(sql))) {
    return [{ table: unquote(m[1]), keys: new Map(), kind: 'insert' }];
  }
  if ((m = new RegExp(String.raw`^\s*update\s+(?:only\s+)?(${QNAME})`, 'i').exec(sql))) {
    return [{ table: unquote(m[1]), keys: /\bfrom\b/i.test(sql.split(/\bwhere\b/i)[0]) ? new Map() : whereKeys(sql, paramIndexes), kind: 'update' }];
  }
  if ((m = new RegExp(String.raw`^\s*delete\s+from\s+(?:only\s+)?(${QNAME})`, 'i').exec(sql))) {
    return [{ table: unquote(m[1]), keys: /\busing\b/i.test(sql) ? new Map() : whereKeys(sql, paramIndexes), kind: 'delete' }];
  }
  // a COPY FROM inserts rows the text does not show; a COPY TO reads a table, or what its query reads
  if ((m = new RegExp(String.raw`^\s*copy\s+(${QNAME})[\s\S]*\bfrom\b`, 'i').exec(sql))) return [{ table: unquote(m[1]), keys: new Map(), kind: 'insert' }];
  if ((m = new RegExp(String.raw`^\s*copy\s+(${QNAME})[\s\S]*\bto\b`, 'i').exec(sql))) return [{ table: unquote(m[1]), keys: new Map(), kind: 'read' }];
  if ((m = /^\s*copy\s*\(([\s\S]*)\)\s*to\b/i.exec(sql))) return footprint(m[1], paramIndexes);
  if (DDL.test(sql)) {
    const t = new RegExp(String.raw`\b(?:table|on)\s+(?:if\s+(?:not\s+)?exists\s+)?(?:only\s+)?(${QNAME})`, 'i').exec(sql);
    return [{ table: t && !/^\s*(create\s+table|create\s+view)/i.test(sql) ? unquote(t[1]) : '*', keys: new Map(), kind: 'ddl' }];
  }
  if (/^\s*(\(?\s*select|with|values|table)\b/i.test(sql)) {
    const tables = new Set<string>();
    for (const t of sql.matchAll(new RegExp(String.raw`\b(?:from|join)\s+(?!\()(?:only\s+|lateral\s+)?(${QNAME})`, 'gi'))) {
      const name = unquote(t[1]);
      if (!/^(generate_series|unnest|json_|jsonb_)/.test(name)) tables.add(name);
    }
    if (/\b(insert|update|delete|merge)\b/i.test(sql)) return [{ table: '*', keys: new Map(), kind: 'other' }];
    const single = tables.size === 1 && !/\bjoin\b|\bunion\b|\bfrom\s*\(/i.test(sql) && !/,\s*(?!\$)[A-Za-z_"(]/.test(sql.split(/\bfrom\b/i)[1]?.split(/\bwhere\b/i)[0] ?? '');
    const keys = single ? whereKeys(sql, paramIndexes) : new Map<string, number>();
    return [...tables].map((table) => ({ table, keys, kind: 'read' as const }));
  }
  return [{ table: '*', keys: new Map(), kind: 'other' }];
}

const value = (v: unknown) => (v === null || v === undefined ? 'null' : String(v));

/** Whether a write (with its params) may have changed rows a read (with its params) returns. */
export function conflicts(w: Footprint, wParams: readonly unknown[], r: Footprint, rParams: readonly unknown[]): boolean {
  if (w.table !== '*' && r.table !== '*' && w.table !== r.table) return false;
  if (w.kind === 'ddl' || w.kind === 'other' || r.keys.size === 0) return true;
  for (const [col, ri] of r.keys) {
    const wi = w.keys.get(col);
    if (wi !== undefined) return value(wParams[wi]) === value(rParams[ri]);
    const lit = w.literals?.get(col);
    if (lit !== undefined) return lit === value(rParams[ri]);
  }
  // An INSERT or UPDATE/DELETE keyed on other columns: the rows cannot be told apart from the text.
  return true;
}

/** Footprints of an operation's statements, each with the parameter indexes of its statement. */
export function operationFootprint(statements: readonly { sql: string; paramIndexes: number[] }[]): Footprint[] {
  return statements.flatMap((s) => footprint(s.sql, s.paramIndexes));
}
