/**
 * A reshard of a running simulation: from the shard map in force to another (more or fewer shards, new range
 * boundaries, a new placement of virtual shards), with real rows moved between the shards' PGlites.
 *
 * - The plan: each shard's keys with their rows and bytes (`pg_column_size` of each row), read on the shard
 *   itself, and for every key whose shard changes, which table's rows move from which shard to which.
 *   `shardMap.ts`'s `reshardMoves` decides per key, so modulo moves most keys when a shard is added, a ring
 *   or fixed virtual shards few (and virtual shards only whole virtual shards).
 * - The run: the copy takes modelled time while traffic goes on under the old map, as PgDog's and Citus'
 *   shard moves copy a table with COPY (logical replication's initial table sync) before they switch:
 *   `COPY_BYTES_PER_SECOND` of row data plus one round trip per table and pair of shards. At the cutover the
 *   rows really move (inserted on the new shard as the old one holds them then, so writes made during the
 *   copy are not lost, and deleted from the old one: parent tables first in, last out) and the map switches
 *   in the same event. A request already sent to the old shard at that moment finds its rows gone, as
 *   without a write pause at the switch.
 */
import { keyOf } from './keys.ts';
import { compareReshard, type HashStrategy, type ReshardMoves, reshardMoves, type ShardMap, shardLocator, shardNodes } from './shardMap.ts';
import { textArrayLiteral } from './split.ts';

/** Row data a shard move copies per second: COPY between two servers of ordinary hardware (tens of MB/s per table sync). */
export const COPY_BYTES_PER_SECOND = 50 * 1024 * 1024;

/**
 * Characters of row JSON per INSERT of a move: a statement stays well under the console's 100,000 characters
 * (sim/monitoring/consoleGuard.ts) with quotes doubled and one more row.
 */
const MOVE_BATCH_CHARS = 40_000;

/** One table's rows that move from one shard to another. */
export interface TableMove {
  table: string;
  from: string;
  to: string;
  /** The keys (as text) whose rows move. */
  keys: string[];
  rows: number;
  bytes: number;
}

export interface ReshardPlan {
  /** Keys of the distributed tables (distinct values of their columns, over all tables). */
  keys: number;
  /** Keys whose shard changes. */
  movedKeys: number;
  rows: number;
  bytes: number;
  moves: TableMove[];
  /** The copy's modelled time, µs. */
  copyUs: number;
  /** Keys per `from->to` (reshardMoves' flows). */
  flows: ReshardMoves['flows'];
  /**
   * The same change of shards under each hash strategy with its defaults (compareReshard), on these keys with
   * their rows and bytes: what modulo, PostgreSQL's hash, a ring or fixed virtual shards would move.
   */
  compare: Record<HashStrategy, { movedKeys: number; rows: number; bytes: number }>;
}

/** A plan as a person reads it before running it: without each move's list of keys. */
export type ReshardPreview = Omit<ReshardPlan, 'moves'> & { moves: Omit<TableMove, 'keys'>[] };

export function previewOf(plan: ReshardPlan): ReshardPreview {
  return { ...plan, moves: plan.moves.map(({ keys: _, ...m }) => m) };
}

/** Runs SQL on a node now and answers its rows (an error throws): a console statement. */
export type RunSql = (node: string, sql: string) => Promise<unknown[][]>;

/** The rows and bytes of each key of each distributed table, per shard (one statement per table and shard). */
async function keyFigures(map: ShardMap, run: RunSql): Promise<{ table: string; shard: string; key: string; rows: number; bytes: number }[]> {
  const out: { table: string; shard: string; key: string; rows: number; bytes: number }[] = [];
  for (const shard of shardNodes(map)) {
    for (const { table, column } of map.tables) {
      const rows = await run(
        shard,
        `SELECT coalesce(json_agg(json_build_array(k, n, b)), '[]')::text FROM (SELECT ${column}::text AS k, count(*) AS n, sum(pg_column_size(t.*)) AS b FROM ${table} t WHERE ${column} IS NOT NULL GROUP BY 1) s`,
      );
      for (const [key, n, b] of JSON.parse(String(rows[0][0])) as [string, number, number][]) out.push({ table, shard, key, rows: Number(n), bytes: Number(b) });
    }
  }
  return out;
}

/** What moving from `from` to `to` moves, read on the shards as they are now. */
export async function planReshard(from: ShardMap, to: ShardMap, run: RunSql): Promise<ReshardPlan> {
  const figures = await keyFigures(from, run);
  const distinct = [...new Set(figures.map((f) => f.key))];
  const moves = reshardMoves(from, to, distinct.map((k) => keyOf(from.key_type, k)));
  // where each moved key goes: its shard under the new map (reshardMoves says which keys move)
  const locate = shardLocator(to);
  const target = new Map(moves.moved.map((k) => [String(k), locate(k).shard!]));
  const byMove = new Map<string, TableMove>();
  for (const f of figures) {
    const t = target.get(String(keyOf(from.key_type, f.key)));
    if (!t || t === f.shard) continue;
    const id = `${f.table}:${f.shard}->${t}`;
    let m = byMove.get(id);
    if (!m) byMove.set(id, (m = { table: f.table, from: f.shard, to: t, keys: [], rows: 0, bytes: 0 }));
    m.keys.push(f.key);
    m.rows += f.rows;
    m.bytes += f.bytes;
  }
  const list = [...byMove.values()];
  const rows = list.reduce((n, m) => n + m.rows, 0);
  const bytes = list.reduce((n, m) => n + m.bytes, 0);
  const compare = compareOn(from, to, figures);
  return { keys: distinct.length, movedKeys: moves.moved.length, rows, bytes, moves: list, copyUs: copyUs(list, bytes), flows: moves.flows, compare };
}

/** compareReshard on the keys of `figures`, each moved key's rows and bytes added up. */
function compareOn(from: ShardMap, to: ShardMap, figures: readonly { key: string; rows: number; bytes: number }[]): ReshardPlan['compare'] {
  const perKey = new Map<string, { rows: number; bytes: number }>();
  for (const f of figures) {
    const k = String(keyOf(from.key_type, f.key));
    const t = perKey.get(k) ?? { rows: 0, bytes: 0 };
    perKey.set(k, { rows: t.rows + f.rows, bytes: t.bytes + f.bytes });
  }
  const keys = [...new Set(figures.map((f) => f.key))].map((k) => keyOf(from.key_type, k));
  const each = compareReshard(from.key_type, keys, from.shards, to.shards);
  return Object.fromEntries(
    Object.entries(each).map(([kind, m]) => {
      const moved = m.moved.map((k) => perKey.get(String(k))!);
      return [kind, { movedKeys: m.moved.length, rows: moved.reduce((n, x) => n + x.rows, 0), bytes: moved.reduce((n, x) => n + x.bytes, 0) }];
    }),
  ) as ReshardPlan['compare'];
}

/** The copy's modelled time: its bytes at COPY_BYTES_PER_SECOND, and one round trip (1 ms) per table move. */
function copyUs(moves: readonly TableMove[], bytes: number): number {
  return Math.ceil((bytes / COPY_BYTES_PER_SECOND) * 1e6) + moves.length * 1000;
}

/**
 * Moves a plan's rows for real: each table move's rows read on the old shard as JSON and inserted on the new
 * one in batches (tables in the map's order, so a parent before the tables that reference it), then deleted from the
 * old shards (in reverse order). Rows keep their ids (the shards' sequences never make the same one: split.ts),
 * so a unique violation on the new shard means a row there already holds the key: it stops the move, the rows
 * copied so far are deleted from the new shards again (they own none of those keys under the old map) and the
 * error is thrown: the old map stays, with every shard holding its rows.
 */
export async function moveRows(map: ShardMap, plan: ReshardPlan, run: RunSql): Promise<void> {
  const order = map.tables.map((t) => t.table);
  const column = new Map(map.tables.map((t) => [t.table, t.column]));
  const moves = [...plan.moves].sort((a, b) => order.indexOf(a.table) - order.indexOf(b.table));
  const where = (m: TableMove) => `${column.get(m.table)}::text = ANY('${textArrayLiteral(m.keys).replaceAll("'", "''")}'::text[])`;
  const copied: TableMove[] = [];
  try {
    for (const m of moves) {
      // the rows as JSON in batches of about MOVE_BATCH_CHARS, each INSERT under the console's limit on a statement
      const batches = await run(
        m.from,
        `SELECT json_agg(r)::text FROM (SELECT row_to_json(t) AS r, sum(length(row_to_json(t)::text)) OVER (ORDER BY ctid) / ${MOVE_BATCH_CHARS} AS batch FROM ${m.table} t WHERE ${where(m)}) s GROUP BY batch ORDER BY batch`,
      );
      // before its first batch: a batch that fails leaves rows of this move to delete too
      copied.push(m);
      for (const [json] of batches) {
        await run(m.to, `INSERT INTO ${m.table} SELECT * FROM json_populate_recordset(NULL::${m.table}, '${String(json).replaceAll("'", "''")}')`);
      }
    }
  } catch (e) {
    for (const m of copied.reverse()) await run(m.to, `DELETE FROM ${m.table} WHERE ${where(m)}`);
    throw e;
  }
  for (const m of moves.reverse()) await run(m.from, `DELETE FROM ${m.table} WHERE ${where(m)}`);
}
