/**
 * Each shard's data directory: the scenario's data snapshot with the rows of the other shards deleted,
 * by the same routing function the app uses (`shardLocator`), so a shard's PGlite holds exactly its rows.
 * Distributed tables are split by their column (orders follow their user by `user_id`); reference tables
 * stay whole on every shard. A shard's replicas boot from the shard's snapshot, as a base backup of it.
 *
 * The split runs once per data set and shard map (cached like the data snapshot, by what made it).
 * Sequences are not split: a bigserial goes on from the whole data set's value on every shard, so ids made
 * by two shards can be equal (Citus makes them unique with a shard-id prefix; the seed's router does not).
 */
import { hash32 } from '../core/rng.ts';
import type { EngineFactory } from '../engine/DbEngine.ts';
import type { RunReply } from '../engine/protocol.ts';
import { ENGINE_CONF, expectOk } from '../engine/snapshots.ts';
import { keyOf } from './keys.ts';
import { type ShardMap, shardLocator, shardNodes } from './shardMap.ts';

/** A text[] literal of `values` (each quoted, `"` and `\` escaped). */
export function textArrayLiteral(values: readonly string[]): string {
  return `{${values.map((v) => `"${v.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`).join(',')}}`;
}

export interface ShardSnapshot {
  tar: Uint8Array;
  /** Rows of each distributed table the shard holds (rows with a NULL key are not counted). */
  rows: Record<string, number>;
}

/**
 * The snapshot of every shard of `map`, from `data` (the snapshot made by `setupSql`). Tables are emptied of
 * other shards' rows last declared first, so a table that references an earlier one (orders -> users) is
 * split before it.
 */
export async function shardSnapshots(factory: EngineFactory, data: Uint8Array, setupSql: string, map: ShardMap): Promise<Map<string, ShardSnapshot>> {
  const out = new Map<string, ShardSnapshot>();
  const made = `${hash32(setupSql).toString(16)}-${setupSql.length}-${hash32(JSON.stringify(map)).toString(16)}-${hash32(ENGINE_CONF.join()).toString(16)}`;
  const locate = shardLocator(map);
  // a spare shard is never a key's shard: it keeps the reference tables and no distributed row
  for (const shard of shardNodes(map)) {
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
        const keys = (await engine.request({
          op: 'run',
          statements: [{ sql: `SELECT ${column}::text, count(*) FROM ${table} WHERE ${column} IS NOT NULL GROUP BY 1 ORDER BY 1` }],
          transaction: false,
          maxRows: Number.MAX_SAFE_INTEGER,
        })) as RunReply;
        if (keys.error) throw new Error(`splitting ${table} by ${column}: ${keys.error.message}`);
        const others: string[] = [];
        rows[table] = 0;
        for (const [k, n] of keys.results[0]?.rows ?? []) {
          if (locate(keyOf(map.key_type, k)).shard === shard) rows[table] += Number(n);
          else others.push(String(k));
        }
        if (others.length === 0) continue;
        const del = (await engine.request({
          op: 'run',
          statements: [{ sql: `DELETE FROM ${table} WHERE ${column}::text = ANY($1::text[])`, params: [textArrayLiteral(others)] }],
          transaction: false,
        })) as RunReply;
        if (del.error) throw new Error(`splitting ${table} by ${column}: ${del.error.message}`);
      }
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
