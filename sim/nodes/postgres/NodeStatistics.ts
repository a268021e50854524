/**
 * A node's buffer cache and the statistics it feeds: the data set's relations (their real sizes, times the
 * data set's scale), the two caches (bufferCache.ts), the block counters of pg_statio_* and
 * pg_stat_database, and pg_stat_statements (monitoring/statistics.ts shows them in the console).
 */
import type { DbEngine } from '../../engine/DbEngine.ts';
import type { RunReply } from '../../engine/protocol.ts';
import { virtualTimestamp } from '../../monitoring/activity.ts';
import { buffercacheJson } from '../../monitoring/buffercache.ts';
import { type BlockCounts, type DatabaseFigures, refreshStatisticsSql, type StatementFigures } from '../../monitoring/statistics.ts';
import { memoryBytes } from '../../scenario/settings.ts';
import type { Skew } from '../../workload/operations.ts';
import { type Access, BufferCache, pagesIn } from './bufferCache.ts';
import { type Blocks, PAGE_BYTES, type StatementProfile } from './costModel.ts';
import type { PostgresSettings } from './settings.ts';

/** What the OS keeps for itself and the processes (the page cache gets the rest of RAM). */
export const OS_RESERVED_BYTES = 512 * 1024 * 1024;

/** The data set's relations and their sizes, and the database's, in one statement. */
const SIZES_SQL = `SELECT c.relname::text, pg_relation_size(c.oid)::float8, i.indrelid::regclass::text
  FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
  LEFT JOIN pg_catalog.pg_index i ON i.indexrelid = c.oid
  WHERE n.nspname = 'public' AND c.relkind IN ('r', 'i', 'm')
  UNION ALL SELECT NULL, pg_database_size(current_database())::float8, NULL`;

const UNIFORM: Skew = { kind: 'uniform' };

export class NodeStatistics {
  /** Bytes of the database (real) and of each relation (times the scale). */
  databaseBytes = 0;
  private readonly indexTable = new Map<string, string>();
  readonly cache: BufferCache;
  /** The data set's tables (and materialized views) as last measured. */
  tables: ReadonlySet<string> = new Set();
  /** Pages of each relation of the data set, times the scale. */
  relationPages: ReadonlyMap<string, number> = new Map();
  private relations = new Map<string, BlockCounts>();
  private statements = new Map<string, StatementFigures>();
  private database: DatabaseFigures = { numbackends: 0, xact_commit: 0, xact_rollback: 0, blks_read: 0, blks_hit: 0, temp_files: 0, temp_bytes: 0 };
  /** Hits and reads of the last and current second, for the charts. */
  private second = { hit: 0, read: 0 };
  lastSecondHitRatio: number | undefined;

  constructor(
    settings: PostgresSettings,
    private readonly scale: number,
  ) {
    this.cache = new BufferCache(new Map(), ...NodeStatistics.memoryPages(settings));
  }

  /** shared_buffers and the OS page cache, in pages. */
  static memoryPages(s: PostgresSettings): [number, number] {
    const shared = memoryBytes(s.shared_buffers, '8kB');
    return [shared / PAGE_BYTES, Math.max(0, memoryBytes(s.ram, 'MB') - shared - OS_RESERVED_BYTES) / PAGE_BYTES];
  }

  /** Measures the relations on the engine (at boot, then every 10 simulated seconds); `apply` takes the answer in. */
  static measure(engine: DbEngine): Promise<RunReply> {
    return engine.request({ op: 'run', statements: [{ sql: SIZES_SQL }], transaction: false, maxRows: 10_000 }) as Promise<RunReply>;
  }

  /** Takes a measurement in, at a virtual time of the caller's choosing (so it is deterministic). */
  apply(r: RunReply): void {
    const pages = new Map<string, number>();
    for (const [name, bytes, table] of (r.results[0]?.rows ?? []) as [string | null, number, string | null][]) {
      if (name === null) this.databaseBytes = Number(bytes);
      else {
        pages.set(name, pagesIn(Number(bytes)) * this.scale);
        if (table) this.indexTable.set(name, table);
      }
    }
    this.relationPages = pages;
    this.tables = new Set([...pages.keys()].filter((name) => !this.indexTable.has(name)));
    this.cache.resize(pages);
  }

  /** Where each access of a statement of an operation keyed by `skew` is found; the accesses join the mix first. */
  hits(p: StatementProfile, skew: Skew | undefined): (a: Access) => ReturnType<BufferCache['hits']> {
    const k = skew ?? UNIFORM;
    this.cache.record(p.accesses, k);
    return (a) => this.cache.hits(a, k);
  }

  /** Counts an execution's blocks (its service's draw). */
  blocks(b: Blocks): void {
    this.database.blks_hit += b.hit;
    this.database.blks_read += b.read;
    this.second.hit += b.hit;
    this.second.read += b.read;
    for (const r of b.byRelation) {
      const c = this.relations.get(r.relation) ?? { hit: 0, read: 0 };
      c.hit += r.hit;
      c.read += r.read;
      this.relations.set(r.relation, c);
    }
  }

  /** `done`, counting the statement when it completes without an error (pg_stat_statements leaves failed ones out). */
  counting<R extends { ok: boolean }>(done: (r: R) => void, sql: string, p: StatementProfile, b: Blocks, elapsedUs: () => number): (r: R) => void {
    return (r) => {
      if (r.ok) this.statement(sql, elapsedUs(), p, b);
      done(r);
    };
  }

  private statement(sql: string, elapsedUs: number, p: StatementProfile, b: Blocks): void {
    const ms = elapsedUs / 1000;
    const s = this.statements.get(sql) ?? { calls: 0, totalMs: 0, minMs: ms, maxMs: ms, sumSquaresMs: 0, rows: 0, hit: 0, read: 0, tempRead: 0, tempWritten: 0, walRecords: 0 };
    s.calls++;
    s.totalMs += ms;
    s.minMs = Math.min(s.minMs, ms);
    s.maxMs = Math.max(s.maxMs, ms);
    s.sumSquaresMs += ms * ms;
    s.rows += p.rowsOut;
    s.hit += b.hit;
    s.read += b.read;
    s.tempRead += Math.round(p.tempPages / 2);
    s.tempWritten += Math.round(p.tempPages / 2);
    s.walRecords += p.walRecords;
    this.statements.set(sql, s);
    if (p.tempPages > 0) {
      this.database.temp_files++;
      this.database.temp_bytes += Math.round(p.tempPages / 2) * PAGE_BYTES;
    }
  }

  transactionEnded(committed: boolean): void {
    if (committed) this.database.xact_commit++;
    else this.database.xact_rollback++;
  }

  /** Once a simulated second: the cache's mix ages, the last second's hit ratio is kept for the charts. */
  tick(): void {
    this.cache.tick();
    const { hit, read } = this.second;
    this.lastSecondHitRatio = hit + read > 0 ? hit / (hit + read) : this.lastSecondHitRatio;
    this.second = { hit: 0, read: 0 };
  }

  /** shared_buffers' hit ratio since the start (what the usual blks_hit / (blks_hit + blks_read) query says). */
  get hitRatio(): number | undefined {
    const { blks_hit: hit, blks_read: read } = this.database;
    return hit + read > 0 ? hit / (hit + read) : undefined;
  }

  /**
   * SQL setting what pg_statio_*, pg_stat_database, pg_stat_statements and pg_buffercache show now.
   * @param buffers shared_buffers in buffers, the statements running now (each pins a buffer), and the
   *   pages written since the last checkpoint (its WAL records: what is dirty in shared_buffers).
   */
  refreshSql(backends: number, buffers: { nbuffers: number; running: number; written: number }): string {
    const held = buffercacheJson(this.cache.contents(buffers.written), buffers.nbuffers, buffers.running);
    return refreshStatisticsSql(this.relations, this.indexTable, { ...this.database, numbackends: backends }, this.statements, virtualTimestamp(0), held);
  }
}
