/**
 * Every term the app shows (badges, charts, lesson text, settings), in a sentence or two for a student,
 * with the real system's name. Lesson text links an inline `term` here; badge tooltips quote it.
 */
export interface GlossaryEntry {
  term: string;
  /** Other spellings that mean this entry (matched case-insensitively). */
  aliases?: string[];
  text: string;
}

export const GLOSSARY: GlossaryEntry[] = [
  { term: 'primary', text: 'The PostgreSQL server that takes the writes. Its WAL is streamed to its replicas.' },
  { term: 'replica', aliases: ['read replica', 'standby', 'replica1', 'replica2'], text: 'A PostgreSQL server that replays the primary\'s WAL and answers reads only (hot standby). What it shows may be a little behind the primary: see replay_lag.' },
  { term: 'WAL', aliases: ['write-ahead log', 'WAL stream'], text: 'The write-ahead log: every change is written here first. Replication ships it from the primary to the replicas.' },
  { term: 'walsender', text: 'The primary\'s process that streams WAL to one replica; one row of pg_stat_replication each.' },
  { term: 'walreceiver', text: 'The replica\'s process that receives WAL from the primary; pg_stat_wal_receiver shows it.' },
  { term: 'replay_lag', aliases: ['write_lag', 'flush_lag'], text: 'pg_stat_replication\'s time between the primary committing a write and the replica having replayed it (write_lag: written, flush_lag: flushed to disk). A read on the replica in that window is stale.' },
  { term: 'stale read', aliases: ['stale reads', 'stale'], text: 'A read on a replica that returns data older than a write the primary had already committed: the replica had not replayed it yet.' },
  { term: 'read-your-writes', aliases: ['consistency.rywViolations', 'ryw violations'], text: 'A user reads what they just wrote. A stale read of your own write is a read-your-writes violation; read_policy read-your-writes sends a user\'s reads to the primary for a while after they write.' },
  { term: 'read_policy', aliases: ['read_policy: random'], text: 'The app\'s DatabaseRouter setting: where reads go (random among replicas, round-robin, the least lagging, or read-your-writes).' },
  { term: 'DatabaseRouter', text: 'The part of the app (as in the seed\'s code) that sends writes to the primary and reads to replicas by read_policy.' },
  { term: 'PgBouncer', aliases: ['pgbouncer'], text: 'A connection pooler: many client connections share a few server connections to PostgreSQL.' },
  { term: 'pool_mode', aliases: ['session', 'transaction', 'statement'], text: 'When PgBouncer gives a server connection back to the pool: at the client\'s disconnect (session), at the end of each transaction (transaction), or after each statement (statement). Transaction mode shares servers best but breaks session state (SET, LISTEN, PREPARE).' },
  { term: 'default_pool_size', aliases: ['pool_size'], text: 'How many server connections PgBouncer opens per database and user. Clients beyond it wait (cl_waiting).' },
  { term: 'max_connections', text: 'PostgreSQL\'s limit of backends. Past it, a new connection is refused: "FATAL: sorry, too many clients already".' },
  { term: 'superuser_reserved_connections', text: 'Connections of max_connections kept for superusers, so an administrator can still log in when the others are used.' },
  { term: 'sorry, too many clients already', aliases: ['too many clients'], text: 'PostgreSQL\'s error (SQLSTATE 53300) when max_connections backends are in use. A pooler in front prevents it.' },
  { term: 'SHOW POOLS', aliases: ['SHOW POOLS;'], text: 'PgBouncer\'s admin command: one row per pool with cl_active, cl_waiting, sv_active, sv_idle, maxwait.' },
  { term: 'cl_active', text: 'SHOW POOLS: client connections linked to a server connection (or idle with none needed).' },
  { term: 'cl_waiting', text: 'SHOW POOLS: client connections waiting for a server connection. Above 0 for long, the pool is too small.' },
  { term: 'sv_active', text: 'SHOW POOLS: server connections in use by a client.' },
  { term: 'sv_idle', text: 'SHOW POOLS: server connections open and ready to be used.' },
  { term: 'maxwait', text: 'SHOW POOLS: how long the oldest waiting client has waited, in seconds.' },
  { term: 'server_login_retry', text: 'After a failed server login (a database that is down), PgBouncer waits this long (15 s) before trying again.' },
  { term: 'pg_stat_activity', aliases: ['active', 'idle', 'state'], text: 'One row per backend: who is connected, its state (active, idle, idle in transaction) and the query it runs.' },
  { term: 'pg_stat_replication', text: 'On the primary, one row per walsender: each replica\'s state and its write_lag, flush_lag and replay_lag.' },
  { term: 'q/s', text: 'Statements a database node (or a pooler) ran in the last simulated second.' },
  { term: 'req/s', aliases: ['requests/s', 'throughput'], text: 'Requests the app completed (or failed) in the last simulated second: its throughput.' },
  { term: 'p50', aliases: ['p95', 'p99', 'latency'], text: 'Latency percentiles: p95 is the time 95 % of requests took at most. p99 shows the slow tail users notice.' },
  { term: 'cpu', aliases: ['cores'], text: 'How busy a node\'s cores were in the last second. Near 100 % the node is the bottleneck: queries queue for a core.' },
  { term: 'conn', text: 'A database node\'s backends (connections) out of max_connections.' },
  { term: 'pool', text: 'The app\'s own connection pool (as node-postgres\' Pool): open connections, all app instances.' },
  { term: 'wait', text: 'Requests in the app waiting for a connection of its pool: the pool or the database behind it cannot keep up.' },
  { term: 'err', aliases: ['errors/s'], text: 'Failed statements or requests. Their messages are in Events and in the badge\'s tooltip.' },
  { term: 'promote', aliases: ['failover'], text: 'Turning a replica into the primary (pg_promote()) when the primary is lost. Writes it never received are lost with an asynchronous replica.' },
  { term: 're-point', aliases: ['repoint', 'VIP'], text: 'After a failover, clients must reach the new primary: real setups move a virtual IP, a DNS name or an HAProxy backend. Here, Re-point moves the link.' },
  { term: 'synchronous_commit', text: 'Whether a commit waits for a replica to have the WAL too (on, remote_apply ...): no lost writes at failover, slower commits.' },
  { term: 'shared_buffers', aliases: ['work_mem', 'ram'], text: 'PostgreSQL\'s memory: shared_buffers caches table pages for everyone; work_mem is per sort or hash.' },
  { term: 'the seed', aliases: ['seed document'], text: 'seed/database-scaling-patterns.md: the guide this app teaches, pattern by pattern, with its code and monitoring queries.' },
  { term: 'seed', text: 'The run\'s random seed (toolbar): the same scenario with the same seed gives the same run, bit for bit.' },
  { term: 'simulated seconds', aliases: ['virtual time', 't'], text: 'Time inside the simulation. It runs at 1x, 10x or as fast as this machine can; the toolbar shows the rate really achieved.' },
  { term: 'real time', aliases: ['real-time rate'], text: 'Simulated seconds per real second actually achieved. Below the chosen speed, the machine cannot keep up with this topology (every statement runs on a real engine).' },
  { term: 'PGlite', text: 'Real PostgreSQL compiled to WebAssembly: every database node runs one, so rows, plans and errors are real.' },
  { term: 'bottleneck', text: 'The resource that limits the whole system now: the busiest cores, a full pool, connections at their limit, or a replica far behind.' },
];

function key(s: string): string {
  return s.trim().toLowerCase();
}

const index = new Map<string, GlossaryEntry>();
for (const e of GLOSSARY) for (const k of [e.term, ...(e.aliases ?? [])]) if (!index.has(key(k))) index.set(key(k), e);

/** The entry a word or an inline code span of the app names, if any. */
export function lookup(term: string): GlossaryEntry | undefined {
  return index.get(key(term));
}

/** A badge's tooltip with its glossary sentence after it. */
export function withGlossary(title: string, term: string): string {
  const e = lookup(term);
  return e ? `${title}\n\n${e.term}: ${e.text}` : title;
}
