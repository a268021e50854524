/**
 * The stale cached reads of the run (the Stale reads tab, beside the replicas'): per app and level, how
 * many cached answers were older than what the primary had committed, and the last ones, newest first.
 * Clicking one explains it as a stale replica read is explained: which key and level, the value's
 * position in the primary's write log against the primary's, the write it missed, how old it was and why
 * the cache still had it.
 */
import { useMemo, useState } from 'react';
import { params, useHeldWhileHovered } from './staleRows.ts';
import type { AppSnapshot, StaleCacheSample, StaleWhy } from '../../sim/index.ts';
import { lagText } from '../canvas/nodes/postgres/ReplicationEdge.tsx';
import { useApp } from '../store/appStore.ts';

const key = (s: StaleCacheSample) => `${s.app}@${s.at}@${s.key}@${s.level}`;

const WHY: Record<StaleWhy, string> = {
  ttl: 'cache_strategy is ttl (the seed’s): a write touches no cache key, so the old value stays until its TTL. delete-on-write or write-through fix it.',
  'not-invalidated': 'The write that changed these rows does not declare this key in its invalidates: nothing removed the old value. Add the key template to the write’s invalidates.',
  'other-instance-l1':
    'The write deleted the key in Redis and in its own instance’s L1, but this is another instance’s L1: nothing told it (cache_l1_invalidation none). It keeps its copy up to 60 s; cache_l1_invalidation pubsub tells every instance.',
  'invalidation-in-flight': 'The write had committed; its DEL (or its pub/sub message) had not arrived yet when this read was answered.',
  race: 'Cache-aside’s race: this value was read from the database before the write committed and stored after the write had invalidated the key, so it went back in stale, until its TTL.',
  grace: 'The value was past its TTL, served on purpose while a background load refreshed it (cache_grace: stale-while-revalidate).',
};

function Explanation({ s }: { s: StaleCacheSample }) {
  return (
    <div className="stale-explain" data-testid="cache-stale-explanation">
      <h3>
        Why <code>{s.key}</code> from {s.level === 'l1' ? `${s.instance}’s L1` : 'Redis (L2)'} was stale
      </h3>
      <p>
        At <b>t = {s.at.toFixed(3)} s</b>, <code>{s.op}</code>({params(s.params)}) on <b>{s.instance}</b> was answered from{' '}
        <b>{s.level === 'l1' ? 'its in-process L1' : 'Redis'}</b>. The value had been read from the database and stored at t = {s.storedAt.toFixed(3)} s, when{' '}
        {s.primary}’s write log stood at record <b>{s.readPosition}</b>; by now {s.primary} had committed up to record <b>{s.primaryPosition}</b>.
      </p>
      <p>
        It missed <b>{s.versions}</b> committed write(s) to these rows; the oldest, <code>{s.missed.op}</code>({params(s.missed.params)}), committed at t ={' '}
        {s.missed.committedAt.toFixed(3)} s, <b>{lagText(s.staleMs)}</b> before the read: the value was that stale.
      </p>
      <p data-testid="cache-stale-why">
        <b>Why:</b> {WHY[s.why]}
      </p>
    </div>
  );
}

export function CacheStaleReads() {
  const snapshot = useApp((s) => s.snapshot);
  const [picked, setPicked] = useState<StaleCacheSample | undefined>();
  const apps = useMemo(() => (snapshot?.nodes ?? []).flatMap((n) => ((n as AppSnapshot).cache ? [[n.id, (n as AppSnapshot).cache!] as const] : [])), [snapshot]);
  const samples = useMemo(() => apps.flatMap(([, c]) => c.staleSamples).sort((a, b) => b.at - a.at), [apps]);
  const held = useHeldWhileHovered(samples, key);
  if (apps.length === 0) return null;
  return (
    <div className="stale" data-testid="cache-stale-reads">
      <div className="stale-list">
        <div className="stale-summary" data-testid="cache-stale-summary">
          {apps.map(([id, c]) => (
            <span key={id}>
              {id} cache: <b>{c.staleL1}</b> stale of {c.l1Hits} L1 hits, <b>{c.staleL2}</b> stale of {c.l2Hits} Redis hits
            </span>
          ))}
        </div>
        {samples.length === 0 && <p className="muted">No stale cached read yet.</p>}
        {samples.length > 0 && (
          <table {...held.hover}>
            <thead>
              <tr>
                <th>t (s)</th>
                <th>level</th>
                <th>key</th>
                <th>missed</th>
                <th>stale</th>
                <th>why</th>
              </tr>
            </thead>
            <tbody>
              {held.rows.map((s) => (
                <tr key={key(s)} data-testid="cache-stale-row" className={picked && key(picked) === key(s) ? 'selected' : ''} onClick={() => setPicked(s)}>
                  <td>{s.at.toFixed(3)}</td>
                  <td>{s.level === 'l1' ? `L1 ${s.instance}` : 'L2'}</td>
                  <td>
                    <code>{s.key}</code>
                  </td>
                  <td>
                    <code>{s.missed.op}</code>
                  </td>
                  <td>{lagText(s.staleMs)}</td>
                  <td>{s.why}</td>
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
      {picked ? <Explanation s={picked} /> : <div className="stale-explain muted">Click a stale cached read to see which write it missed and why the cache still had it.</div>}
    </div>
  );
}
