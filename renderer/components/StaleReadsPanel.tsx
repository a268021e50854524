/**
 * The stale reads of the run: the last ones the stale-read checker kept per replica (from the latest
 * snapshot), newest first. Clicking one explains it: the replica's read position against the primary's
 * at that moment (stream records and LSNs), how many committed writes it had not replayed and how long
 * ago the oldest was committed, and whether the write it missed was the client's own.
 */
import './replicasPooling.css';
import { useMemo, useState } from 'react';
import { params, useHeldWhileHovered } from './staleRows.ts';
import { lagText } from '../canvas/nodes/postgres/ReplicationEdge.tsx';
import { type ReplicaFigures, replicaFigures } from '../canvas/nodes/postgres/replicaFigures.ts';
import { appStore, useApp } from '../store/appStore.ts';
import type { StaleSample } from '../../sim/index.ts';
import { CacheStaleReads } from './CacheStaleReads.tsx';

const key = (s: StaleSample) => `${s.replica}@${s.at}@${s.session ?? ''}`;

function Explanation({ s, policy }: { s: StaleSample; policy: string }) {
  const missing = s.primaryPosition - s.readPosition;
  // The bar shows the end of the stream around the read: what it had replayed, what it had not.
  const start = Math.max(0, s.readPosition - Math.max(8, 2 * missing));
  const total = Math.max(1, s.primaryPosition - start);
  const replayed = s.readPosition - start;
  return (
    <div className="stale-explain" data-testid="stale-explanation">
      <h3>
        Why <code>{s.op}</code>({params(s.params)}) on <code>{s.replica}</code> read stale data
        {s.readYourWrites && (
          <>
            {' '}
            <span className="tag-ryw">read-your-writes violation</span>
          </>
        )}
      </h3>
      <button
        type="button"
        data-testid="stale-follow"
        title="Its path hop by hop (Follow requests must have been on when it ran)"
        onClick={() =>
          void appStore
            .getState()
            .followRequest({ node: s.replica, atUs: Math.round(s.at * 1e6), op: s.op }, `A stale read: ${s.replica} had not replayed ${s.versions} committed write(s) yet, the oldest committed ${lagText(s.staleMs)} before (replica apply was behind).`)
        }
      >
        Follow this read
      </button>
      <p>
        At <b>t = {s.at.toFixed(3)} s</b>, client session {s.session ?? '–'} ran this read on <b>{s.replica}</b>. The replica had replayed
        the WAL stream up to record <b>{s.readPosition}</b>; the primary had already committed up to record <b>{s.primaryPosition}</b>.
      </p>
      <div className="stale-positions" data-testid="stale-positions">
        <span className="head" />
        <span className="head">stream record</span>
        <span className="head">LSN</span>
        <span>read position ({s.replica}, replay_lsn)</span>
        <b data-testid="stale-read-position">{s.readPosition}</b>
        <code>{s.readLsn ?? '–'}</code>
        <span>primary's position (committed)</span>
        <b data-testid="stale-primary-position">{s.primaryPosition}</b>
        <code>{s.primaryLsn ?? '–'}</code>
      </div>
      <div className="stale-bar" title={`records up to ${s.readPosition} replayed, ${s.readPosition + 1}..${s.primaryPosition} committed on the primary, not replayed`}>
        <div className="replayed" style={{ width: `${(replayed / total) * 100}%` }} />
        <div className="missing" style={{ left: `${(replayed / total) * 100}%`, width: `${(missing / total) * 100}%` }} />
      </div>
      <div className="stale-bar-legend">
        <span>
          {start > 0 ? `… record ${start}` : 'record 0'} · replayed on {s.replica} up to {s.readPosition}
        </span>
        <span>
          {missing} record(s) behind the primary ({s.primaryPosition})
        </span>
      </div>
      <p>
        Of those {missing} record(s), <b>{s.versions}</b> committed write(s) touch the rows this read returns (same table, keys not proven
        different), so it returned {s.versions === 1 ? 'the version before that write' : `a version ${s.versions} writes old`}. The oldest of
        them had been committed on the primary <b>{lagText(s.staleMs)}</b> before the read: the read was that stale.
        {s.readYourWrites && ' One of the writes it missed was this client’s own: the client wrote, then read its old value back.'}
      </p>
      <p className="muted">
        The app's read_policy is <code>{policy}</code>.{' '}
        {policy === 'read-your-writes'
          ? 'It sends a client to a replica only once that replica has replayed the client’s last write, so this is another client’s write.'
          : 'read_policy read-your-writes keeps a client’s reads on the primary until a replica has its last write; lag-aware skips replicas behind by more than max_replica_lag_ms; synchronous_commit = remote_apply on the primary (with synchronous_standby_names) makes commits wait until the standbys replayed them.'}
      </p>
    </div>
  );
}

/** The replicas' stale reads and the caches' (CacheStaleReads.tsx), one above the other. */
export function StaleReadsPanel() {
  const caching = useApp((s) => (s.snapshot?.nodes ?? []).some((n) => 'cache' in n && n.cache !== undefined));
  const replicated = useApp((s) => (s.snapshot?.nodes ?? []).some((n) => replicaFigures(n)));
  return (
    <>
      {(!caching || replicated) && <ReplicaStaleReads />}
      <CacheStaleReads />
    </>
  );
}

function ReplicaStaleReads() {
  const snapshot = useApp((s) => s.snapshot);
  const policy = useApp((s) => String(s.doc.nodes.find((n) => n.settings.read_policy !== undefined)?.settings.read_policy ?? 'random'));
  const [picked, setPicked] = useState<StaleSample | undefined>();
  const replicas = useMemo(
    () => (snapshot?.nodes ?? []).map((n) => [n.id, replicaFigures(n)] as const).filter((x): x is [string, ReplicaFigures] => !!x[1]),
    [snapshot],
  );
  const samples = useMemo(() => replicas.flatMap(([, r]) => r.staleSamples ?? []).sort((a, b) => b.at - a.at), [replicas]);
  const held = useHeldWhileHovered(samples, key);
  if (replicas.length === 0)
    return (
      <div className="events" data-testid="stale-reads">
        <p className="muted">No replicas and no cache in the running scenario. Draw a postgres → postgres link (a replica), or a cache in front of the database, and press Run to see stale reads.</p>
      </div>
    );
  return (
    <div className="stale" data-testid="stale-reads">
      <div className="stale-list">
        <div className="stale-summary" data-testid="stale-summary">
          {replicas.map(([id, r]) => (
            <span key={id}>
              {id}: <b>{r.consistency.staleReads}</b> stale of {r.consistency.replicaReads} reads ({(r.consistency.staleRate * 100).toFixed(2)}%), ryw{' '}
              <b>{r.consistency.rywViolations}</b>
            </span>
          ))}
        </div>
        {samples.length === 0 && <p className="muted">No stale read yet.</p>}
        {samples.length > 0 && (
          <table {...held.hover}>
            <thead>
              <tr>
                <th>t (s)</th>
                <th>replica</th>
                <th>read</th>
                <th>read pos.</th>
                <th>primary pos.</th>
                <th>stale</th>
                <th>versions</th>
              </tr>
            </thead>
            <tbody>
              {held.rows.map((s) => (
                <tr
                  key={key(s)}
                  data-testid="stale-row"
                  className={`${picked && key(picked) === key(s) ? 'selected' : ''}${s.readYourWrites ? ' ryw' : ''}`}
                  onClick={() => setPicked(s)}
                  title={s.readYourWrites ? 'read-your-writes violation' : undefined}
                >
                  <td>{s.at.toFixed(3)}</td>
                  <td>{s.replica}</td>
                  <td>
                    <code>{s.op}</code>({params(s.params)})
                  </td>
                  <td>{s.readPosition}</td>
                  <td>{s.primaryPosition}</td>
                  <td>{lagText(s.staleMs)}</td>
                  <td>{s.versions}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        {held.note && (
          <p className="muted" data-testid="stale-held">
            {held.note}
          </p>
        )}
      </div>
      {picked ? (
        <Explanation s={picked} policy={policy} />
      ) : (
        <div className="stale-explain muted">Click a stale read to see why it was stale: its read position against the primary's at that moment.</div>
      )}
    </div>
  );
}
