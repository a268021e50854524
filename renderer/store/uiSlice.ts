/** What the window shows around the scenario: notices, the dock's tab, the stage layout and text size, the file. */
import type { ScenarioIssue } from '../../sim/index.ts';
import type { AppSet, AppState } from './appStore.ts';

export type DockTab = 'metrics' | 'console' | 'events' | 'stale' | 'trace' | 'shards';

export interface Notice {
  id: number;
  kind: 'info' | 'error';
  text: string;
  issues?: ScenarioIssue[];
  /** It speaks of the running sim (a setting applied, a command refused): a Reset or a new load dismisses it. */
  ofRun?: boolean;
}

export interface UiSlice {
  notice: Notice | undefined;
  dockTab: DockTab;
  /** Text size factor of the whole window (Aa cycles it): every text, the charts' axes and the canvas's labels and badges. */
  textScale: number;
  /** How far the canvas draws the document's positions apart along x and y (set by the canvas: `spreadFactor`); 1 at 1x text. */
  canvasSpread: { x: number; y: number };
  /** High contrast, for a projector: black on white, thicker lines. */
  highContrast: boolean;
  /**
   * The stage layout, for a presenter: the side panels collapse, the dock shows the charts in a grid (or
   * one big chart, `stageChart`). Scenes turn it on with `setStage(true)`; Ctrl+Shift+P toggles it.
   */
  stage: boolean;
  /** The chart (its test id) shown alone and big; undefined: all charts in a grid. */
  stageChart: string | undefined;
  /** The file the document came from or was saved to (a path in Electron, a name in the browser). */
  file: { name: string; path?: string } | undefined;
  /** The file's text when last opened or saved: the document is dirty when it differs. */
  savedText: string | undefined;
  notify(kind: Notice['kind'], text: string, issues?: ScenarioIssue[], ofRun?: boolean): void;
  dismissNotice(): void;
  setDockTab(tab: DockTab): void;
  cycleTextScale(): void;
  toggleHighContrast(): void;
  setStage(on: boolean): void;
  setStageChart(chart: string | undefined): void;
  setFile(file: UiSlice['file'], savedText: string | undefined): void;
}

/** The steps of Aa: 13 px text up to 26 px (readable from the back of a room at 1024x768). */
export const TEXT_SCALES = [1, 1.25, 1.5, 2];

let noticeId = 0;

export function createUiSlice(set: AppSet, _get: () => AppState): UiSlice {
  return {
    notice: undefined,
    dockTab: 'metrics',
    textScale: 1,
    canvasSpread: { x: 1, y: 1 },
    highContrast: false,
    stage: false,
    stageChart: undefined,
    file: undefined,
    savedText: undefined,
    notify(kind, text, issues, ofRun) {
      set({ notice: { id: ++noticeId, kind, text, issues, ...(ofRun ? { ofRun } : {}) } });
    },
    dismissNotice() {
      set({ notice: undefined });
    },
    setDockTab(tab) {
      set({ dockTab: tab });
    },
    cycleTextScale() {
      set((s) => ({ textScale: TEXT_SCALES[(TEXT_SCALES.indexOf(s.textScale) + 1) % TEXT_SCALES.length] }));
    },
    toggleHighContrast() {
      set((s) => ({ highContrast: !s.highContrast }));
    },
    setStage(on) {
      set({ stage: on, stageChart: undefined });
    },
    setStageChart(chart) {
      set({ stageChart: chart });
    },
    setFile(file, savedText) {
      set({ file, savedText });
    },
  };
}
