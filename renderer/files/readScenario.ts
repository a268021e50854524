/**
 * A scenario file's text to its value, in a Web Worker (scenarioWorker.ts), with a size limit the app
 * can hold: the document lives in the page's memory, its editors and its autosave.
 */
import type { ScenarioIssue } from '../../sim/index.ts';

/** The largest scenario file the app opens; the CLI runs larger ones. */
export const MAX_SCENARIO_BYTES = 20 * 1024 * 1024;

export type ReadResult = { ok: true; raw: Record<string, unknown> } | { ok: false; issues: ScenarioIssue[] };

let worker: Worker | undefined;
let nextId = 1;
const waiting = new Map<number, (r: ReadResult) => void>();

function scenarioWorker(): Worker {
  if (!worker) {
    worker = new Worker(new URL('./scenarioWorker.ts', import.meta.url), { type: 'module', name: 'scenario reader' });
    worker.onmessage = (e: MessageEvent<ReadResult & { id: number }>) => {
      const { id, ...r } = e.data;
      waiting.get(id)?.(r as ReadResult);
      waiting.delete(id);
    };
  }
  return worker;
}

const megabytes = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MB`;

/** Parses and validates a scenario file's text off the main thread; a file over the limit is refused unread. */
export function readScenario(text: string): Promise<ReadResult> {
  // UTF-16 length: a lower bound of the UTF-8 size, enough to refuse without encoding the text
  if (text.length > MAX_SCENARIO_BYTES) {
    return Promise.resolve({
      ok: false,
      issues: [{ path: '(file)', message: `the file is ${megabytes(text.length)}; the app opens scenarios up to ${megabytes(MAX_SCENARIO_BYTES)} (the CLI, npm run sim, runs larger ones)` }],
    });
  }
  const id = nextId++;
  return new Promise((resolve) => {
    waiting.set(id, resolve);
    scenarioWorker().postMessage({ id, text });
  });
}
