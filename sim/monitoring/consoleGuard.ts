/**
 * Console statements refused before they reach the node, with a reason a student understands. This is
 * not what keeps the simulator safe: the engine runs console input as an ordinary role in a session of
 * its own (sim/engine/consoleSession.ts, snapshots.ts), and PostgreSQL refuses what that role may not
 * do, however the SQL is written. The one rule the engine relies on is SET/RESET SESSION AUTHORIZATION,
 * which a single-user backend would grant (its login is a superuser) and which only a top-level
 * statement can reach. So the input is split into statements as PostgreSQL's scanner splits it, not by
 * patterns: rules apply to each statement, with comments removed and quoted text blanked out.
 */
const RULES: [RegExp, string][] = [
  [/^(set|reset)\b[\s\S]*\bsession\s+authorization\b/i, 'console statements run as the role sim_console; SESSION AUTHORIZATION cannot change.'],
  [/\bcopy\b[\s\S]*\b(to|from)\s+program\b/i, 'COPY ... PROGRAM hangs the embedded PostgreSQL (it cannot start programs).'],
  [/^\\/, 'psql meta-commands (\\d, \\dt ...) are not SQL; query the catalog instead (pg_tables, information_schema).'],
  [/^(set|reset)\s+(?!local\b)/i, 'change node settings in the inspector (they apply to the model and the engine); SET LOCAL works inside a transaction.'],
  [/^discard\b/i, 'DISCARD has nothing to reset: each console input is a session of its own, which ends with it.'],
  [/^(create|drop|alter)\s+database\b/i, 'each node has one database, postgres; create schemas instead.'],
  [
    /^(drop|alter|create\s+or\s+replace|comment|grant|revoke)\b[\s\S]*\b(sim_catalog|pg_stat_activity|now|pg_sleep|pg_sleep_for|pg_sleep_until)\b/i,
    'sim_catalog holds the views and the virtual clock the simulator fills from its model; they are read-only to the console.',
  ],
  [/^(insert|update|delete|truncate|create)\b[\s\S]*\bsim_catalog\b/i, 'sim_catalog holds the views the simulator fills from its model; it is read-only to the console.'],
  [/\b(pg_terminate_backend|pg_cancel_backend|pg_reload_conf)\s*\(/i, 'the node has one embedded backend; connections are modelled, not real processes.'],
];

const TRANSACTION_START = /^(begin|start\s+transaction)\b/i;
const TRANSACTION_END = /^(commit|end|rollback|abort)\b/i;

const IDENT = /[\p{L}\p{N}_$]/u;
const DOLLAR_TAG = /\$(?:[\p{L}_][\p{L}\p{N}_]*)?\$/uy;

/** The $tag$ that opens a dollar quote at `i`, if one does. */
function dollarTag(sql: string, i: number): string | undefined {
  DOLLAR_TAG.lastIndex = i;
  return DOLLAR_TAG.exec(sql)?.[0];
}

/**
 * The input's statements as PostgreSQL's scanner splits them: at semicolons outside -- and nested
 * block comments, 'strings' (E'...' with backslash escapes), "identifiers" and $tag$ dollar quotes$tag$.
 * Comments are dropped and quoted text becomes '' (identifiers are kept).
 */
function statements(sql: string): string[] {
  const out: string[] = [];
  let cur = '';
  for (let i = 0; i < sql.length; ) {
    const c = sql[i];
    const before = sql[i - 1] ?? '';
    const tag = c === '$' && !IDENT.test(before) ? dollarTag(sql, i) : undefined;
    if (c === '-' && sql[i + 1] === '-') {
      const end = sql.indexOf('\n', i);
      i = end < 0 ? sql.length : end;
      cur += ' ';
    } else if (c === '/' && sql[i + 1] === '*') {
      let depth = 0;
      do {
        if (sql.startsWith('/*', i)) [depth, i] = [depth + 1, i + 2];
        else if (sql.startsWith('*/', i)) [depth, i] = [depth - 1, i + 2];
        else i++;
      } while (depth > 0 && i < sql.length);
      cur += ' ';
    } else if (c === "'" || c === '"') {
      const escapes = c === "'" && /[eE]/.test(before) && !IDENT.test(sql[i - 2] ?? '');
      let j = i + 1;
      for (; j < sql.length; j++) {
        if (escapes && sql[j] === '\\') j++;
        else if (sql[j] === c) {
          if (sql[j + 1] !== c) break;
          j++;
        }
      }
      cur += c === "'" ? "''" : sql.slice(i, j + 1);
      i = j + 1;
    } else if (tag) {
      const end = sql.indexOf(tag, i + tag.length);
      i = end < 0 ? sql.length : end + tag.length;
      cur += "''";
    } else {
      if (c === ';') {
        out.push(cur);
        cur = '';
      } else cur += c;
      i++;
    }
  }
  out.push(cur);
  return out.map((s) => s.trim()).filter((s) => s !== '');
}

/** The reason a console statement is refused, or undefined when it may run. */
export function refuseReason(sql: string): string | undefined {
  if (sql.trim() === '') return 'the statement is empty.';
  if (sql.length > 100_000) return 'the statement is longer than 100,000 characters.';
  const list = statements(sql);
  let open = false;
  for (const s of list) {
    const why = RULES.find(([re]) => re.test(s))?.[1];
    if (why) return why;
    if (TRANSACTION_START.test(s) || /^(savepoint|release|prepare\s+transaction)\b/i.test(s)) open = open || TRANSACTION_START.test(s);
    if (TRANSACTION_END.test(s)) open = false;
  }
  if (open || list.some((s) => /^(savepoint|release|prepare\s+transaction|commit|end|rollback|abort)\b/i.test(s) && list.length === 1)) {
    return 'each console input runs on its own; write the whole transaction in one input (BEGIN; ...; COMMIT;).';
  }
  return undefined;
}
