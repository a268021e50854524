/** What the window shows around the scenario: notices, the dock's tab, presenter mode, the file. */
import type { ScenarioIssue } from '../../sim/index.ts';
import type { AppSet, AppState } from './appStore.ts';

export type DockTab = 'metrics' | 'console' | 'events' | 'stale';

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
  largeText: boolean;
  /** The file the document came from or was saved to (a path in Electron, a name in the browser). */
  file: { name: string; path?: string } | undefined;
  /** The file's text when last opened or saved: the document is dirty when it differs. */
  savedText: string | undefined;
  notify(kind: Notice['kind'], text: string, issues?: ScenarioIssue[], ofRun?: boolean): void;
  dismissNotice(): void;
  setDockTab(tab: DockTab): void;
  toggleLargeText(): void;
  setFile(file: UiSlice['file'], savedText: string | undefined): void;
}

let noticeId = 0;

export function createUiSlice(set: AppSet, _get: () => AppState): UiSlice {
  return {
    notice: undefined,
    dockTab: 'metrics',
    largeText: false,
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
    toggleLargeText() {
      set((s) => ({ largeText: !s.largeText }));
    },
    setFile(file, savedText) {
      set({ file, savedText });
    },
  };
}
