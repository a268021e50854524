/**
 * Reads and validates a scenario file off the main thread: JSON.parse and the schema's validation of a
 * multi-megabyte file take seconds, which would freeze the page. Answers the parsed value (cloned back
 * to the page) or the issues.
 */
import { parseScenarioText } from '../../sim/index.ts';

const scope = self as unknown as DedicatedWorkerGlobalScope;
scope.onmessage = (e: MessageEvent<{ id: number; text: string }>) => {
  const { id, text } = e.data;
  const r = parseScenarioText(text);
  scope.postMessage(r.ok ? { id, ok: true, raw: JSON.parse(text) } : { id, ok: false, issues: r.issues });
};
