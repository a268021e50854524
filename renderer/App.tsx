/**
 * The window: toolbar; palette, canvas and inspector; the dock below the canvas. The first screen (toolbar,
 * lessons and the welcome over the window) mounts first; the palette, the canvas, the dock and the inspector
 * each in a later task (`Later`), behind the welcome (the palette in the first screen's layout made it
 * a quarter longer).
 */
import { type CSSProperties, useCallback, useEffect } from 'react';
import { Canvas, ReactFlowProvider } from './canvas/Canvas.tsx';
import { BootProgress } from './components/BootProgress.tsx';
import { Dock } from './components/Dock.tsx';
import { Inspector } from './components/Inspector.tsx';
import { NoticeBar } from './components/NoticeBar.tsx';
import { Palette } from './components/Palette.tsx';
import { RunSummary } from './components/RunSummary.tsx';
import { Toolbar } from './components/Toolbar.tsx';
import './components/stage.css';
import { useAutosave } from './hooks/useAutosave.ts';
import { useDesktop } from './hooks/useDesktop.ts';
import { useShortcuts } from './hooks/useShortcuts.ts';
import { LessonPanel } from './lessons/LessonPanel.tsx';
import { ScenePlayer } from './lessons/ScenePlayer.tsx';
import { simClient } from './sim/simClient.ts';
import { appStore, useApp } from './store/appStore.ts';
import { docToScenario } from './store/doc.ts';
import { Later } from './Later.tsx';

export function App() {
  const textScale = useApp((s) => s.textScale);
  const stage = useApp((s) => s.stage);
  const highContrast = useApp((s) => s.highContrast);
  // The data the opened document's nodes boot from is made in the background now, not at the first Run; once
  // the first screen is drawn (the main thread idle): the sim worker's start (PGlite's compile, the data's
  // snapshot) takes both cores of a small machine, and the first screen's tasks waited for a CPU meanwhile
  useEffect(() => {
    const idle = requestIdleCallback(() => void simClient().warm(docToScenario(appStore.getState().doc)).catch(() => undefined), { timeout: 3000 });
    return () => cancelIdleCallback(idle);
  }, []);
  // A warm start: on the stage the nodes boot now, before the talk, so Run starts at once
  useEffect(() => {
    if (stage) void appStore.getState().ensureLoaded();
  }, [stage]);
  useShortcuts(useCallback(() => document.querySelector<HTMLInputElement>('[data-testid="file-input"]'), []));
  useAutosave();
  useDesktop();
  return (
    <div
      className={`app${textScale > 1 ? ' large-text' : ''}${stage ? ' stage' : ''}${highContrast ? ' high-contrast' : ''}`}
      style={{ '--text-scale': textScale } as CSSProperties}
      data-testid="app"
    >
      <Toolbar />
      <NoticeBar />
      <ReactFlowProvider>
        <div className="workspace">
          <LessonPanel />
          <Later fallback={<aside className="palette" />}>
            <Palette />
          </Later>
          <main className="center">
            <div className="canvas-wrap">
              <Later>
                <Canvas />
              </Later>
              <BootProgress />
              <RunSummary />
              <ScenePlayer />
            </div>
            <Later fallback={<section className="dock" />}>
              <Dock />
            </Later>
          </main>
          <Later fallback={<aside className="inspector" />}>
            <Inspector />
          </Later>
        </div>
      </ReactFlowProvider>
    </div>
  );
}
