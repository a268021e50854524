/**
 * Console statements that would hang or wreck the node's single embedded session are refused before
 * they reach it, with the reason. Anything else runs; a runaway is stopped by the engine's watchdog.
 */
const RULES: [RegExp, string][] = [
  [/\bcopy\b[\s\S]*\b(to|from)\s+program\b/i, 'COPY ... PROGRAM hangs the embedded PostgreSQL (it cannot start programs).'],
  [/^\s*\\/, 'psql meta-commands (\\d, \\dt ...) are not SQL; query the catalog instead (pg_tables, information_schema).'],
  [
    /^\s*(begin|start\s+transaction|commit|end|rollback|abort|savepoint|release|prepare\s+transaction)\b\s*;?\s*$/i,
    'each console input runs on its own; write the whole transaction in one input (BEGIN; ...; COMMIT;).',
  ],
  [/^\s*(set|reset)\s+(?!local\b)/i, "change node settings in the inspector (they apply to the model and the engine); SET LOCAL works inside a transaction."],
  [/^\s*discard\b/i, 'DISCARD would reset the session that the node and its monitoring views share.'],
  [/\b(create|drop|alter)\s+database\b/i, 'each node has one database, postgres; create schemas instead.'],
  [/\b(insert|update|delete|truncate|drop|alter|create|comment|grant|revoke)\b[\s\S]*\bsim_catalog\b/i, 'sim_catalog holds the views the simulator fills from its model; it is read-only to the console.'],
  [/\b(pg_terminate_backend|pg_cancel_backend|pg_reload_conf)\s*\(/i, 'the node has one embedded backend; connections are modelled, not real processes.'],
];

/** The reason a console statement is refused, or undefined when it may run. */
export function refuseReason(sql: string): string | undefined {
  if (sql.trim() === '') return 'the statement is empty.';
  if (sql.length > 100_000) return 'the statement is longer than 100,000 characters.';
  const stripped = sql.replace(/--[^\n]*/g, '').replace(/\/\*[\s\S]*?\*\//g, '');
  return RULES.find(([re]) => re.test(stripped))?.[1];
}
