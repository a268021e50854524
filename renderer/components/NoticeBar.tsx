/** One notice at a time: what just happened, or what is wrong (with the schema's issues, by path). */
import { useEffect } from 'react';
import { appStore, useApp } from '../store/appStore.ts';

export function NoticeBar() {
  const notice = useApp((s) => s.notice);
  useEffect(() => {
    if (notice?.kind !== 'info') return;
    const t = setTimeout(() => {
      if (appStore.getState().notice?.id === notice.id) appStore.getState().dismissNotice();
    }, 4000);
    return () => clearTimeout(t);
  }, [notice]);
  if (!notice) return null;
  return (
    <div className={`notice ${notice.kind}`} role={notice.kind === 'error' ? 'alert' : 'status'} data-testid={`notice-${notice.kind}`}>
      <div>
        {notice.text}
        {notice.issues && (
          <ul>
            {notice.issues.slice(0, 12).map((i) => (
              <li key={`${i.path}|${i.message}`}>
                <code>{i.path}</code>: {i.message}
              </li>
            ))}
          </ul>
        )}
      </div>
      <button type="button" className="close" aria-label="dismiss" onClick={() => appStore.getState().dismissNotice()}>
        ×
      </button>
    </div>
  );
}
