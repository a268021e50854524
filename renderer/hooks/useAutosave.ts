/**
 * Autosave: the document is written to IndexedDB (files/storage.ts) half a second after each change, and restored
 * at start-up (after a crash or a reload). See restoreOrDefault in start.tsx.
 */
import { useEffect } from 'react';
import { writeAutosave } from '../files/storage.ts';
import { appStore } from '../store/appStore.ts';
import { docAutosave } from '../store/doc.ts';

export const AUTOSAVE_DELAY_MS = 500;

export function useAutosave() {
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const save = () => {
      timer = undefined;
      const s = appStore.getState();
      // made once per document (an opened file's by the worker that read it)
      void writeAutosave({ savedAt: Date.now(), text: docAutosave(s.doc), file: s.file });
    };
    const unsubscribe = appStore.subscribe((s, prev) => {
      if (s.doc === prev.doc && s.file === prev.file) return;
      clearTimeout(timer);
      timer = setTimeout(save, AUTOSAVE_DELAY_MS);
    });
    // leaving the page writes only a change not saved yet: the autosave already holds the rest (writing a
    // multi-megabyte document again made every reload wait for it)
    const flush = () => {
      if (timer === undefined) return;
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
