/** The bottom dock: Metrics, SQL console, Events. The console's code (CodeMirror) is loaded when its tab is first opened. */
import { lazy, Suspense } from 'react';
import { useApp, appStore } from '../store/appStore.ts';
import type { DockTab } from '../store/uiSlice.ts';
import { EventsPanel } from './EventsPanel.tsx';
import { MetricsPanel } from './MetricsPanel.tsx';
import { ShardsPanel } from '../sharding/ShardsPanel.tsx';
import { RequestPathPanel } from './RequestPathPanel.tsx';
import { StaleReadsPanel } from './StaleReadsPanel.tsx';
import { TimeBar } from './TimeBar.tsx';

const ConsolePanel = lazy(() => import('./ConsolePanel.tsx').then((m) => ({ default: m.ConsolePanel })));

const TABS: { id: DockTab; label: string }[] = [
  { id: 'metrics', label: 'Metrics' },
  { id: 'console', label: 'SQL console' },
  { id: 'events', label: 'Events' },
  { id: 'stale', label: 'Stale reads' },
  { id: 'trace', label: 'Request path' },
  // sharded scenarios only
  { id: 'shards', label: 'Shards' },
];

export function Dock() {
  const tab = useApp((s) => s.dockTab);
  const events = useApp((s) => s.events.length);
  const sharded = useApp((s) => s.doc.sharding !== undefined);
  return (
    <section className="dock" data-testid="dock">
      <div className="dock-tabs" role="tablist">
        {TABS.filter((t) => t.id !== 'shards' || sharded).map((t) => (
          <button
            type="button"
            role="tab"
            key={t.id}
            aria-selected={tab === t.id}
            data-testid={`tab-${t.id}`}
            className={tab === t.id ? 'active' : ''}
            onClick={() => appStore.getState().setDockTab(t.id)}
          >
            {t.label}
            {t.id === 'events' && events > 0 ? ` (${events})` : ''}
          </button>
        ))}
        <TimeBar />
      </div>
      <div className="dock-body">
        {tab === 'metrics' && <MetricsPanel />}
        {tab === 'console' && (
          <Suspense fallback={null}>
            <ConsolePanel />
          </Suspense>
        )}
        {tab === 'events' && <EventsPanel />}
        {tab === 'stale' && <StaleReadsPanel />}
        {tab === 'trace' && <RequestPathPanel />}
        {tab === 'shards' && <ShardsPanel />}
      </div>
    </section>
  );
}
