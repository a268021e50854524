/**
 * One request followed end to end: its path hop by hop (the app, its pool wait, a pooler's queue, each wire,
 * the engine) as a timeline whose bars are the time spent in each, with the totals per kind of hop. The
 * spans tile the request's life, so the totals add up to its latency (test/sim/followRequest.test.ts).
 * A request still in flight is asked for again at each snapshot until it is back.
 */
import './timeTrace.css';
import { useEffect } from 'react';
import type { RequestPath } from '../../sim/index.ts';
import { appStore, useApp } from '../store/appStore.ts';

const COLORS: Record<string, string> = {
  network: '#60a5fa',
  'pool wait': '#f59e0b',
  queue: '#ef4444',
  engine: '#16a34a',
  pooler: '#a855f7',
  app: '#64748b',
  cache: '#0ea5e9',
  'replica apply': '#14b8a6',
  'missed write': '#dc2626',
};

/** Milliseconds with the precision a hop's time needs. */
export function ms(us: number): string {
  const v = us / 1000;
  return v >= 10 ? v.toFixed(1) : v >= 0.1 ? v.toFixed(2) : v.toFixed(3);
}

/** Time per kind of hop (network, engine, pool wait, queue ...), largest first. */
export function totals(path: RequestPath): [string, number][] {
  const by = new Map<string, number>();
  for (const s of path.spans) by.set(s.what, (by.get(s.what) ?? 0) + s.endUs - s.startUs);
  return [...by].sort((a, b) => b[1] - a[1]);
}

type Apply = RequestPath['applies'][number];

/** Still changing: in flight, or a standby has not yet applied the write of one of its replica-apply hops. */
function pending(path: RequestPath): boolean {
  return !path.done || path.applies.some((a) => a.appliedUs === undefined);
}

/**
 * A replica-apply hop, after the request's own: a write's commit until a standby applied it (asynchronous
 * replication goes on after the reply), or the write a stale read missed until its replica applied it.
 */
function ApplyRow({ a, startUs }: { a: Apply; startUs: number }) {
  const what = a.missed ? 'missed write' : 'replica apply';
  const time = a.committedUs === undefined || a.appliedUs === undefined ? 'not yet' : ms(a.appliedUs - a.committedUs);
  return (
    <tr data-testid="path-apply" title={a.missed ? `a write committed on the primary that ${a.standby} had not applied when it served this read` : `from the commit on the primary until ${a.standby} applied it`}>
      <td>{a.committedUs === undefined ? '' : ms(a.committedUs - startUs)}</td>
      <td>
        <span className="path-dot" style={{ background: COLORS[what] }} /> {what}
      </td>
      <td>commit → {a.standby} applied</td>
      <td>{time}</td>
    </tr>
  );
}

/** Why a followed read was stale: its replica applied the write it missed only after it served the read. */
function MissedWrite({ path }: { path: RequestPath }) {
  const a = path.applies.find((x) => x.missed);
  if (!a || a.committedUs === undefined) return null;
  const read = path.spans.find((s) => s.place === a.standby);
  const served = read ? read.startUs : path.endUs;
  return (
    <p className="path-note" data-testid="path-missed">
      Stale: {a.standby} served this read {ms(served - a.committedUs)} ms after a write it missed had committed on the primary, and applied that write{' '}
      {a.appliedUs === undefined ? 'only later (not yet)' : `${ms(a.appliedUs - served)} ms after the read`}.
    </p>
  );
}

function FollowControls() {
  const following = useApp((s) => s.following);
  return (
    <div className="path-controls">
      <label title="Record the path of every request that starts from now on (nothing is recorded when off)">
        <input type="checkbox" data-testid="follow-toggle" checked={following} onChange={(e) => void appStore.getState().setFollowing(e.target.checked)} /> Follow
        requests
      </label>
      <button type="button" data-testid="follow-slowest" disabled={!following} onClick={() => void appStore.getState().followRequest('slowest')}>
        Slowest request
      </button>
      <span className="muted">then click a dot on the canvas (paused), or Follow on a stale read.</span>
    </div>
  );
}

export function RequestPathPanel() {
  const path = useApp((s) => s.requestPath);
  const note = useApp((s) => s.requestNote);
  const tick = useApp((s) => s.snapshotCount);
  // in flight, or a standby has not applied its write yet: ask again at each snapshot
  useEffect(() => {
    if (path && pending(path) && tick) void appStore.getState().followRequest(path.id, appStore.getState().requestNote);
  }, [tick, path]);
  if (!path) {
    return (
      <div className="path" data-testid="request-path">
        <FollowControls />
        <p className="muted">No request followed yet.</p>
      </div>
    );
  }
  const total = Math.max(1, path.endUs - path.startUs);
  return (
    <div className="path" data-testid="request-path">
      <FollowControls />
      <h3>
        Request {path.id} <code>{path.op}</code>: <b data-testid="path-total">{ms(path.endUs - path.startUs)} ms</b> from t = {(path.startUs / 1e6).toFixed(3)} s
        {path.done ? '' : ' (still in flight)'}
      </h3>
      {note && <p className="path-note">{note}</p>}
      <MissedWrite path={path} />
      <div className="path-bar" data-testid="path-bar">
        {path.spans.map((s) => (
          <div
            key={`${s.startUs}-${s.place}-${s.what}`}
            className="path-seg"
            style={{ flexGrow: Math.max(0.004, (s.endUs - s.startUs) / total), background: COLORS[s.what] ?? '#94a3b8' }}
            title={`${s.what} ${s.place}: ${ms(s.endUs - s.startUs)} ms`}
          />
        ))}
      </div>
      <div className="path-body">
        <table className="path-hops" data-testid="path-hops">
          <thead>
            <tr>
              <th>at (ms)</th>
              <th>hop</th>
              <th>where</th>
              <th>time (ms)</th>
            </tr>
          </thead>
          <tbody>
            {path.spans.map((s) => (
              <tr key={`${s.startUs}-${s.place}-${s.what}`} data-testid="path-hop">
                <td>{ms(s.startUs - path.startUs)}</td>
                <td>
                  <span className="path-dot" style={{ background: COLORS[s.what] ?? '#94a3b8' }} /> {s.what}
                </td>
                <td>{s.place.replace('->', ' → ')}</td>
                <td>{ms(s.endUs - s.startUs)}</td>
              </tr>
            ))}
            {path.applies.map((a) => (
              <ApplyRow key={`${a.standby}-${a.missed ?? ''}-${a.committedUs}`} a={a} startUs={path.startUs} />
            ))}
          </tbody>
        </table>
        <table className="path-totals" data-testid="path-totals">
          <tbody>
            {totals(path).map(([what, us]) => (
              <tr key={what}>
                <td>
                  <span className="path-dot" style={{ background: COLORS[what] ?? '#94a3b8' }} /> {what}
                </td>
                <td>{ms(us)} ms</td>
                <td>{((100 * us) / total).toFixed(0)}%</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}
