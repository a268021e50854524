/** The toolbar's Bench button, and the bench dialog while it is open (its code loaded when first opened). */
import { lazy, Suspense } from 'react';
import { benchStore, useBench } from './benchStore.ts';

const BenchDialog = lazy(() => import('./BenchDialog.tsx').then((m) => ({ default: m.BenchDialog })));

export function BenchButton() {
  const open = useBench((s) => s.open);
  const running = useBench((s) => s.progress !== undefined);
  return (
    <>
      <button type="button" className="stage-hide" data-testid="btn-bench" onClick={() => benchStore.setState({ open: true })} title="Sweep a setting over values and seeds, or compare two designs (A/B)">
        Bench{running ? ' …' : ''}
      </button>
      {open && (
        <Suspense fallback={null}>
          <BenchDialog />
        </Suspense>
      )}
    </>
  );
}
