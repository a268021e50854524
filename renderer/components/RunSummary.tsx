/** After a run (paused or finished): what happened and where the bottleneck is, on the canvas, its node outlined. */
import { useMemo } from 'react';
import { openGlossary } from '../lessons/lessonStore.ts';
import { useApp } from '../store/appStore.ts';
import { summarize } from './runSummary.ts';

export function RunSummary() {
  const stopped = useApp((s) => s.status === 'paused' || s.status === 'finished');
  const series = useApp((s) => s.series);
  const snapshot = useApp((s) => s.snapshot);
  const f = useMemo(() => (stopped ? summarize(series, snapshot) : undefined), [stopped, series, snapshot]);
  if (!f) return null;
  const b = f.bottleneck;
  return (
    <div className="run-summary" data-testid="run-summary" data-bottleneck={b?.node ?? ''} data-resource={b?.resource ?? ''}>
      {/* the bottleneck's node, outlined where it stands on the canvas */}
      {b && <style>{`.react-flow__node[data-id="${CSS.escape(b.node)}"] .pg-node { outline: 4px solid #dc2626; outline-offset: 3px; }`}</style>}
      <b>Last {f.seconds} s:</b> {f.throughput} req/s, p95 {f.p95} ms{f.failed > 0 ? `, ${f.failed} failed` : ''}.
      <div>
        {b ? (
          <>
            <button type="button" className="term" onClick={() => openGlossary('bottleneck')}>
              Bottleneck
            </button>
            : <b>{b.resource}</b>. {b.text}.
          </>
        ) : (
          'No resource is saturated: the workload itself is the limit (add clients to push harder).'
        )}
      </div>
    </div>
  );
}
