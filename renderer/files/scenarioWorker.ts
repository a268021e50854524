/**
 * Reads and validates a scenario file off the main thread: JSON.parse and the schema's validation of a
 * multi-megabyte file take seconds, which would freeze the page. On success it also makes, here, what the
 * page would otherwise make in a long task: the document, in pieces the page rebuilds a task at a time
 * (docTransfer.ts), its file text (the unsaved-changes check), its JSON as a Blob (the autosave) and the
 * file's text as a Blob (the recent files; storage.ts says why Blobs). Else the issues.
 */
import { docFromFile, docText } from '../store/doc.ts';
import { parseScenarioText } from '../../sim/index.ts';
import { toPieces } from './docTransfer.ts';
import { jsonBlob } from './storage.ts';

const scope = self as unknown as DedicatedWorkerGlobalScope;
scope.onmessage = (e: MessageEvent<{ id: number; text: string }>) => {
  const { id, text } = e.data;
  const r = parseScenarioText(text);
  if (!r.ok) {
    scope.postMessage({ id, ok: false, issues: r.issues });
    return;
  }
  const doc = docFromFile(JSON.parse(text));
  scope.postMessage({ id, ok: true, pieces: toPieces(doc), text: docText(doc), autosave: jsonBlob(JSON.stringify(doc)), file: jsonBlob(text) });
};
