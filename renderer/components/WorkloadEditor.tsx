/**
 * The workload's editor: clients or arrival rate, think time, the data set's size, and the operation
 * mix (each operation's weight, its parameters' key distribution, what it caches: a read's key template
 * and TTL, a write's invalidated keys), the cache strategy of each app that caches, with the whole mix as
 * JSON for anything else, and the scripted clients (ScriptsEditor). Every change is validated by the sim's workload schema.
 */
import { useEffect, useMemo, useState } from 'react';
import { dataSchema, defaultOperations, describeSettings, nodeKind, nodeKinds, type ScenarioIssue, type SettingDoc, workloadSchema } from '../../sim/index.ts';
import { appStore, useApp } from '../store/appStore.ts';
import { ScriptsEditor } from './ScriptsEditor.tsx';
import { SettingField } from './SettingField.tsx';

const messages = (issues: ScenarioIssue[]) => issues.map((i) => `${i.path}: ${i.message}`);
const SCALARS = ['mode', 'clients', 'think_time', 'think_time_dist', 'transactions', 'duration', 'connect', 'arrival_rate', 'max_in_flight'];

type Param = { dist: string; min?: number; max?: number; s?: number; [k: string]: unknown };
type Op = { name: string; weight?: number; sql: string | string[]; params?: Param[]; cache?: { key: string; ttl?: string | number; value_bytes?: number }; invalidates?: string[] };

/** An operation with its cache declaration changed: a read's key and TTL (an empty key: not cached), a write's invalidated keys. */
function withCache(op: Op, change: { key?: string; ttl?: string; invalidates?: string }): Op {
  const { cache, invalidates, ...rest } = op;
  const key = change.key ?? cache?.key ?? '';
  const ttl = change.ttl ?? (cache?.ttl === undefined ? '60s' : String(cache.ttl));
  const inv = change.invalidates === undefined ? (invalidates ?? []) : change.invalidates.split(/[\s,]+/).filter(Boolean);
  return { ...rest, ...(key ? { cache: { ...cache, key, ttl } } : {}), ...(inv.length > 0 ? { invalidates: inv } : {}) };
}

export function WorkloadEditor() {
  const workload = useApp((s) => s.doc.workload) as Record<string, any>;
  const scalarDocs = useMemo(() => describeSettings(workloadSchema).filter((d) => SCALARS.includes(d.name)), []);
  const dataDocs = useMemo(() => describeSettings(dataSchema), []);
  const data = { users: 10000, orders_per_user: 5, ...(workload.data ?? {}) };
  const ops: Op[] = (workload.operations as Op[] | undefined) ?? (defaultOperations(data) as unknown as Op[]);
  const custom = workload.operations !== undefined;
  const [json, setJson] = useState('');
  const [jsonErrors, setJsonErrors] = useState<string[]>([]);
  const [editing, setEditing] = useState(false);
  // the JSON is made and shown only while its section is open: a mix with large parameter lists is
  // megabytes of text, which a hidden textarea would still lay out on every change of the document
  const [open, setOpen] = useState(false);
  useEffect(() => {
    if (open && !editing) setJson(JSON.stringify(ops, null, 2));
  }, [ops, editing, open]);

  const setOps = (next: Op[]) => messages(appStore.getState().setOperations(next));
  const setOp = (i: number, op: Op) => {
    const errs = setOps(ops.map((o, j) => (j === i ? op : o)));
    if (errs.length) appStore.getState().notify('error', errs.join('; '));
  };
  // the nodes whose kind has a cache strategy (the app): their cache_strategy, edited here beside what the operations cache
  const strategyDoc = useMemo(() => {
    const kind = nodeKinds().find((k) => k.settings.shape.cache_strategy !== undefined);
    return kind && describeSettings(kind.settings).find((d) => d.name === 'cache_strategy');
  }, []);
  const cachingNodes = useApp((s) => s.doc.nodes.filter((n) => nodeKind(n.kind)?.settings.shape.cache_strategy !== undefined).map((n) => n.id).join(','));
  const totalWeight = ops.reduce((a, o) => a + (o.weight ?? 1), 0) || 1;

  return (
    <section className="workload" data-testid="workload-editor">
      <h2>Workload</h2>
      {scalarDocs.map((d) => (
        <SettingField
          key={d.name}
          testId={`workload-${d.name}`}
          showContext={false}
          doc={d}
          value={workload[d.name]}
          onCommit={(v) => messages(appStore.getState().setWorkloadField([d.name], v))}
        />
      ))}
      <h3>Data set</h3>
      {dataDocs.map((d) => (
        <SettingField
          key={d.name}
          testId={`workload-data-${d.name}`}
          showContext={false}
          doc={d}
          value={workload.data?.[d.name]}
          onCommit={(v) => messages(appStore.getState().setWorkloadField(['data', d.name], v))}
        />
      ))}
      <h3>
        Operation mix {custom ? '' : <span className="muted">(the default mix)</span>}
        {custom && (
          <button type="button" className="link" onClick={() => appStore.getState().setOperations(undefined)}>
            back to default
          </button>
        )}
      </h3>
      <table className="ops">
        <thead>
          <tr>
            <th>operation</th>
            <th>weight</th>
            <th>share</th>
            <th>keys</th>
          </tr>
        </thead>
        <tbody>
          {ops.map((op, i) => [
            <tr key={op.name} title={Array.isArray(op.sql) ? op.sql.join(';\n') : op.sql}>
              <td>
                <code>{op.name}</code>
              </td>
              <td>
                <input
                  className="weight"
                  aria-label={`weight of ${op.name}`}
                  defaultValue={op.weight ?? 1}
                  key={`${op.name}-${op.weight}`}
                  onBlur={(e) => {
                    const w = Number(e.target.value);
                    if (w === (op.weight ?? 1)) return;
                    const errs = setOps(ops.map((o, j) => (j === i ? { ...o, weight: w } : o)));
                    if (errs.length) appStore.getState().notify('error', errs.join('; '));
                  }}
                />
              </td>
              <td>{Math.round(((op.weight ?? 1) / totalWeight) * 100)}%</td>
              <td>
                {(op.params ?? []).map((p, k) =>
                  p.dist === 'uniform' || p.dist === 'zipf' ? (
                    <select
                      className="op-dist"
                      // biome-ignore lint/suspicious/noArrayIndexKey: parameters are positional ($1, $2 ...)
                      key={k}
                      aria-label={`distribution of $${k + 1} of ${op.name}`}
                      value={p.dist}
                      onChange={(e) => {
                        const dist = e.target.value;
                        const next: Param = dist === 'zipf' ? { dist, min: Math.round(p.min ?? 1), max: Math.round(p.max ?? 1), s: 1 } : { dist, min: p.min, max: p.max };
                        const errs = setOps(ops.map((o, j) => (j === i ? { ...o, params: (o.params ?? []).map((q, m) => (m === k ? next : q)) } : o)));
                        if (errs.length) appStore.getState().notify('error', errs.join('; '));
                      }}
                    >
                      <option value="uniform">${k + 1} uniform</option>
                      <option value="zipf">${k + 1} zipf</option>
                    </select>
                  ) : (
                    // biome-ignore lint/suspicious/noArrayIndexKey: parameters are positional
                    <span key={k} className="muted">
                      ${k + 1} {p.dist}{' '}
                    </span>
                  ),
                )}
              </td>
            </tr>,
            <tr key={`${op.name}-cache`} className="op-cache">
              <td colSpan={4} className="op-cache-cell">
                <span title="A read: its cache key template (user:{$1}) and TTL; empty: not cached">cache</span>
                <input
                  className="op-cache-input"
                  aria-label={`cache key of ${op.name}`}
                  data-testid={`cache-key-${op.name}`}
                  placeholder="not cached"
                  defaultValue={op.cache?.key ?? ''}
                  key={`${op.name}-key-${op.cache?.key}`}
                  onBlur={(e) => e.target.value.trim() !== (op.cache?.key ?? '') && setOp(i, withCache(op, { key: e.target.value.trim() }))}
                />
                {op.cache && (
                  <input
                    className="op-cache-ttl"
                    aria-label={`cache TTL of ${op.name}`}
                    data-testid={`cache-ttl-${op.name}`}
                    defaultValue={String(op.cache.ttl ?? '60s')}
                    key={`${op.name}-ttl-${op.cache.ttl}`}
                    onBlur={(e) => e.target.value.trim() !== String(op.cache?.ttl ?? '60s') && setOp(i, withCache(op, { ttl: e.target.value.trim() }))}
                  />
                )}
                <span title="A write: the cache keys it makes stale, comma-separated">invalidates</span>
                <input
                  className="op-cache-input"
                  aria-label={`keys ${op.name} invalidates`}
                  data-testid={`cache-invalidates-${op.name}`}
                  placeholder="none"
                  defaultValue={(op.invalidates ?? []).join(', ')}
                  key={`${op.name}-inv-${(op.invalidates ?? []).join(',')}`}
                  onBlur={(e) => e.target.value.trim() !== (op.invalidates ?? []).join(', ') && setOp(i, withCache(op, { invalidates: e.target.value }))}
                />
              </td>
            </tr>,
          ])}
        </tbody>
      </table>
      {strategyDoc &&
        cachingNodes &&
        ops.some((o) => o.cache || o.invalidates) &&
        cachingNodes.split(',').map((id) => <CacheStrategy key={id} id={id} doc={strategyDoc} />)}
      <details onToggle={(e) => setOpen(e.currentTarget.open)}>
        <summary>Edit the mix as JSON (SQL, parameters)</summary>
        {open && (
          <textarea
            className="json"
            aria-label="operations JSON"
            value={json}
            spellCheck={false}
            onFocus={() => setEditing(true)}
            onChange={(e) => setJson(e.target.value)}
          />
        )}
        {open && (
          <button
            type="button"
            onClick={() => {
              let parsed: unknown;
              try {
                parsed = JSON.parse(json);
              } catch (e) {
                setJsonErrors([`not valid JSON: ${(e as Error).message}`]);
                return;
              }
              if (!Array.isArray(parsed)) {
                setJsonErrors(['expected an array of operations']);
                return;
              }
              const errs = setOps(parsed as Op[]);
              setJsonErrors(errs);
              if (errs.length === 0) setEditing(false);
            }}
          >
            Apply mix
          </button>
        )}
        {jsonErrors.map((m) => (
          <div key={m} className="setting-error" role="alert">
            {m}
          </div>
        ))}
      </details>
      <ScriptsEditor />
    </section>
  );
}

/** A node's cache_strategy (an app setting), beside the operations whose cache it governs. */
function CacheStrategy({ id, doc }: { id: string; doc: SettingDoc }) {
  const value = useApp((s) => s.doc.nodes.find((n) => n.id === id)?.settings.cache_strategy);
  return (
    <SettingField
      testId={`cache-strategy-${id}`}
      showContext={false}
      doc={{ ...doc, name: `${id}: cache_strategy` }}
      value={value}
      onCommit={(v) => messages(appStore.getState().setSetting(id, 'cache_strategy', v))}
    />
  );
}
