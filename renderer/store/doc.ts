/**
 * The document being edited: a scenario as the sim's JSON file holds it (nodes with positions and the
 * settings the user set, edges, workload, run). Pure functions over it: ids, validation, conversion.
 */
import { edgeProblem, nodeKind, parseScenario, type ScenarioIssue } from '../../sim/index.ts';
import { jsonBlob } from '../files/storage.ts';

export interface DocNode {
  id: string;
  kind: string;
  label?: string;
  position: { x: number; y: number };
  /** Its region (sim/sharding/regions.ts), kept as the file has it. */
  region?: string;
  settings: Record<string, unknown>;
}

export interface DocEdge {
  from: string;
  to: string;
  latency?: string | number;
  jitter?: string | number;
  distribution?: string;
}

export interface Doc {
  name: string;
  description?: string;
  nodes: DocNode[];
  edges: DocEdge[];
  workload: Record<string, unknown>;
  run: Record<string, unknown>;
  /** The shard map (sim/sharding), kept as the file has it. */
  sharding?: Record<string, unknown>;
  /** Round trips between regions (sim/sharding/regions.ts), kept as the file has it. */
  regions?: Record<string, unknown>;
}

export const edgeId = (e: { from: string; to: string }) => `${e.from}->${e.to}`;

export function emptyDoc(): Doc {
  return { name: 'Untitled scenario', nodes: [], edges: [], workload: {}, run: { seed: 1, duration: '30s' } };
}

/** A document from a parsed scenario file (its raw JSON, so settings the file left out stay out). */
export function docFromFile(raw: Record<string, any>): Doc {
  const nodes = (raw.nodes as any[]).map((n, i) => ({
    id: n.id,
    kind: n.kind,
    ...(n.label !== undefined ? { label: n.label } : {}),
    position: n.position ?? { x: (i % 4) * 280, y: Math.floor(i / 4) * 180 },
    ...(n.region !== undefined ? { region: n.region } : {}),
    settings: { ...(n.settings ?? {}) },
  }));
  return {
    name: raw.name ?? 'Untitled scenario',
    ...(raw.description !== undefined ? { description: raw.description } : {}),
    nodes,
    edges: ((raw.edges ?? []) as any[]).map((e) => ({ ...e })),
    workload: structuredClone(raw.workload ?? {}),
    run: structuredClone(raw.run ?? {}),
    ...(raw.sharding !== undefined ? { sharding: structuredClone(raw.sharding) } : {}),
    ...(raw.regions !== undefined ? { regions: structuredClone(raw.regions) } : {}),
  };
}

/** The scenario file's JSON for a document. */
export function docToScenario(doc: Doc): Record<string, unknown> {
  return {
    name: doc.name,
    ...(doc.description !== undefined ? { description: doc.description } : {}),
    nodes: doc.nodes.map((n) => ({
      id: n.id,
      kind: n.kind,
      ...(n.label !== undefined ? { label: n.label } : {}),
      position: { x: Math.round(n.position.x), y: Math.round(n.position.y) },
      ...(n.region !== undefined ? { region: n.region } : {}),
      settings: n.settings,
    })),
    edges: doc.edges,
    workload: doc.workload,
    run: doc.run,
    ...(doc.sharding !== undefined ? { sharding: doc.sharding } : {}),
    ...(doc.regions !== undefined ? { regions: doc.regions } : {}),
  };
}

/**
 * `make(doc)` for the last document asked about. Documents are never changed in place (an edit makes a new
 * one), and the current one is asked about on every store update; one per document would keep a value the
 * size of a multi-megabyte scenario for every step of the undo history.
 */
export function lastDoc<T>(make: (doc: Doc) => T): { get(doc: Doc): T; set(doc: Doc, value: T): void } {
  let last: { doc: Doc; value: T } | undefined;
  return {
    get(doc) {
      if (last?.doc !== doc) last = { doc, value: make(doc) };
      return last.value;
    },
    set(doc, value) {
      last = { doc, value };
    },
  };
}

const texts = lastDoc((d) => `${JSON.stringify(docToScenario(d), null, 2)}\n`);
const autosaves = lastDoc((d) => jsonBlob(JSON.stringify(d)));

/**
 * The document as a scenario file's text, made once for the current document: the toolbar's unsaved-changes check asks on
 * every store update, which for a multi-megabyte scenario would stringify it many times a second.
 */
export function docText(doc: Doc): string {
  return texts.get(doc);
}

/** The document's JSON as a Blob, the autosave's text (files/storage.ts says why a Blob), made once for the current document. */
export function docAutosave(doc: Doc): Blob {
  return autosaves.get(doc);
}

/**
 * Records a document's `docText` and `docAutosave` made by the worker that read its file, so that the page
 * never makes them for a document that did not change (each was a long task for a multi-megabyte one).
 */
export function rememberTexts(doc: Doc, text: string, autosave: Blob): void {
  texts.set(doc, text);
  autosaves.set(doc, autosave);
}

/**
 * Whether New or Open would lose work: the document differs from the file it was opened from or saved to,
 * or, never saved, it holds nodes.
 */
export function hasUnsavedWork(doc: Doc, savedText: string | undefined): boolean {
  return savedText === undefined ? doc.nodes.length > 0 : savedText !== docText(doc);
}

export function validateDoc(doc: Doc): ScenarioIssue[] {
  const r = parseScenario(docToScenario(doc));
  return r.ok ? [] : r.issues;
}

/** A fresh id for a node of `kind`: the kind's name, then kind-2, kind-3 ... */
export function freshId(doc: Doc, kind: string): string {
  const taken = new Set(doc.nodes.map((n) => n.id));
  const base = kind.toLowerCase().replace(/[^a-z0-9_-]/g, '').replace(/^[^a-z]+/, '') || 'node';
  if (!taken.has(base)) return base;
  for (let i = 2; ; i++) if (!taken.has(`${base}-${i}`)) return `${base}-${i}`;
}

/** Why an edge from -> to cannot be added, or undefined. */
export function connectionProblem(doc: Doc, from: string, to: string): string | undefined {
  const a = doc.nodes.find((n) => n.id === from);
  const b = doc.nodes.find((n) => n.id === to);
  if (!a || !b) return 'both ends of a link must be nodes';
  const why = edgeProblem(a.kind, b.kind, from === to);
  if (why) return why;
  if (doc.edges.some((e) => e.from === from && e.to === to)) return `${from} is already connected to ${to}`;
  return undefined;
}

/**
 * Issues that a change to `doc` introduced, relative to `before`: what the schema says about the new
 * value. Issues the document already had (an empty canvas) are not the change's fault.
 */
export function newIssues(before: Doc, after: Doc, filter: (i: ScenarioIssue) => boolean = () => true): ScenarioIssue[] {
  const old = new Set(validateDoc(before).map((i) => `${i.path}|${i.message}`));
  return validateDoc(after).filter((i) => !old.has(`${i.path}|${i.message}`) && filter(i));
}

/** A setting value (or default) as a form shows it: an object (pgbouncer's `databases`) as JSON, never "[object Object]". */
export function settingText(value: unknown): string {
  if (value === undefined) return '';
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}

/** The text of a setting value typed in a form: numbers stay numbers, sizes and times stay strings. */
export function parseSettingInput(text: string, type: string): unknown {
  const t = text.trim();
  if (type === 'integer' || type === 'number') return t === '' ? Number.NaN : Number(t);
  if (type === 'boolean') return t === 'true';
  if (type === 'enum' || type === 'string') return t;
  if (type === 'object' || type === 'array') {
    try {
      return JSON.parse(t);
    } catch {
      return t;
    }
  }
  return /^-?\d+(\.\d+)?$/.test(t) ? Number(t) : t;
}

export function kindLabel(kind: string): string {
  return nodeKind(kind)?.label ?? kind;
}
