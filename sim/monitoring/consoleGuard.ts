/**
 * Console statements that would hang or wreck the node's single embedded session are refused before
 * they reach it, with the reason. Anything else runs; a runaway is stopped by the engine's watchdog.
 * Rules apply to each statement of the input, after comments and string literals are blanked out.
 */
const RULES: [RegExp, string][] = [
  [/\bcopy\b[\s\S]*\b(to|from)\s+program\b/i, 'COPY ... PROGRAM hangs the embedded PostgreSQL (it cannot start programs).'],
  [/^\\/, 'psql meta-commands (\\d, \\dt ...) are not SQL; query the catalog instead (pg_tables, information_schema).'],
  [/^(set|reset)\s+(?!local\b)/i, 'change node settings in the inspector (they apply to the model and the engine); SET LOCAL works inside a transaction.'],
  [/^discard\b/i, 'DISCARD would reset the session that the node and its monitoring views share.'],
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

/** The input's statements with comments and the contents of string literals blanked out. */
function statements(sql: string): string[] {
  const blank = sql
    .replace(/--[^\n]*/g, ' ')
    .replace(/\/\*[\s\S]*?\*\//g, ' ')
    .replace(/\$([a-z_]*)\$[\s\S]*?\$\1\$/gi, "''")
    .replace(/'(?:[^']|'')*'/g, "''");
  return blank
    .split(';')
    .map((s) => s.trim())
    .filter((s) => s !== '');
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
