/**
 * The shard map as the inspector edits it: one text field per part of the scenario's `sharding` block
 * (sim/sharding/shardMap.ts), read back into the block. What the text cannot say (a table without its
 * column, a region without its shard) is refused here, per field; everything else (unknown nodes, bounds
 * out of order, a key that is not of the key type, an app without an edge to a shard) is the scenario
 * schema's to say, and `fieldOf` puts its issues beside the field they are about.
 */
import { type KEY_TYPES, rebalancePlacement } from '../../sim/index.ts';

export const STRATEGIES = [
  { kind: 'range', label: 'range: bounds on the key' },
  { kind: 'modulo', label: 'hash: hash(key) % shards (the seed)' },
  { kind: 'hash_partition', label: 'hash: PostgreSQL hash partitioning' },
  { kind: 'consistent_hash', label: 'hash: consistent-hash ring' },
  { kind: 'virtual_shards', label: 'hash: fixed virtual shards (Citus)' },
  { kind: 'geography', label: 'geography: region column' },
] as const;

export type StrategyKind = (typeof STRATEGIES)[number]['kind'];

export interface ShardMapForm {
  strategy: StrategyKind;
  keyType: (typeof KEY_TYPES)[number];
  /** `table.column, table.column`: the distributed tables and their shard key columns. */
  tables: string;
  /** `table, table`: copied whole to every shard. */
  referenceTables: string;
  /** `node, node`, in the map's order (range: the first shard holds the lowest keys). */
  shards: string;
  spareShards: string;
  /** Range: the bounds between consecutive shards, ascending. */
  boundaries: string;
  /** Consistent hash: virtual nodes per shard. */
  vnodes: string;
  /** Virtual shards: how many. */
  shardCount: string;
  /** Geography: `region = node, region = node`. */
  regions: string;
  /** Geography: the shard of a region the map does not name (empty: none, its keys are refused). */
  defaultShard: string;
}

export type FormField = keyof ShardMapForm;

export interface FieldError {
  field: FormField;
  message: string;
}

const list = (text: string) =>
  text
    .split(/[,\n]/)
    .map((s) => s.trim())
    .filter((s) => s !== '');

type Raw = Record<string, any>;

/** The form of a scenario's `sharding` block as the file has it; undefined: a first map over `databases`. */
export function formFromMap(map: Raw | undefined, databases: readonly string[]): ShardMapForm {
  const st: Raw = map?.strategy ?? { kind: 'hash_partition' };
  return {
    strategy: st.kind,
    keyType: map?.key_type ?? 'bigint',
    tables: ((map?.tables ?? [{ table: 'users', column: 'id' }, { table: 'orders', column: 'user_id' }]) as Raw[]).map((t) => `${t.table}.${t.column}`).join(', '),
    referenceTables: (map?.reference_tables ?? []).join(', '),
    shards: (map?.shards ?? databases).join(', '),
    spareShards: (map?.spare_shards ?? []).join(', '),
    boundaries: (st.boundaries ?? []).map(String).join(', '),
    vnodes: String(st.vnodes ?? 256),
    shardCount: String(st.shard_count ?? 32),
    regions: Object.entries((st.regions ?? {}) as Record<string, string>)
      .map(([r, s]) => `${r} = ${s}`)
      .join(', '),
    defaultShard: st.default_shard ?? '',
  };
}

/** An integer field's number, or NaN (the schema then says what it needs). */
const integer = (text: string) => (/^\s*\d+\s*$/.test(text) ? Number(text) : Number.NaN);

/**
 * The `sharding` block of a form, or what in its text cannot be read. `previous` keeps what the form does
 * not show (a virtual shards' placement, while their count is unchanged; re-placed on the shards when one
 * it names left the list).
 */
export function mapFromForm(f: ShardMapForm, previous?: Raw): { ok: true; map: Raw } | { ok: false; errors: FieldError[] } {
  const errors: FieldError[] = [];
  const tables = list(f.tables).map((t) => {
    const m = /^([^.\s]+)\.([^.\s]+)$/.exec(t);
    if (!m) errors.push({ field: 'tables', message: `"${t}": write each distributed table as table.column (its shard key), e.g. orders.user_id` });
    return { table: m?.[1] ?? t, column: m?.[2] ?? '' };
  });
  if (tables.length === 0) errors.push({ field: 'tables', message: 'name at least one distributed table, as table.column' });
  let strategy: Raw;
  switch (f.strategy) {
    case 'range': {
      const numeric = f.keyType !== 'text' && f.keyType !== 'uuid';
      const bound = (b: string) => {
        const unquoted = b.replace(/^'(.*)'$/, '$1');
        return numeric && /^-?\d+$/.test(unquoted) && Number.isSafeInteger(Number(unquoted)) ? Number(unquoted) : unquoted;
      };
      strategy = { kind: 'range', boundaries: list(f.boundaries).map(bound) };
      break;
    }
    case 'consistent_hash':
      strategy = { kind: 'consistent_hash', vnodes: integer(f.vnodes) };
      break;
    case 'virtual_shards': {
      const count = integer(f.shardCount);
      const was: string[] | undefined = previous?.strategy?.kind === 'virtual_shards' && previous.strategy.shard_count === count ? previous.strategy.placement : undefined;
      // the placement has no field: a changed list of shards re-places it, moving the fewest virtual shards (Citus' rebalancer)
      const shards = list(f.shards);
      const kept = was && shards.length > 0 && was.some((n) => !shards.includes(n)) ? rebalancePlacement(was, shards) : was;
      strategy = { kind: 'virtual_shards', shard_count: count, ...(kept ? { placement: kept } : {}) };
      break;
    }
    case 'geography': {
      const regions: Record<string, string> = {};
      for (const pair of list(f.regions)) {
        const m = /^([^=\s]+)\s*=\s*(\S+)$/.exec(pair);
        if (!m) errors.push({ field: 'regions', message: `"${pair}": write each region as region = shard, e.g. eu = shard2` });
        else if (Object.hasOwn(regions, m[1])) errors.push({ field: 'regions', message: `region ${m[1]} is mapped twice` });
        else regions[m[1]] = m[2];
      }
      if (Object.keys(regions).length === 0 && errors.every((e) => e.field !== 'regions')) errors.push({ field: 'regions', message: 'map at least one region to a shard, as region = shard' });
      strategy = { kind: 'geography', regions, ...(f.defaultShard.trim() ? { default_shard: f.defaultShard.trim() } : {}) };
      break;
    }
    default:
      strategy = { kind: f.strategy };
  }
  if (errors.length > 0) return { ok: false, errors };
  const reference = list(f.referenceTables);
  const spare = list(f.spareShards);
  return {
    ok: true,
    map: {
      tables,
      key_type: f.keyType,
      ...(reference.length ? { reference_tables: reference } : {}),
      shards: list(f.shards),
      ...(spare.length ? { spare_shards: spare } : {}),
      strategy,
      // what the form has no field for stays as it was (an edit never drops a setting it did not show)
      ...(previous?.transaction_mode ? { transaction_mode: previous.transaction_mode } : {}),
    },
  };
}

const FIELDS: [RegExp, FormField][] = [
  [/^sharding\.tables/, 'tables'],
  [/^sharding\.reference_tables/, 'referenceTables'],
  [/^sharding\.key_type/, 'keyType'],
  [/^sharding\.spare_shards/, 'spareShards'],
  [/^sharding\.shards/, 'shards'],
  [/^sharding\.strategy\.boundaries/, 'boundaries'],
  [/^sharding\.strategy\.vnodes/, 'vnodes'],
  [/^sharding\.strategy\.shard_count/, 'shardCount'],
  [/^sharding\.strategy\.placement/, 'shardCount'],
  [/^sharding\.strategy\.regions/, 'regions'],
  [/^sharding\.strategy\.default_shard/, 'defaultShard'],
];

/** The form field a scenario issue is about (`sharding.strategy.boundaries[0]`: the bounds); undefined: the map as a whole or the links. */
export function fieldOf(path: string): FormField | undefined {
  return FIELDS.find(([re]) => re.test(path))?.[1];
}
