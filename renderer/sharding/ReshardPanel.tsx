/**
 * Resharding a running sharded scenario, in the Shards tab: a person names the new shards (and a range map's
 * new bounds, or another hash strategy), sees the plan first (which keys move from which shard to which, how
 * many rows and bytes, the copy's modelled time, and what modulo, PostgreSQL's hash, a ring or fixed virtual
 * shards would move for the same change: sim/sharding/reshard.ts), then runs it while traffic goes on (the
 * `reshard` command, journaled like every command).
 */
import { useState } from 'react';
import { type Command, formatBytes, HASH_STRATEGIES, type ReshardPreview } from '../../sim/index.ts';
import { simClient } from '../sim/simClient.ts';
import { appStore, useApp } from '../store/appStore.ts';
import { whyNotLive } from '../store/runSlice.ts';
import { STRATEGIES } from './shardMapForm.ts';

type Raw = Record<string, any>;

const list = (text: string) =>
  text
    .split(/[,\n]/)
    .map((s) => s.trim())
    .filter((s) => s !== '');

const label = (kind: string) => STRATEGIES.find((s) => s.kind === kind)?.label ?? kind;

/** The reshard command's strategy for the form: none (the map's own, its shards changed), another hash, or a range map's bounds. */
function strategyOf(map: Raw, kind: string, bounds: string): Extract<Command, { do: 'reshard' }>['strategy'] {
  if (map.strategy.kind === 'range') return { kind: 'range', boundaries: list(bounds).map((b) => (/^-?\d+$/.test(b) ? Number(b) : b)) };
  return kind === map.strategy.kind ? undefined : { kind };
}

export function ReshardPanel(props: { map: Raw }) {
  const map = props.map;
  const range = map.strategy.kind === 'range';
  const [shards, setShards] = useState(() => [...map.shards, ...(map.spare_shards ?? [])].join(', '));
  const [kind, setKind] = useState<string>(map.strategy.kind);
  const [bounds, setBounds] = useState(() => (map.strategy.boundaries ?? []).join(', '));
  const [plan, setPlan] = useState<{ asked: string; preview?: ReshardPreview; error?: string }>();
  const [busy, setBusy] = useState(false);
  /** The started reshard's message (the copy under way, then the cutover: the run's events say when). */
  const [started, setStarted] = useState<string>();
  const why = useApp((s) => whyNotLive(s, 'a reshard acts'));
  const asked = JSON.stringify([shards, kind, bounds]);
  if (map.strategy.kind === 'geography') return <p className="muted">A geography map is resharded by its region map: edit it in the inspector.</p>;
  const command = () => ({ do: 'reshard' as const, shards: list(shards), strategy: strategyOf(map, kind, bounds) });
  const showPlan = async () => {
    setBusy(true);
    setStarted(undefined);
    try {
      if (!(await appStore.getState().ensureLoaded())) return;
      const c = command();
      setPlan({ asked, preview: await simClient().reshardPlan(c.shards, c.strategy) });
    } catch (e) {
      setPlan({ asked, error: String((e as Error)?.message ?? e) });
    } finally {
      setBusy(false);
    }
  };
  const run = async () => {
    try {
      const r = await simClient().apply(command());
      setStarted(String((r as { message?: string })?.message ?? 'reshard started'));
      setPlan(undefined);
    } catch (e) {
      setPlan({ asked, error: String((e as Error)?.message ?? e) });
    }
  };
  const preview = plan?.asked === asked ? plan.preview : undefined;
  const pct = (n: number, of: number) => (of ? `${Math.round((n / of) * 100)}%` : '–');
  return (
    <section className="reshard" data-testid="reshard">
      <h3>Reshard</h3>
      <div className="reshard-form">
        <label>
          shards <input aria-label="new shards" data-testid="reshard-shards" value={shards} onChange={(e) => setShards(e.target.value)} />
        </label>
        {range ? (
          <label>
            range bounds <input aria-label="new range bounds" data-testid="reshard-bounds" value={bounds} onChange={(e) => setBounds(e.target.value)} />
          </label>
        ) : (
          <label>
            strategy{' '}
            <select aria-label="reshard strategy" data-testid="reshard-strategy" value={kind} onChange={(e) => setKind(e.target.value)}>
              {HASH_STRATEGIES.map((k) => (
                <option key={k} value={k}>
                  {label(k)}
                </option>
              ))}
            </select>
          </label>
        )}
        <button type="button" data-testid="reshard-plan" disabled={busy} onClick={showPlan}>
          {busy ? 'Reading the shards…' : 'Plan'}
        </button>
        <button type="button" className="primary" data-testid="reshard-run" disabled={!preview || !!why} onClick={run} title={why ?? ''}>
          Reshard now
        </button>
      </div>
      {started && (
        <p data-testid="reshard-started">
          <b>{started}</b>
        </p>
      )}
      {plan?.error && plan.asked === asked && (
        <div className="setting-error" role="alert" data-testid="reshard-error">
          {plan.error}
        </div>
      )}
      {preview && (
        <div data-testid="reshard-preview">
          <p>
            <b>
              {preview.movedKeys.toLocaleString('en')} of {preview.keys.toLocaleString('en')} keys move ({pct(preview.movedKeys, preview.keys)})
            </b>
            : {preview.rows.toLocaleString('en')} rows, {formatBytes(preview.bytes)}; the copy takes about {Math.max(1, Math.round(preview.copyUs / 1000))} ms of simulated time
            while traffic goes on under the old map, then the map switches.
          </p>
          <table className="rows reshard-moves">
            <thead>
              <tr>
                <th>table</th>
                <th>from → to</th>
                <th>rows</th>
                <th>bytes</th>
              </tr>
            </thead>
            <tbody>
              {preview.moves.map((m) => (
                <tr key={`${m.table}:${m.from}:${m.to}`}>
                  <td>{m.table}</td>
                  <td>
                    {m.from} → {m.to} ({(preview.flows[`${m.from}->${m.to}`] ?? 0).toLocaleString('en')} keys)
                  </td>
                  <td className="num">{m.rows.toLocaleString('en')}</td>
                  <td className="num">{formatBytes(m.bytes)}</td>
                </tr>
              ))}
              {preview.moves.length === 0 && (
                <tr>
                  <td colSpan={4} className="muted">
                    nothing moves
                  </td>
                </tr>
              )}
            </tbody>
          </table>
          <p className="muted">The same change of shards under each hash strategy (its defaults), on these keys:</p>
          <table className="rows reshard-compare" data-testid="reshard-compare">
            <thead>
              <tr>
                <th>strategy</th>
                <th>keys moved</th>
                <th>rows</th>
                <th>bytes</th>
              </tr>
            </thead>
            <tbody>
              {HASH_STRATEGIES.map((k) => {
                const c = preview.compare[k];
                return (
                  <tr key={k} className={k === map.strategy.kind ? 'current' : ''}>
                    <td>{label(k)}</td>
                    <td className="num">
                      {c.movedKeys.toLocaleString('en')} ({pct(c.movedKeys, preview.keys)})
                    </td>
                    <td className="num">{c.rows.toLocaleString('en')}</td>
                    <td className="num">{formatBytes(c.bytes)}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
