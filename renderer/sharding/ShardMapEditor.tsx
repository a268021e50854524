/**
 * The shard map in the inspector (with nothing selected): strategy, key, distributed and reference
 * tables, shards, and the strategy's own part (range bounds, virtual nodes, virtual shards, the region map).
 * Edits are a draft until Apply, which checks the whole map (a change of strategy changes several fields at
 * once) and saves it in the document as one undo step, or shows each problem beside its field and changes
 * nothing. The map is saved with the topology; a run uses it from the next Run (Reset first, when one is loaded).
 */
import { type ReactNode, useMemo, useState } from 'react';
import { isReplicationEdge, KEY_TYPES, nodeKind, type ScenarioIssue } from '../../sim/index.ts';
import { appStore, useApp } from '../store/appStore.ts';
import { type FieldError, type FormField, fieldOf, formFromMap, mapFromForm, STRATEGIES, type ShardMapForm } from './shardMapForm.ts';

/** The document's database nodes that are not replicas: the shards a first map proposes. */
function usePrimaries(): string[] {
  const nodes = useApp((s) => s.doc.nodes);
  const edges = useApp((s) => s.doc.edges);
  return useMemo(() => {
    const kind = new Map(nodes.map((n) => [n.id, n.kind]));
    const database = (k: string) => nodeKind(k)?.console === 'sql' && !nodeKind(k)?.routesShards && nodeKind(k)?.counts !== 'requests';
    return nodes.filter((n) => database(n.kind) && !edges.some((e) => e.to === n.id && isReplicationEdge(kind.get(e.from), n.kind))).map((n) => n.id);
  }, [nodes, edges]);
}

export function ShardMapEditor() {
  const map = useApp((s) => s.doc.sharding);
  const primaries = usePrimaries();
  const [open, setOpen] = useState(false);
  // kept here: a saved map remounts the form below
  const [saved, setSaved] = useState(false);
  if (!map && !open) {
    return (
      <section data-testid="shard-map">
        <h3>Sharding</h3>
        <p className="muted">Not sharded: every database node holds all the data.</p>
        <button type="button" data-testid="shard-map-add" onClick={() => setOpen(true)}>
          Add a shard map…
        </button>
      </section>
    );
  }
  // a new form whenever the document's map changes (an undo, an opened file)
  return <MapForm key={JSON.stringify(map ?? null)} map={map} primaries={primaries} saved={saved} onSaved={setSaved} onClose={() => setOpen(false)} />;
}

function MapForm(props: { map: Record<string, unknown> | undefined; primaries: string[]; saved: boolean; onSaved: (saved: boolean) => void; onClose: () => void }) {
  const initial = useMemo(() => formFromMap(props.map, props.primaries), [props.map, props.primaries]);
  const [form, setForm] = useState<ShardMapForm>(initial);
  const [errors, setErrors] = useState<FieldError[]>([]);
  const [general, setGeneral] = useState<string[]>([]);
  const { saved, onSaved: setSaved } = props;
  const loaded = useApp((s) => s.loadedKey !== undefined);
  const dirty = JSON.stringify(form) !== JSON.stringify(initial) || !props.map;
  const set = (field: FormField, value: string) => {
    setForm({ ...form, [field]: value });
    setSaved(false);
  };
  const apply = () => {
    const r = mapFromForm(form, props.map);
    if (!r.ok) {
      setErrors(r.errors);
      setGeneral([]);
      return;
    }
    const issues: ScenarioIssue[] = appStore.getState().setSharding(r.map);
    const fielded = issues.flatMap((i) => {
      const field = fieldOf(i.path);
      return field ? [{ field, message: i.message }] : [];
    });
    setErrors(fielded);
    setGeneral(issues.filter((i) => !fieldOf(i.path)).map((i) => `${i.path}: ${i.message}`));
    setSaved(issues.length === 0);
  };
  const field = (name: FormField, label: string, help: ReactNode, input?: ReactNode) => {
    const mine = errors.filter((e) => e.field === name);
    return (
      <div className={`setting${mine.length ? ' invalid' : ''}`} data-testid={`shard-map-${name}`}>
        <div className="setting-head">
          <code className="setting-name">{label}</code>
        </div>
        {input ?? <input aria-label={label} value={form[name]} onChange={(e) => set(name, e.target.value)} onKeyDown={(e) => e.key === 'Enter' && apply()} />}
        {mine.map((e) => (
          <div key={e.message} className="setting-error" role="alert">
            {e.message}
          </div>
        ))}
        <div className="setting-help">{help}</div>
      </div>
    );
  };
  const shardCount = form.shards.split(/[,\n]/).filter((s) => s.trim()).length;
  return (
    <section data-testid="shard-map">
      <h3>Sharding</h3>
      {field(
        'strategy',
        'strategy',
        'How a key picks its shard. Range runs hot when new keys are sequential; a hash spreads them.',
        <select aria-label="strategy" value={form.strategy} onChange={(e) => set('strategy', e.target.value)}>
          {STRATEGIES.map((s) => (
            <option key={s.kind} value={s.kind}>
              {s.label}
            </option>
          ))}
        </select>,
      )}
      {field(
        'keyType',
        'key type',
        "The shard key's PostgreSQL type: it orders range bounds and picks the hash function.",
        <select aria-label="key type" value={form.keyType} onChange={(e) => set('keyType', e.target.value)}>
          {KEY_TYPES.map((k) => (
            <option key={k} value={k}>
              {k}
            </option>
          ))}
        </select>,
      )}
      {field('tables', 'distributed tables', 'table.column, …: each table split by its key column (rows with the same key on the same shard).')}
      {field('referenceTables', 'reference tables', 'table, …: small tables copied whole to every shard.')}
      {field('shards', 'shards', `node, …: ${shardCount} shard${shardCount === 1 ? '' : 's'}, in order. Database nodes here: ${props.primaries.join(', ') || 'none'}.`)}
      {field('spareShards', 'spare shards', 'node, …: empty until a reshard moves rows onto them.')}
      {form.strategy === 'range' && field('boundaries', 'range bounds', `${Math.max(0, shardCount - 1)} bound${shardCount === 2 ? '' : 's'}, ascending: shard 1 holds keys below the first, the last shard keys from the last up.`)}
      {form.strategy === 'consistent_hash' && field('vnodes', 'virtual nodes per shard', 'Points of each shard on the ring (256 by default): more, an evener spread.')}
      {form.strategy === 'virtual_shards' && field('shardCount', 'virtual shards', "Fixed ranges of the hash space, placed round robin on the shards (Citus' 32 by default).")}
      {form.strategy === 'geography' && field('regions', 'region map', 'region = shard, …: the region column’s value to the shard in that region (the data set has us, eu, apac).')}
      {form.strategy === 'geography' && field('defaultShard', 'default shard', 'The shard of a region the map does not name (empty: its keys are refused).')}
      {general.map((m) => (
        <div key={m} className="setting-error" role="alert" data-testid="shard-map-error">
          {m}
        </div>
      ))}
      <div className="shard-map-actions">
        <button type="button" className="primary" data-testid="shard-map-apply" disabled={!dirty} onClick={apply}>
          Apply
        </button>
        <button
          type="button"
          data-testid="shard-map-revert"
          onClick={() => {
            setForm(initial);
            setErrors([]);
            setGeneral([]);
            if (!props.map) props.onClose();
          }}
        >
          {props.map ? 'Revert' : 'Cancel'}
        </button>
        {props.map && (
          <button type="button" data-testid="shard-map-remove" onClick={() => {
              const issues = appStore.getState().setSharding(undefined);
              setGeneral(issues.map((i) => `${i.path}: ${i.message}`));
              if (issues.length === 0) props.onClose();
            }}>
            Remove
          </button>
        )}
      </div>
      {saved && (
        <p className="muted" data-testid="shard-map-saved">
          Saved with the scenario. {loaded ? 'Reset, then Run, to route by it.' : 'The next Run routes by it.'}
        </p>
      )}
    </section>
  );
}
