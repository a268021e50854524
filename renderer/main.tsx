/**
 * Entry of the renderer. The app's code is evaluated in stages, each in a task of its own, so the page
 * never blocks for long (issue 14: no long task over 50 ms): a module graph is evaluated in one task, and
 * the whole app as one bundle was a single task of 300-400 ms on a slow machine. The stages are dynamic
 * imports (each its own chunk), heaviest first; a module a later stage shares is not evaluated again.
 * The autosave is read from IndexedDB before the first render, so the app never shows the example first.
 */
import '@xyflow/react/dist/style.css';
import './styles.css';
import { SIM_STAGES } from '../sim/stages.ts';
import { initStorage } from './files/storage.ts';
import { nextTask } from './nextTask.ts';

/**
 * A line of text in the page's fonts while the code loads: the page's first layout (its style sheets
 * indexed, the system font found, the first glyphs shaped and painted) happens now, in a short task of its
 * own, not in the first screen's (issue 14: that task was 12-22 ms of CPU). React's first commit replaces it.
 */
function showLoading() {
  const note = document.createElement('p');
  note.className = 'muted';
  note.append(Object.assign(document.createElement('b'), { textContent: 'PG Scaling Lab' }), ' is loading…');
  document.getElementById('root')!.append(note);
}

async function boot() {
  showLoading();
  await initStorage();
  // the sim's libraries, then the sim itself in stages (sim/stages.ts: its zod schemas are built at
  // import). The page's zod runs without its JIT: by default each object schema compiles a parser (`new
  // Function`) on its first parse, which made the first lesson file's validation cost 95-115 ms of CPU
  // instead of 45-65 (later parses cost the same either way); results and messages are the same. Set
  // before the schemas are built (a schema reads it when made); the workers keep the JIT.
  const { config } = await import('zod');
  config({ jitless: true });
  await nextTask();
  await import('@stdlib/stats-base-dists-t-quantile');
  await nextTask();
  for (const stage of SIM_STAGES) {
    await stage();
    await nextTask();
  }
  await import('react-dom/client');
  await nextTask();
  await import('@xyflow/react');
  await nextTask();
  const { start } = await import('./start.tsx');
  await nextTask();
  start();
}

void boot();
