/** The app's start, once main.tsx has loaded it: restores autosaved work (or opens the default example with the first screen) and renders the app. */
import { startTransition } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App.tsx';
import { DEFAULT_EXAMPLE } from './examples.ts';
import { readAutosave } from './files/storage.ts';
import { showWelcome } from './lessons/lessonStore.ts';
import { appStore } from './store/appStore.ts';
import { type Doc, docFromFile, docText } from './store/doc.ts';

function looksLikeDoc(d: unknown): d is Doc {
  const x = d as Doc;
  return !!x && typeof x.name === 'string' && Array.isArray(x.nodes) && Array.isArray(x.edges) && typeof x.workload === 'object' && typeof x.run === 'object';
}

function restoreOrDefault() {
  const saved = readAutosave();
  if (saved) {
    try {
      const doc = JSON.parse(saved.text);
      if (looksLikeDoc(doc)) {
        appStore.setState({ doc, fitRequest: 1, file: saved.file });
        appStore.getState().notify('info', `Restored your autosaved work (${new Date(saved.savedAt).toLocaleTimeString()}).`);
        return;
      }
    } catch {
      // A damaged autosave falls through to the default example.
    }
  }
  const doc = docFromFile(JSON.parse(DEFAULT_EXAMPLE.text));
  appStore.setState({ doc, fitRequest: 1, file: { name: DEFAULT_EXAMPLE.file }, savedText: docText(doc) });
  // no work to come back to: the first screen (lessons, examples, sandbox)
  showWelcome(true);
}

/**
 * Renders the app (the autosave is already read: main.tsx waits for it). The first render is a
 * transition: React renders the whole app in slices that yield to the page (one task of several hundred
 * milliseconds on a slow machine otherwise).
 */
export function start(): void {
  restoreOrDefault();
  const root = createRoot(document.getElementById('root')!);
  startTransition(() => root.render(<App />));
}
