/** Keyboard shortcuts of the window: undo/redo, copy/paste, files, the stage layout. Text fields keep their own keys. */
import { useEffect } from 'react';
import { newScenario, openFile, saveFile } from '../files/fileActions.ts';
import { appStore } from '../store/appStore.ts';
import type { Clipboard } from '../store/scenarioSlice.ts';

function inTextField(target: EventTarget | null): boolean {
  const el = target as HTMLElement | null;
  if (!el) return false;
  return el.tagName === 'INPUT' || el.tagName === 'TEXTAREA' || el.tagName === 'SELECT' || el.isContentEditable || !!el.closest?.('.cm-editor');
}

export function useShortcuts(fileInput: () => HTMLInputElement | null) {
  useEffect(() => {
    let clipboard: Clipboard | undefined;
    const onKey = (e: KeyboardEvent) => {
      const mod = e.ctrlKey || e.metaKey;
      if (!mod) return;
      const key = e.key.toLowerCase();
      const s = appStore.getState();
      if (key === 'p' && e.shiftKey) {
        // the stage layout, from anywhere (a presenter's hands are on the keyboard or a clicker)
        e.preventDefault();
        s.setStage(!s.stage);
        return;
      }
      if (key === 's') {
        e.preventDefault();
        void saveFile(e.shiftKey);
        return;
      }
      if (key === 'o') {
        e.preventDefault();
        void openFile(fileInput());
        return;
      }
      if (inTextField(e.target)) return;
      if (key === 'z' && !e.shiftKey) {
        e.preventDefault();
        s.undo();
      } else if ((key === 'z' && e.shiftKey) || key === 'y') {
        e.preventDefault();
        s.redo();
      } else if (key === 'c') {
        clipboard = s.copySelection();
      } else if (key === 'v' && clipboard) {
        e.preventDefault();
        s.paste(clipboard);
      } else if (key === 'n' && e.altKey) {
        e.preventDefault();
        newScenario();
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [fileInput]);
}
