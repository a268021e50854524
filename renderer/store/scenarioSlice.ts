/**
 * The scenario being edited, its selection and its undo/redo history. Every edit goes through `commit`,
 * which records the document before it: Ctrl+Z brings it back. Edits the schema refuses change nothing
 * and return the schema's issues.
 */
import type { ScenarioIssue } from '../../sim/index.ts';
import type { AppSet, AppState } from './appStore.ts';
import { connectionProblem, type Doc, type DocEdge, type DocNode, emptyDoc, freshId, newIssues } from './doc.ts';
import { layoutPositions } from './layout.ts';

const HISTORY = 200;

export interface Clipboard {
  nodes: DocNode[];
  edges: DocEdge[];
}

export interface ScenarioSlice {
  doc: Doc;
  past: Doc[];
  future: Doc[];
  selection: { nodes: string[]; edges: string[] };
  /** The document when a drag started: the drag becomes one undo step when it ends. */
  dragStart: Doc | undefined;
  /** Bumped when a whole document is loaded: the canvas fits it to the view. */
  fitRequest: number;
  commit(mutate: (d: Doc) => void): void;
  replaceDoc(doc: Doc): void;
  addNode(kind: string, position: { x: number; y: number }): string;
  removeElements(nodeIds: string[], edgeIds: string[]): void;
  deleteSelection(): void;
  moveNodes(moves: { id: string; position: { x: number; y: number } }[], done: boolean): void;
  connect(from: string, to: string): string | undefined;
  setSetting(nodeId: string, name: string, value: unknown): ScenarioIssue[];
  resetSetting(nodeId: string, name: string): void;
  /** Replaces all of a node's settings at once (an imported pgbouncer.ini): one undo step. */
  replaceSettings(nodeId: string, settings: Record<string, unknown>): ScenarioIssue[];
  renameNode(id: string, next: string): ScenarioIssue[];
  /** One of an edge's settings (latency, jitter, distribution). */
  setEdgeSetting(from: string, to: string, name: 'latency' | 'jitter' | 'distribution', value: string | number): ScenarioIssue[];
  setWorkloadField(path: string[], value: unknown): ScenarioIssue[];
  setOperations(ops: unknown[] | undefined): ScenarioIssue[];
  setRunField(name: string, value: unknown): ScenarioIssue[];
  setName(name: string): ScenarioIssue[];
  /** Replaces the shard map (undefined: not sharded), refused with the schema's issues; it applies at the next Run. */
  setSharding(map: Record<string, unknown> | undefined): ScenarioIssue[];
  select(nodes: string[], edges: string[]): void;
  copySelection(): Clipboard;
  paste(clip: Clipboard): void;
  autoLayout(): void;
  undo(): void;
  redo(): void;
}

function tryEdit(get: () => AppState, mutate: (d: Doc) => void, filter?: (i: ScenarioIssue) => boolean): ScenarioIssue[] {
  const before = get().doc;
  const after = structuredClone(before);
  mutate(after);
  const issues = newIssues(before, after, filter);
  if (issues.length === 0) get().commit(mutate);
  return issues;
}

/** Whether an issue is about node `id` (paths read `nodes[1 (primary)].x` or `nodes[1].x`, by index). */
function onNode(get: () => AppState, id: string) {
  const index = get().doc.nodes.findIndex((n) => n.id === id);
  return (i: ScenarioIssue) =>
    i.path.includes(`(${id})`) || (i as { node?: string }).node === id || i.path.startsWith(`nodes[${index}]`) || i.path.startsWith(`nodes.${index} `);
}

/**
 * The file each document was shown with when it was left for another in the history: Undo across an Open (or a
 * New) brings back the document and its file together, or Save would write the old document over the file
 * just opened. Documents of one file share its entry; a document never left has none.
 */
const fileOf = new WeakMap<Doc, Pick<AppState, 'file' | 'savedText'>>();

/**
 * Leaves the current document for `to`: records the current one's file, and gives back `to`'s when it was
 * another file (within one file, the text saved last stays what its documents are compared with).
 */
function leaveFor(s: AppState, to: Doc): Partial<Pick<AppState, 'file' | 'savedText'>> {
  fileOf.set(s.doc, { file: s.file, savedText: s.savedText });
  const was = fileOf.get(to);
  return !was || (was.file?.name === s.file?.name && was.file?.path === s.file?.path) ? {} : was;
}

export function createScenarioSlice(set: AppSet, get: () => AppState): ScenarioSlice {
  return {
    doc: emptyDoc(),
    past: [],
    future: [],
    selection: { nodes: [], edges: [] },
    dragStart: undefined,
    fitRequest: 0,

    commit(mutate) {
      const before = get().doc;
      const after = structuredClone(before);
      mutate(after);
      set({ doc: after, past: [...get().past, before].slice(-HISTORY), future: [] });
    },

    replaceDoc(doc) {
      // `doc` itself, not a copy (documents are never changed in place): copying a multi-megabyte document
      // was a long task of its own (issue 14). What the console showed was the old document's.
      const { doc: before, past, fitRequest } = get();
      leaveFor(get(), doc);
      set({ doc, past: [...past, before].slice(-HISTORY), future: [], selection: { nodes: [], edges: [] }, fitRequest: fitRequest + 1, consoleResult: undefined });
    },

    addNode(kind, position) {
      const id = freshId(get().doc, kind);
      get().commit((d) => {
        d.nodes.push({ id, kind, position: { x: Math.round(position.x), y: Math.round(position.y) }, settings: {} });
      });
      set({ selection: { nodes: [id], edges: [] } });
      return id;
    },

    removeElements(nodeIds, edgeIds) {
      if (nodeIds.length === 0 && edgeIds.length === 0) return;
      const nodes = new Set(nodeIds);
      const edges = new Set(edgeIds);
      get().commit((d) => {
        d.nodes = d.nodes.filter((n) => !nodes.has(n.id));
        d.edges = d.edges.filter((e) => !edges.has(`${e.from}->${e.to}`) && !nodes.has(e.from) && !nodes.has(e.to));
      });
      const sel = get().selection;
      set({ selection: { nodes: sel.nodes.filter((n) => !nodes.has(n)), edges: sel.edges.filter((e) => !edges.has(e)) } });
    },

    deleteSelection() {
      const { nodes, edges } = get().selection;
      get().removeElements(nodes, edges);
    },

    moveNodes(moves, done) {
      const s = get();
      const start = s.dragStart ?? s.doc;
      const doc = structuredClone(s.doc);
      for (const m of moves) {
        const n = doc.nodes.find((x) => x.id === m.id);
        if (n) n.position = { x: m.position.x, y: m.position.y };
      }
      if (done) {
        for (const n of doc.nodes) n.position = { x: Math.round(n.position.x), y: Math.round(n.position.y) };
        const moved = JSON.stringify(start.nodes.map((n) => n.position)) !== JSON.stringify(doc.nodes.map((n) => n.position));
        set({ doc, dragStart: undefined, ...(moved ? { past: [...s.past, start].slice(-HISTORY), future: [] } : {}) });
      } else {
        set({ doc, dragStart: start });
      }
    },

    connect(from, to) {
      const problem = connectionProblem(get().doc, from, to);
      if (problem) return problem;
      get().commit((d) => {
        d.edges.push({ from, to, latency: '0.5ms' });
      });
      return undefined;
    },

    setSetting(nodeId, name, value) {
      return tryEdit(
        get,
        (d) => {
          const n = d.nodes.find((x) => x.id === nodeId);
          if (n) n.settings = { ...n.settings, [name]: value };
        },
        onNode(get, nodeId),
      );
    },

    replaceSettings(nodeId, settings) {
      return tryEdit(
        get,
        (d) => {
          const n = d.nodes.find((x) => x.id === nodeId);
          if (n) n.settings = structuredClone(settings);
        },
        onNode(get, nodeId),
      );
    },

    resetSetting(nodeId, name) {
      get().commit((d) => {
        const n = d.nodes.find((x) => x.id === nodeId);
        if (n) {
          const { [name]: _, ...rest } = n.settings;
          n.settings = rest;
        }
      });
    },

    renameNode(id, next) {
      if (id === next) return [];
      if (get().doc.nodes.some((n) => n.id === next)) return [{ path: 'id', message: `a node called ${next} already exists` }];
      const issues = tryEdit(
        get,
        (d) => {
          for (const n of d.nodes) if (n.id === id) n.id = next;
          for (const e of d.edges) {
            if (e.from === id) e.from = next;
            if (e.to === id) e.to = next;
          }
        },
        (i) => onNode(get, id)(i) || (i as { node?: string }).node === next || i.path.includes(`(${next})`) || i.path.startsWith('edges'),
      );
      if (issues.length === 0) set({ selection: { nodes: [next], edges: [] } });
      return issues;
    },

    setEdgeSetting(from, to, name, value) {
      return tryEdit(get, (d) => {
        const e = d.edges.find((x) => x.from === from && x.to === to);
        if (e) e[name] = value as never;
      });
    },

    setWorkloadField(path, value) {
      return tryEdit(
        get,
        (d) => {
          let obj = d.workload as Record<string, any>;
          for (const p of path.slice(0, -1)) obj = obj[p] = { ...(obj[p] ?? {}) };
          obj[path[path.length - 1]] = value;
        },
        (i) => i.path.startsWith('workload'),
      );
    },

    setOperations(ops) {
      return tryEdit(
        get,
        (d) => {
          if (ops === undefined) delete d.workload.operations;
          else d.workload.operations = ops;
        },
        (i) => i.path.startsWith('workload'),
      );
    },

    setRunField(name, value) {
      return tryEdit(
        get,
        (d) => {
          d.run = { ...d.run, [name]: value };
        },
        (i) => i.path.startsWith('run'),
      );
    },

    setName(name) {
      return tryEdit(
        get,
        (d) => {
          d.name = name;
        },
        (i) => i.path.startsWith('name'),
      );
    },

    setSharding(map) {
      return tryEdit(get, (d) => {
        if (map === undefined) delete d.sharding;
        else d.sharding = structuredClone(map);
      });
    },

    select(nodes, edges) {
      const cur = get().selection;
      if (cur.nodes.join() === nodes.join() && cur.edges.join() === edges.join()) return;
      set({ selection: { nodes, edges } });
    },

    copySelection() {
      const { doc, selection } = get();
      const ids = new Set(selection.nodes);
      return {
        nodes: structuredClone(doc.nodes.filter((n) => ids.has(n.id))),
        edges: structuredClone(doc.edges.filter((e) => ids.has(e.from) && ids.has(e.to))),
      };
    },

    paste(clip) {
      if (clip.nodes.length === 0) return;
      const renamed = new Map<string, string>();
      const pasted: string[] = [];
      get().commit((d) => {
        for (const n of clip.nodes) {
          const id = freshId(d, n.id.replace(/-\d+$/, ''));
          renamed.set(n.id, id);
          pasted.push(id);
          d.nodes.push({ ...structuredClone(n), id, position: { x: n.position.x + 40, y: n.position.y + 40 } });
        }
        for (const e of clip.edges) d.edges.push({ ...e, from: renamed.get(e.from)!, to: renamed.get(e.to)! });
      });
      set({ selection: { nodes: pasted, edges: [] } });
    },

    autoLayout() {
      const positions = layoutPositions(get().doc);
      get().commit((d) => {
        for (const n of d.nodes) n.position = positions.get(n.id) ?? n.position;
      });
      set({ fitRequest: get().fitRequest + 1 });
    },

    undo() {
      const { past, doc, future } = get();
      if (past.length === 0) return;
      const to = past[past.length - 1];
      set({ doc: to, past: past.slice(0, -1), future: [doc, ...future].slice(0, HISTORY), dragStart: undefined, ...leaveFor(get(), to) });
    },

    redo() {
      const { past, doc, future } = get();
      if (future.length === 0) return;
      set({ doc: future[0], future: future.slice(1), past: [...past, doc].slice(-HISTORY), dragStart: undefined, ...leaveFor(get(), future[0]) });
    },
  };
}
