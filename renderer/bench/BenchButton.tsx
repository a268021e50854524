/** The toolbar's Bench button, and the bench dialog while it is open. */
import { BenchDialog } from './BenchDialog.tsx';
import { benchStore, useBench } from './benchStore.ts';

export function BenchButton() {
  const open = useBench((s) => s.open);
  const running = useBench((s) => s.progress !== undefined);
  return (
    <>
      <button type="button" className="stage-hide" data-testid="btn-bench" onClick={() => benchStore.setState({ open: true })} title="Sweep a setting over values and seeds, or compare two designs (A/B)">
        Bench{running ? ' …' : ''}
      </button>
      {open && <BenchDialog />}
    </>
  );
}
