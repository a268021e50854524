/**
 * Autosave: the document is written to IndexedDB (files/storage.ts) half a second after each change, and restored
 * at start-up (after a crash or a reload). See restoreOrDefault in main.tsx.
 */
import { useEffect } from 'react';
import { writeAutosave } from '../files/storage.ts';
import { appStore } from '../store/appStore.ts';

export const AUTOSAVE_DELAY_MS = 500;

export function useAutosave() {
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const save = () => {
      const s = appStore.getState();
      void writeAutosave({ savedAt: Date.now(), text: JSON.stringify(s.doc), file: s.file });
    };
    const unsubscribe = appStore.subscribe((s, prev) => {
      if (s.doc === prev.doc && s.file === prev.file) return;
      clearTimeout(timer);
      timer = setTimeout(save, AUTOSAVE_DELAY_MS);
    });
    const flush = () => {
      clearTimeout(timer);
      save();
    };
    window.addEventListener('pagehide', flush);
    return () => {
      unsubscribe();
      clearTimeout(timer);
      window.removeEventListener('pagehide', flush);
    };
  }, []);
}
