/**
 * A scenario file's text to a document, in a Web Worker (scenarioWorker.ts), with a size limit the app
 * can hold: the document lives in the page's memory, its editors and its autosave.
 */
import type { ScenarioIssue } from '../../sim/index.ts';
import { type Doc, rememberTexts } from '../store/doc.ts';
import { fromPieces, type Pieces } from './docTransfer.ts';

/** The largest scenario file the app opens; the CLI runs larger ones. */
export const MAX_SCENARIO_BYTES = 20 * 1024 * 1024;

/** The document, and the file's text as a Blob (what the recent files keep). */
export type ReadResult = { ok: true; doc: Doc; file: Blob } | { ok: false; issues: ScenarioIssue[] };
type WorkerAnswer = { ok: true; pieces: Pieces; text: string; autosave: Blob; file: Blob } | { ok: false; issues: ScenarioIssue[] };

let worker: Worker | undefined;
let nextId = 1;
const waiting = new Map<number, (r: WorkerAnswer) => void>();

function scenarioWorker(): Worker {
  if (!worker) {
    worker = new Worker(new URL('./scenarioWorker.ts', import.meta.url), { type: 'module', name: 'scenario reader' });
    worker.onmessage = (e: MessageEvent<WorkerAnswer & { id: number }>) => {
      const { id, ...r } = e.data;
      waiting.get(id)?.(r as WorkerAnswer);
      waiting.delete(id);
    };
  }
  return worker;
}

const megabytes = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MB`;

/**
 * Parses and validates a scenario file's text off the main thread and rebuilds its document a task at a
 * time, its texts already made (docText, docAutosave); a file over the limit is refused unread.
 */
export async function readScenario(text: string): Promise<ReadResult> {
  // UTF-16 length: a lower bound of the UTF-8 size, enough to refuse without encoding the text
  if (text.length > MAX_SCENARIO_BYTES) {
    return {
      ok: false,
      issues: [{ path: '(file)', message: `the file is ${megabytes(text.length)}; the app opens scenarios up to ${megabytes(MAX_SCENARIO_BYTES)} (the CLI, npm run sim, runs larger ones)` }],
    };
  }
  const id = nextId++;
  const answer = await new Promise<WorkerAnswer>((resolve) => {
    waiting.set(id, resolve);
    scenarioWorker().postMessage({ id, text });
  });
  if (!answer.ok) return answer;
  const doc = (await fromPieces(answer.pieces)) as Doc;
  rememberTexts(doc, answer.text, answer.autosave);
  return { ok: true, doc, file: answer.file };
}
