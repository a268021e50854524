/** Booting nodes takes seconds (a real PostgreSQL per node): show which phase and how far. */
import { useApp } from '../store/appStore.ts';

export function BootProgress() {
  const progress = useApp((s) => s.progress);
  const status = useApp((s) => s.status);
  if (!progress && status !== 'booting') return null;
  const f = progress?.fraction ?? 0;
  return (
    <div className="boot" data-testid="boot-progress" role="progressbar" aria-valuenow={Math.round(f * 100)} aria-valuemin={0} aria-valuemax={100}>
      <div className="boot-label">Starting PostgreSQL nodes: {progress?.phase ?? 'starting'}…</div>
      <div className="boot-bar">
        <div className="boot-fill" style={{ width: `${Math.round(f * 100)}%` }} />
      </div>
    </div>
  );
}
