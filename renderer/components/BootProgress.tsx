/**
 * Booting nodes takes seconds (a real PostgreSQL per node), and a cold first run more (initdb, then the
 * data set): show the phase in words, how far, and the seconds spent, so a slow start never looks stuck.
 */
import { useEffect, useState } from 'react';
import { useApp } from '../store/appStore.ts';

export function BootProgress() {
  const progress = useApp((s) => s.progress);
  const status = useApp((s) => s.status);
  const shown = !!progress || status === 'booting';
  const [seconds, setSeconds] = useState(0);
  useEffect(() => {
    if (!shown) return;
    setSeconds(0);
    const t = setInterval(() => setSeconds((x) => x + 1), 1000);
    return () => clearInterval(t);
  }, [shown]);
  if (!shown) return null;
  const f = progress?.fraction ?? 0;
  return (
    <div className="boot" data-testid="boot-progress" role="progressbar" aria-valuenow={Math.round(f * 100)} aria-valuemin={0} aria-valuemax={100}>
      <div className="boot-label">
        Starting PostgreSQL nodes: <span data-testid="boot-phase">{progress?.phase ?? 'starting'}</span>… <span className="muted">{Math.round(f * 100)} % · {seconds} s</span>
      </div>
      <div className="boot-bar">
        <div className="boot-fill" style={{ width: `${Math.max(2, Math.round(f * 100))}%` }} />
      </div>
    </div>
  );
}
