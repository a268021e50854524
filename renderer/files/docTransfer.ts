/**
 * A large JSON value (a document with lists of 10,000 parameter values) sent from a worker to the page in
 * pieces the page rebuilds a task at a time (issue 14). The page cannot take such a value in one go: the
 * structured clone of a 5 MB document is deserialised in the one task that receives the message (100-300 ms
 * for 220,000 strings), and so would one JSON.parse of its text be (20-50 ms). Strings cross a worker's
 * boundary as a copy of their bytes, so the pieces travel as JSON texts of ~PIECE characters each.
 */
import { nextTask } from '../nextTask.ts';

/** Characters of JSON the page parses in one task (~0.5 ms on a slow machine). */
const PIECE = 100_000;

/** Appends the elements of `json` (an array's JSON) to the array at `path` of the value being rebuilt. */
export interface Fill {
  path: (string | number)[];
  json: string;
}

/** The value without its large arrays (left empty), and the fills that put their elements back in order. */
export interface Pieces {
  skeleton: string;
  fills: Fill[];
}

const size = (v: unknown) => JSON.stringify(v)?.length ?? 0;

/**
 * The skeleton of `value` at `path`, pushing the fills of its large arrays: runs of small elements go as one
 * fill each; a large element goes as its own skeleton, followed by its fills (fills are applied in order, so
 * it is in place before them).
 */
function cut(value: unknown, path: (string | number)[], fills: Fill[]): unknown {
  if (value === null || typeof value !== 'object' || size(value) <= PIECE) return value;
  if (!Array.isArray(value)) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, cut(v, [...path, k], fills)]));
  }
  let run: unknown[] = [];
  let runSize = 0;
  const flush = () => {
    if (run.length > 0) fills.push({ path, json: JSON.stringify(run) });
    run = [];
    runSize = 0;
  };
  value.forEach((element, i) => {
    const n = size(element);
    if (n > PIECE) {
      flush();
      const inner: Fill[] = [];
      const skeleton = cut(element, [...path, i], inner);
      fills.push({ path, json: JSON.stringify([skeleton]) }, ...inner);
      return;
    }
    if (runSize + n > PIECE) flush();
    run.push(element);
    runSize += n;
  });
  flush();
  return [];
}

/** Cuts a JSON value into pieces (in the worker). */
export function toPieces(value: unknown): Pieces {
  const fills: Fill[] = [];
  const skeleton = JSON.stringify(cut(value, [], fills));
  return { skeleton, fills };
}

/** Rebuilds the value from its pieces on the page, one fill a task: the same value, key order included. */
export async function fromPieces(pieces: Pieces): Promise<unknown> {
  const root = JSON.parse(pieces.skeleton);
  for (const fill of pieces.fills) {
    await nextTask();
    const target = fill.path.reduce((o, k) => o[k as never], root) as unknown[];
    for (const element of JSON.parse(fill.json) as unknown[]) target.push(element);
  }
  return root;
}
