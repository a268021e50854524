/** The window: toolbar; palette, canvas and inspector; the dock below the canvas. */
import { useCallback } from 'react';
import { Canvas, ReactFlowProvider } from './canvas/Canvas.tsx';
import { BootProgress } from './components/BootProgress.tsx';
import { Dock } from './components/Dock.tsx';
import { Inspector } from './components/Inspector.tsx';
import { NoticeBar } from './components/NoticeBar.tsx';
import { Palette } from './components/Palette.tsx';
import { Toolbar } from './components/Toolbar.tsx';
import { useAutosave } from './hooks/useAutosave.ts';
import { useDesktop } from './hooks/useDesktop.ts';
import { useShortcuts } from './hooks/useShortcuts.ts';
import { LessonPanel } from './lessons/LessonPanel.tsx';
import { useApp } from './store/appStore.ts';

export function App() {
  const largeText = useApp((s) => s.largeText);
  useShortcuts(useCallback(() => document.querySelector<HTMLInputElement>('[data-testid="file-input"]'), []));
  useAutosave();
  useDesktop();
  return (
    <div className={`app${largeText ? ' large-text' : ''}`} data-testid="app">
      <Toolbar />
      <NoticeBar />
      <ReactFlowProvider>
        <div className="workspace">
          <LessonPanel />
          <Palette />
          <main className="center">
            <div className="canvas-wrap">
              <Canvas />
              <BootProgress />
            </div>
            <Dock />
          </main>
          <Inspector />
        </div>
      </ReactFlowProvider>
    </div>
  );
}
