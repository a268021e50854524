/**
 * A stand-in for PGlite in model tests (test/sim/TestSim.ts), where what a statement does to real rows
 * does not matter: connections, pools, queues, links, replication streams. It runs no SQL. The app and
 * the CLI never use it: their factories boot real PGlite (engine/node/platform.ts, engine/web/).
 *
 * It answers every request at once, deterministically, in the order asked:
 * - `run`: every statement succeeds. A query or a write reports 1 row, anything else 0, with no row
 *   values, except `pg_current_wal_lsn()` (an LSN that grows by WAL_BYTES_PER_WRITE for each write
 *   statement this engine ran) and `pg_database_size()` (the configured `databaseBytes`).
 * - `profile`: a query is an Index Scan of 1 row through 3 shared buffers; a write is that scan under a
 *   ModifyTable touching 1 more buffer, with 1 WAL record. The cost model (nodes/postgres/costModel.ts)
 *   makes that 25.95 µs of CPU for a query and 27.75 µs for a write, plus cache misses when
 *   `databaseBytes` is over shared_buffers. `pg_sleep(x)`, with a literal or a `$n` argument, reports
 *   x seconds slept, so a sleep is service time as on the real engine. Other statements have no plan.
 * - `console`: feature_not_supported, saying that the stand-in runs no SQL.
 * - `exec` succeeds and `dump` is an empty tar, so the data snapshot (snapshots.ts) is built as usual.
 */
import { type DbEngine, EngineDeadError, type EngineFactory } from './DbEngine.ts';
import type { ConsoleReply, EngineReply, EngineRequest, EngineStatement, ProfileReply, RunReply, StatementResult } from './protocol.ts';

export interface StandInOptions {
  /** What pg_database_size() answers (default 16 MB: the default shared_buffers holds it all). */
  databaseBytes?: number;
}

/** WAL bytes a write statement adds (a small heap record and its commit record). */
export const WAL_BYTES_PER_WRITE = 96;
/** The WAL position of a freshly booted stand-in. */
const START_LSN = 0x0100_0000;

const QUERY = /^\s*(\(?\s*select|with|values|table)\b/i;
const WRITE = /^\s*(insert|update|delete|merge)\b|^\s*with\b[\s\S]*\b(insert|update|delete|merge)\b/i;

const INDEX_SCAN = { 'Node Type': 'Index Scan', 'Actual Rows': 1, 'Actual Loops': 1, 'Shared Hit Blocks': 3 };
const QUERY_PLAN = [{ Plan: INDEX_SCAN }];
const WRITE_PLAN = [{ Plan: { 'Node Type': 'ModifyTable', 'Actual Rows': 0, 'Actual Loops': 1, 'Shared Hit Blocks': 4, 'WAL Records': 1, Plans: [INDEX_SCAN] } }];

const lsnText = (n: number) => `${Math.floor(n / 2 ** 32).toString(16).toUpperCase()}/${(n % 2 ** 32).toString(16).toUpperCase()}`;

export class StandInEngine implements DbEngine {
  private dead = false;
  private lsn = START_LSN;

  constructor(
    readonly name: string,
    private readonly databaseBytes: number,
  ) {}

  get alive(): boolean {
    return !this.dead;
  }

  async request(req: EngineRequest): Promise<EngineReply> {
    if (this.dead) throw new EngineDeadError(this.name, 'closed');
    switch (req.op) {
      case 'run':
        return { results: req.statements.map((s) => this.run(s)) } satisfies RunReply;
      case 'profile':
        return { statements: req.statements.map((s) => ({ plan: planOf(s.sql), sleptSeconds: sleptSeconds(s) })) } satisfies ProfileReply;
      case 'console':
        return {
          error: {
            sqlstate: '0A000',
            severity: 'ERROR',
            message: 'the stand-in engine runs no SQL',
            hint: "This simulation runs on the model tests' stand-in engine; start it with { engine: 'pglite' } to run SQL.",
          },
          sleptSeconds: 0,
        } satisfies ConsoleReply;
      case 'exec':
        return {};
      case 'dump':
        return { tar: new Uint8Array(0) };
      case 'memory':
        return { memory: { wasmBytes: 0, relations: { held: 0, used: 0 }, wal: { held: 0, used: 0 }, other: { held: 0, used: 0 }, unlinkedOpen: { held: 0, used: 0 }, sharedBytes: 0 } };
    }
  }

  private run(s: EngineStatement): StatementResult {
    if (/\bpg_current_wal_lsn\s*\(/i.test(s.sql)) return { command: 'SELECT', rowCount: 1, columns: ['pg_current_wal_lsn'], rows: [[lsnText(this.lsn)]] };
    if (/\bpg_database_size\s*\(/i.test(s.sql)) return { command: 'SELECT', rowCount: 1, columns: ['pg_database_size'], rows: [[this.databaseBytes]] };
    const command = /^\s*\(?\s*([a-z]+)/i.exec(s.sql)?.[1].toUpperCase();
    if (WRITE.test(s.sql)) {
      this.lsn += WAL_BYTES_PER_WRITE;
      return { command, rowCount: 1 };
    }
    return { command, rowCount: QUERY.test(s.sql) ? 1 : 0 };
  }

  kill(): void {
    this.dead = true;
  }

  async close(): Promise<void> {
    this.dead = true;
  }
}

function planOf(sql: string): unknown | null {
  if (WRITE.test(sql)) return WRITE_PLAN;
  return QUERY.test(sql) ? QUERY_PLAN : null;
}

/** Seconds of every pg_sleep(literal) and pg_sleep($n) in the statement. */
function sleptSeconds(s: EngineStatement): number {
  let total = 0;
  for (const m of s.sql.matchAll(/\bpg_sleep\s*\(\s*(?:\$(\d+)|([\d.]+))\s*\)/gi)) {
    total += Math.max(0, Number(m[1] ? s.params?.[Number(m[1]) - 1] : m[2]) || 0);
  }
  return total;
}

/** Stand-in engines for model tests: nothing cached, nothing booted, no SQL run. */
export function standInEngineFactory(options: StandInOptions = {}): EngineFactory {
  const databaseBytes = options.databaseBytes ?? 16 * 1024 * 1024;
  return {
    kind: 'in-process',
    create: async (o) => new StandInEngine(o.name, databaseBytes),
    initdb: async () => new StandInEngine('initdb', databaseBytes),
    loadSnapshot: async () => undefined,
    saveSnapshot: async () => undefined,
  };
}
