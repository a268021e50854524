/**
 * The one catalogue of errors the simulation reports. Every error is a value with a `code`: PostgreSQL's
 * condition name where PostgreSQL has one (the report counts errors by these names), the real system's
 * message, and a line a student understands.
 */
export interface SimError {
  /** Condition name (`too_many_connections`) or the sim's own code (`pool_timeout`). */
  code: string;
  /** The five-character SQLSTATE, where the real system gives one. */
  sqlstate?: string;
  severity: 'ERROR' | 'FATAL' | 'PANIC';
  /** The real system's message text. */
  message: string;
  /** What happened, in a sentence for a student. */
  explanation?: string;
  detail?: string;
  hint?: string;
  position?: string;
}

interface CatalogueEntry {
  sqlstate?: string;
  severity: SimError['severity'];
  message: string;
  explanation: string;
}

export const ERROR_CATALOGUE = {
  too_many_connections: {
    sqlstate: '53300',
    severity: 'FATAL',
    message: 'sorry, too many clients already',
    explanation:
      'The database already has max_connections backends (less superuser_reserved_connections); a new connection is refused.',
  },
  pool_timeout: {
    severity: 'ERROR',
    message: 'Timed out fetching a new connection from the connection pool.',
    explanation:
      "Every connection of this app instance's client-side pool was busy for longer than pool_timeout (Prisma's P2024).",
  },
  crash_shutdown: {
    sqlstate: '57P02',
    severity: 'FATAL',
    message: 'terminating connection because of crash of another server process',
    explanation: 'The node crashed (its engine was killed) and every connection to it was lost.',
  },
  cannot_connect_now: {
    sqlstate: '57P03',
    severity: 'FATAL',
    message: 'the database system is starting up',
    explanation: 'The node is restarting and does not accept connections yet.',
  },
  statement_refused: {
    severity: 'ERROR',
    message: 'statement refused by the simulator',
    explanation: 'This statement would hang or exhaust the embedded PostgreSQL, so the console does not run it.',
  },
  query_canceled: {
    sqlstate: '57014',
    severity: 'ERROR',
    message: 'canceling statement due to statement timeout',
    explanation:
      'The statement would have run until the node was killed (an endless loop or recursion, a real sleep, a huge series), so the console cancelled it before it started, as statement_timeout would in PostgreSQL.',
  },
  runaway_statement: {
    severity: 'FATAL',
    message: 'terminating connection due to a runaway statement',
    explanation:
      'A statement ran past the real-time watchdog; the node was killed and recovered from its last checkpoint, redoing the writes committed since.',
  },
  unknown_node: {
    severity: 'ERROR',
    message: 'no such node',
    explanation: 'The command names a node that is not in the topology.',
  },
  invalid_command: {
    severity: 'ERROR',
    message: 'invalid command',
    explanation: 'The command is not one the simulation knows, or one of its values is missing or out of range; nothing was changed.',
  },
  command_refused: {
    severity: 'ERROR',
    message: 'command refused',
    explanation: 'The simulation cannot do this now (a replica to promote that is not one, a server to start that is running ...); nothing was changed.',
  },
  workload_backlog: {
    severity: 'ERROR',
    message: 'request dropped: max_in_flight requests already outstanding',
    explanation: 'Open loop: requests arrive faster than the system answers; the backlog reached max_in_flight.',
  },
  no_route: {
    severity: 'ERROR',
    message: 'no database node to send this statement to',
    explanation: 'The app node has no edge to a database node that can serve this request.',
  },
  cache_error: {
    severity: 'ERROR',
    message: 'Connection is closed.',
    explanation:
      "The app's Redis call failed (the server is down or closed the connection) and the seed's CacheService does not catch it: the request fails. cache_suppress_l2_errors on (BentoCache's suppressL2Errors) answers from the database instead.",
  },
  // Sharding (sim/sharding/, the app's ShardRouter).
  cross_shard_transaction: {
    sqlstate: '0A000',
    severity: 'ERROR',
    message: 'transaction touches more than one shard',
    explanation:
      'The statements of this transaction (or this write without a shard key) need rows on two shards; each shard is its own PostgreSQL and commits alone, so the router refuses it (single-shard transactions, as Vitess by default).',
  },
  scatter_not_mergeable: {
    sqlstate: '0A000',
    severity: 'ERROR',
    message: 'cannot merge this statement across shards',
    explanation: 'The statement has no shard key, so it would run on every shard, and its result cannot be put together correctly from the shards\' results here.',
  },
  no_shard_for_key: {
    severity: 'ERROR',
    message: 'no shard holds this key',
    explanation: 'The shard map sends this key to no shard (a geography region without a shard of its own and no default_shard).',
  },
  // Replication and its faults (sim/replication/).
  serialization_failure: {
    sqlstate: '40001',
    severity: 'ERROR',
    message: 'canceling statement due to conflict with recovery',
    explanation:
      'A query on a replica conflicted with the replay of a change from the primary (rows it might need were removed, or a lock was needed) and max_standby_streaming_delay ran out.',
  },
  admin_shutdown: {
    sqlstate: '57P01',
    severity: 'FATAL',
    message: 'terminating connection due to administrator command',
    explanation: 'The server was shut down (stopped) while this connection was open.',
  },
  connection_failure: {
    sqlstate: '08006',
    severity: 'FATAL',
    message: 'server closed the connection unexpectedly',
    explanation: 'The server died (it was killed or its machine failed): every connection to it broke.',
  },
  sqlclient_unable_to_establish_sqlconnection: {
    sqlstate: '08001',
    severity: 'FATAL',
    message: 'connection to server failed: Connection refused',
    explanation: 'Nothing accepts connections on that server: it is stopped or dead.',
  },
  cannot_set_read_write: {
    sqlstate: '0A000',
    severity: 'ERROR',
    message: 'cannot set transaction read-write mode during recovery',
    explanation: 'A replica is in recovery: its transactions are read-only whatever the session asks.',
  },
  // PgBouncer 1.2x: a pooler error closes the client connection (FATAL, SQLSTATE 08P01) with these texts.
  max_client_conn: {
    sqlstate: '08P01',
    severity: 'FATAL',
    message: 'no more connections allowed (max_client_conn)',
    explanation: 'PgBouncer already has max_client_conn client connections; a new one is refused.',
  },
  query_wait_timeout: {
    sqlstate: '08P01',
    severity: 'FATAL',
    message: 'query_wait_timeout',
    explanation: 'The client waited longer than query_wait_timeout for a server connection and PgBouncer closed it.',
  },
  query_timeout: {
    sqlstate: '08P01',
    severity: 'FATAL',
    message: 'query_timeout',
    explanation: 'The query ran (or waited) longer than query_timeout: PgBouncer closed its server connection and the client.',
  },
  client_idle_timeout: {
    sqlstate: '08P01',
    severity: 'FATAL',
    message: 'client_idle_timeout',
    explanation: 'The client connection stayed idle longer than client_idle_timeout and PgBouncer closed it.',
  },
  idle_transaction_timeout: {
    sqlstate: '08P01',
    severity: 'FATAL',
    message: 'idle transaction timeout',
    explanation: 'The client stayed idle inside a transaction longer than idle_transaction_timeout: PgBouncer closed it and its server.',
  },
  server_login_retry: {
    sqlstate: '08P01',
    severity: 'FATAL',
    message: 'server login has been failing, cached error: sorry, too many clients already (server_login_retry)',
    explanation:
      'PgBouncer could not log in to the database (the cached error is the server\'s) and has no server connection in this pool; until server_login_retry passes, clients are refused at once. Older PgBouncer versions said: server login has been failing, try again later (server_login_retry).',
  },
  statement_pooling_transaction: {
    sqlstate: '08P01',
    severity: 'FATAL',
    message: 'transaction blocks not allowed in statement pooling mode',
    explanation: 'In statement mode a server goes back to the pool after each statement, so PgBouncer refuses BEGIN and closes the client.',
  },
  pooler_connection_closed: {
    sqlstate: '08P01',
    severity: 'FATAL',
    message: 'server conn crashed?',
    explanation: 'The server connection this client was using closed under it (the database crashed, RECONNECT, KILL ...).',
  },
  pgbouncer_admin: {
    sqlstate: '08P01',
    severity: 'ERROR',
    message: 'invalid command',
    explanation: "PgBouncer's admin console only speaks its own commands (SHOW POOLS, PAUSE, SET ...), not SQL.",
  },
  pgbouncer_config: {
    severity: 'ERROR',
    message: 'invalid configuration',
    explanation: 'The pgbouncer.ini has a key PgBouncer does not know, or a value it does not accept; nothing was changed.',
  },
} as const satisfies Record<string, CatalogueEntry>;

export type CatalogueCode = keyof typeof ERROR_CATALOGUE;

export function simError(code: CatalogueCode, extra: Partial<SimError> = {}): SimError {
  const e: CatalogueEntry = ERROR_CATALOGUE[code];
  return { code, sqlstate: e.sqlstate, severity: e.severity, message: e.message, explanation: e.explanation, ...extra };
}

/** PostgreSQL's condition names for the SQLSTATEs a workload meets most (errcodes.txt). */
const CONDITION_NAMES: Record<string, string> = {
  '22001': 'string_data_right_truncation',
  '22003': 'numeric_value_out_of_range',
  '22012': 'division_by_zero',
  '22P02': 'invalid_text_representation',
  '23502': 'not_null_violation',
  '23503': 'foreign_key_violation',
  '23505': 'unique_violation',
  '23514': 'check_violation',
  '25001': 'active_sql_transaction',
  '25006': 'read_only_sql_transaction',
  '25P02': 'in_failed_sql_transaction',
  '40001': 'serialization_failure',
  '40P01': 'deadlock_detected',
  '42501': 'insufficient_privilege',
  '42601': 'syntax_error',
  '42703': 'undefined_column',
  '42804': 'datatype_mismatch',
  '42883': 'undefined_function',
  '42P01': 'undefined_table',
  '42P07': 'duplicate_table',
  '42710': 'duplicate_object',
  '53100': 'disk_full',
  '53200': 'out_of_memory',
  '53300': 'too_many_connections',
  '54001': 'statement_too_complex',
  '55P03': 'lock_not_available',
  '57014': 'query_canceled',
  '57P01': 'admin_shutdown',
  '57P02': 'crash_shutdown',
  '57P03': 'cannot_connect_now',
  '08006': 'connection_failure',
  '0A000': 'feature_not_supported',
  XX000: 'internal_error',
};

/** The condition name for a SQLSTATE, or the SQLSTATE itself when it is not in the table. */
export function conditionName(sqlstate: string | undefined): string {
  if (!sqlstate) return 'internal_error';
  return CONDITION_NAMES[sqlstate] ?? sqlstate;
}
