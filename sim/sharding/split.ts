/**
 * Each shard's data directory: the scenario's data snapshot with the rows of the other shards deleted,
 * by the same routing function the app uses (`shardLocator`), so a shard's PGlite holds exactly its rows.
 * Distributed tables are split by their column (orders follow their user by `user_id`); reference tables
 * stay whole on every shard. A shard's replicas boot from the shard's snapshot, as a base backup of it.
 *
 * The split runs once per data set and shard map (cached like the data snapshot, by what made it).
 *
 * Sequences: every shard starts from the whole data set's sequences, so a serial column of a distributed
 * table (orders.id) would make the same ids on every shard. The split interleaves them, as MySQL's
 * auto_increment_increment / auto_increment_offset and sharded PostgreSQL setups do with
 * `ALTER SEQUENCE ... INCREMENT BY n`: with n shard nodes (spare ones included), node i's sequences go on
 * from the data set's next value in steps of n at the values ≡ i (mod n). Ids stay unique across shards,
 * and across a reshard (it moves rows between the same nodes, which keep their sequences).
 */
import { hash32 } from '../core/rng.ts';
import type { DbEngine, EngineFactory } from '../engine/DbEngine.ts';
import type { RunReply } from '../engine/protocol.ts';
import { ENGINE_CONF, expectOk } from '../engine/snapshots.ts';
import { keyOf } from './keys.ts';
import { type ShardMap, shardLocator, shardNodes } from './shardMap.ts';

/** What a shard's snapshot holds beyond the split rows: bumped when it changes, as a disk cache keeps old snapshots. */
const SPLIT_VERSION = 'seq-interleaved';

/** A text[] literal of `values` (each quoted, `"` and `\` escaped). */
export function textArrayLiteral(values: readonly string[]): string {
  return `{${values.map((v) => `"${v.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`).join(',')}}`;
}

export interface ShardSnapshot {
  tar: Uint8Array;
  /** Rows of each distributed table the shard holds (rows with a NULL key are not counted). */
  rows: Record<string, number>;
}

/** The result of one statement on an engine (an error throws, naming `what`). */
async function query(engine: DbEngine, what: string, sql: string, params: unknown[] = []): Promise<unknown[][]> {
  const r = (await engine.request({ op: 'run', statements: [{ sql, params }], transaction: false, maxRows: Number.MAX_SAFE_INTEGER })) as RunReply;
  if (r.error) throw new Error(`${what}: ${r.error.message}`);
  return r.results[0]?.rows ?? [];
}

/**
 * The serial columns' sequences of the distributed tables on shard node `index` of `count`: from the next value
 * the data set would give, every `count`-th value, those ≡ `index` (mod `count`).
 */
async function interleaveSequences(engine: DbEngine, map: ShardMap, index: number, count: number): Promise<void> {
  const what = 'interleaving the sequences';
  const sequences = await query(
    engine,
    what,
    `SELECT pg_get_serial_sequence(format('%I', table_name), column_name) FROM information_schema.columns
      WHERE table_schema = 'public' AND table_name = ANY($1::text[]) AND pg_get_serial_sequence(format('%I', table_name), column_name) IS NOT NULL
      ORDER BY table_name, column_name`,
    [textArrayLiteral(map.tables.map((t) => t.table))],
  );
  for (const [seq] of sequences) {
    const [[last, called]] = await query(engine, what, `SELECT last_value, is_called FROM ${seq}`);
    const next = BigInt(String(last)) + (called ? 1n : 0n);
    const n = BigInt(count);
    const start = next + ((((BigInt(index) - next) % n) + n) % n);
    await query(engine, what, `ALTER SEQUENCE ${seq} INCREMENT BY ${count} RESTART WITH ${start}`);
  }
}

/**
 * The snapshot of every shard of `map`, from `data` (the snapshot made by `setupSql`). Tables are emptied of
 * other shards' rows last declared first, so a table that references an earlier one (orders -> users) is
 * split before it.
 */
export async function shardSnapshots(factory: EngineFactory, data: Uint8Array, setupSql: string, map: ShardMap): Promise<Map<string, ShardSnapshot>> {
  const out = new Map<string, ShardSnapshot>();
  const made = `${SPLIT_VERSION}-${hash32(setupSql).toString(16)}-${setupSql.length}-${hash32(JSON.stringify(map)).toString(16)}-${hash32(ENGINE_CONF.join()).toString(16)}`;
  const locate = shardLocator(map);
  // a spare shard is never a key's shard: it keeps the reference tables and no distributed row
  const nodes = shardNodes(map);
  for (const [index, shard] of nodes.entries()) {
    const key = `shard-${made}-${shard}`;
    const cached = await factory.loadSnapshot(key);
    const cachedRows = await factory.loadSnapshot(`${key}-rows`);
    if (cached && cachedRows) {
      out.set(shard, { tar: cached, rows: JSON.parse(new TextDecoder().decode(cachedRows)) });
      continue;
    }
    const rows: Record<string, number> = {};
    const engine = await factory.create({ snapshot: data, postgresqlConf: ENGINE_CONF, name: `split-${shard}` });
    try {
      for (const { table, column } of [...map.tables].reverse()) {
        const what = `splitting ${table} by ${column}`;
        const keys = await query(engine, what, `SELECT ${column}::text, count(*) FROM ${table} WHERE ${column} IS NOT NULL GROUP BY 1 ORDER BY 1`);
        const others: string[] = [];
        rows[table] = 0;
        for (const [k, n] of keys) {
          if (locate(keyOf(map.key_type, k)).shard === shard) rows[table] += Number(n);
          else others.push(String(k));
        }
        if (others.length === 0) continue;
        await query(engine, what, `DELETE FROM ${table} WHERE ${column}::text = ANY($1::text[])`, [textArrayLiteral(others)]);
      }
      await interleaveSequences(engine, map, index, nodes.length);
      // the deleted rows' space back, and fresh statistics: the shard's size and plans are its own
      for (const sql of ['VACUUM FULL', 'ANALYZE', 'CHECKPOINT']) expectOk(await engine.request({ op: 'exec', sql }), `splitting for ${shard}`);
      const tar = ((await engine.request({ op: 'dump' })) as { tar: Uint8Array }).tar;
      await factory.saveSnapshot(key, tar);
      await factory.saveSnapshot(`${key}-rows`, new TextEncoder().encode(JSON.stringify(rows)));
      out.set(shard, { tar, rows });
    } finally {
      await engine.close();
    }
  }
  return out;
}
