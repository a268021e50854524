/**
 * The topology canvas. The store holds the scenario; xyflow only draws it: nodes and edges are derived
 * from the document (built again when it or the selection changes), and every change xyflow reports becomes
 * a store edit (one undo step per drag, per connection, per deletion).
 */
import {
  Background,
  type Connection,
  Controls,
  type Edge,
  type EdgeChange,
  type FinalConnectionState,
  type Node,
  type NodeChange,
  ReactFlow,
  ReactFlowProvider,
  useReactFlow,
} from '@xyflow/react';
import { type DragEvent, startTransition, useCallback, useDeferredValue, useEffect, useMemo, useRef, useState } from 'react';
import { nextTask } from '../nextTask.ts';
import { isReplicationEdge } from '../../sim/index.ts';
import { appStore, useApp } from '../store/appStore.ts';
import { edgeId } from '../store/doc.ts';
import { NODE_SIZE, spreadFactor } from '../store/layout.ts';
import { nodeTypes as buildNodeTypes, streamEdgeType, streamEdgeTypes } from './nodes/index.ts';
import { TrafficEdge } from './TrafficEdge.tsx';

export const KIND_MIME = 'application/x-pg-lab-kind';
const edgeTypes = { traffic: TrafficEdge, ...streamEdgeTypes() };
/** A replication stream (a postgres -> postgres link) is drawn by its kind's stream edge, with its lag; other links carry traffic. */
function edgeType(doc: { nodes: { id: string; kind: string }[] }, e: { from: string; to: string }): string {
  const from = doc.nodes.find((n) => n.id === e.from)?.kind;
  return from && isReplicationEdge(from, doc.nodes.find((n) => n.id === e.to)?.kind) ? streamEdgeType(from) : 'traffic';
}

function Flow() {
  const live = useApp((s) => s.doc);
  const fitRequest = useApp((s) => s.fitRequest);
  // A document replaced (an example opened, a file loaded: each asks for a fit) is drawn in a render of its
  // own that React cuts into short tasks, after the rest of the page's update, not in the same long task
  // (issue 14); an edit (a drag, a setting) is drawn at once. The selection goes with its document (a
  // replaced one clears it: the old document's nodes are not drawn again just to unselect them).
  const previous = useDeferredValue(live);
  const liveSelection = useApp((s) => s.selection);
  const previousSelection = useDeferredValue(liveSelection);
  const current = useDeferredValue(fitRequest) === fitRequest;
  const doc = current ? live : previous;
  const selection = current ? liveSelection : previousSelection;
  const nodeTypes = useMemo(() => buildNodeTypes(), []);
  // The nodes are drawn a task after the canvas first mounts: React Flow's mount effects (its pan and zoom,
  // its size) update its store, which re-renders it synchronously, every node too, in the task of the mount's
  // effects (36-40 ms of CPU at the cold start; issue 14).
  const [shell, setShell] = useState(true);
  useEffect(() => {
    let live = true;
    void nextTask().then(() => live && startTransition(() => setShell(false)));
    return () => {
      live = false;
    };
  }, []);
  const measured = useRef(new Map<string, { width: number; height: number }>());
  const [sizes, remeasured] = useState(0);
  const flow = useReactFlow();
  const textScale = useApp((s) => s.textScale);
  const scaled = useRef(false);
  scaled.current = textScale > 1;
  const stage = useApp((s) => s.stage);
  // Larger text makes the nodes larger, not the layout: it is drawn spread apart by as much as keeps every
  // node clear of the others. Recomputed when the text size or a node's size changes, not while a node is
  // dragged (the layout would jump under the pointer).
  // biome-ignore lint/correctness/useExhaustiveDependencies: new measured sizes (`sizes`) recompute it too
  const spreadKey = useMemo(() => {
    if (textScale <= 1) return '1 1';
    const boxes = appStore.getState().doc.nodes.flatMap((n) => {
      const size = measured.current.get(n.id);
      return size ? [{ ...n.position, ...size }] : [];
    });
    const f = spreadFactor(boxes, textScale);
    return `${f.x} ${f.y}`;
  }, [textScale, sizes]);
  // one object while the factors stay the same (it is a dependency of the nodes and of the fit)
  const spread = useMemo(() => {
    const [x, y] = spreadKey.split(' ').map(Number);
    return { x, y };
  }, [spreadKey]);
  const spreadNow = useRef(spread);
  spreadNow.current = spread;
  useEffect(() => appStore.setState({ canvasSpread: spread }), [spread]);
  // biome-ignore lint/correctness/useExhaustiveDependencies: a new fit request, text size or spread refits too, and the nodes first drawn
  useEffect(() => {
    // Also refit when the text size or the stage layout changes the nodes' or the canvas's size.
    // On the stage the topology may grow past 1:1 to fill the screen. An empty canvas is not fitted: xyflow
    // would keep the fit queued and do it when the first node is dropped, which then jumps to the middle.
    const t = setTimeout(() => {
      if (appStore.getState().doc.nodes.length > 0) void flow.fitView({ padding: stage ? 0.15 : 0.3, maxZoom: stage ? 1.6 : 1 });
    }, 50);
    return () => clearTimeout(t);
  }, [fitRequest, textScale, stage, spread, flow, shell]);

  const nodes: Node[] = useMemo(
    () =>
      (shell ? [] : doc.nodes).map((n) => ({
        id: n.id,
        type: n.kind,
        position: { x: n.position.x * spread.x, y: n.position.y * spread.y },
        data: {},
        selected: selection.nodes.includes(n.id),
        measured: measured.current.get(n.id),
      })),
    [shell, doc.nodes, selection.nodes, spread],
  );
  const edges: Edge[] = useMemo(
    () =>
      doc.edges.map((e) => ({
        id: edgeId(e),
        source: e.from,
        target: e.to,
        type: edgeType(doc, e),
        selected: selection.edges.includes(edgeId(e)),
      })),
    [doc, selection.edges],
  );
  // A node's links are drawn a task after the node is first laid out: xyflow draws an edge once both its
  // nodes are measured, in the task that measures them, so an example opened had all its links and their
  // labels drawn in the task that laid out all its nodes (issue 14). A node already drawn keeps its links.
  const ids = useMemo(() => nodes.map((n) => n.id).join(' '), [nodes]);
  const [drawn, setDrawn] = useState(ids);
  useEffect(() => {
    let later: ReturnType<typeof setTimeout> | undefined;
    const frame = requestAnimationFrame(() => {
      later = setTimeout(() => setDrawn(ids), 0);
    });
    return () => {
      cancelAnimationFrame(frame);
      clearTimeout(later);
    };
  }, [ids]);
  const links = useMemo(() => {
    const ready = new Set(drawn.split(' '));
    const shown = edges.filter((e) => ready.has(e.source) && ready.has(e.target));
    return shown.length === edges.length ? edges : shown;
  }, [edges, drawn]);

  const onNodesChange = useCallback((changes: NodeChange[]) => {
    const s = appStore.getState();
    const moves: { id: string; position: { x: number; y: number } }[] = [];
    let done = false;
    let sel: Set<string> | undefined;
    let dims = false;
    for (const c of changes) {
      if (c.type === 'position' && c.position) {
        moves.push({ id: c.id, position: { x: c.position.x / spreadNow.current.x, y: c.position.y / spreadNow.current.y } });
        if (!c.dragging) done = true;
      } else if (c.type === 'position' && c.dragging === false) {
        done = true;
      } else if (c.type === 'select') {
        sel ??= new Set(s.selection.nodes);
        if (c.selected) sel.add(c.id);
        else sel.delete(c.id);
      } else if (c.type === 'dimensions' && c.dimensions) {
        measured.current.set(c.id, c.dimensions);
        dims = true;
      }
    }
    if (moves.length > 0 || done) s.moveNodes(moves, done);
    if (sel) s.select([...sel], appStore.getState().selection.edges);
    // a node's size only moves the layout under larger text: at 1x a new size (a badge's figure grew during a
    // boot or a run) re-rendered the whole canvas in the task that measured it (issue 14)
    if (dims && scaled.current) remeasured((x) => x + 1);
  }, []);

  const onEdgesChange = useCallback((changes: EdgeChange[]) => {
    const s = appStore.getState();
    let sel: Set<string> | undefined;
    for (const c of changes) {
      if (c.type === 'select') {
        sel ??= new Set(s.selection.edges);
        if (c.selected) sel.add(c.id);
        else sel.delete(c.id);
      }
    }
    if (sel) s.select(appStore.getState().selection.nodes, [...sel]);
  }, []);

  const onConnect = useCallback((c: Connection) => {
    const s = appStore.getState();
    const problem = s.connect(c.source, c.target);
    if (problem) s.notify('error', `Cannot connect ${c.source} to ${c.target}: ${problem}.`);
  }, []);

  // A drag that ends on a node but on no handle of it (a database dragged onto an app, which nothing
  // connects to) never reaches onConnect: say why it is refused, or connect when the link makes sense.
  const onConnectEnd = useCallback((e: MouseEvent | TouchEvent, state: FinalConnectionState) => {
    if (state.isValid || !state.fromNode) return;
    const at = 'changedTouches' in e ? e.changedTouches[0] : e;
    const to = document.elementFromPoint(at.clientX, at.clientY)?.closest('.react-flow__node')?.getAttribute('data-id');
    if (!to || to === state.fromNode.id) return;
    const [from, into] = state.fromHandle?.type === 'target' ? [to, state.fromNode.id] : [state.fromNode.id, to];
    const s = appStore.getState();
    const problem = s.connect(from, into);
    if (problem) s.notify('error', `Cannot connect ${from} to ${into}: ${problem}.`);
  }, []);

  const onDelete = useCallback(({ nodes: ns, edges: es }: { nodes: Node[]; edges: Edge[] }) => {
    appStore.getState().removeElements(
      ns.map((n) => n.id),
      es.map((e) => e.id),
    );
  }, []);

  const onDragOver = useCallback((e: DragEvent) => {
    if (e.dataTransfer.types.includes(KIND_MIME)) {
      e.preventDefault();
      e.dataTransfer.dropEffect = 'copy';
    }
  }, []);

  const onDrop = useCallback(
    (e: DragEvent) => {
      const kind = e.dataTransfer.getData(KIND_MIME);
      if (!kind) return;
      e.preventDefault();
      // where it is dropped: the node's title under the pointer, centred
      const p = flow.screenToFlowPosition({ x: e.clientX, y: e.clientY });
      appStore.getState().addNode(kind, { x: (p.x - NODE_SIZE.width / 2) / spreadNow.current.x, y: (p.y - 20) / spreadNow.current.y });
    },
    [flow],
  );

  return (
    // biome-ignore lint/a11y/noStaticElementInteractions: the drop target of the palette's drag and drop
    <div className="canvas" data-testid="canvas" onDragOver={onDragOver} onDrop={onDrop}>
      <ReactFlow
        nodes={nodes}
        edges={links}
        nodeTypes={nodeTypes}
        edgeTypes={edgeTypes}
        onNodesChange={onNodesChange}
        onEdgesChange={onEdgesChange}
        onConnect={onConnect}
        onConnectEnd={onConnectEnd}
        onDelete={onDelete}
        deleteKeyCode={['Delete', 'Backspace']}
        multiSelectionKeyCode={['Shift', 'Meta', 'Control']}
        minZoom={0.2}
        proOptions={{ hideAttribution: true }}
      >
        <Background gap={24} />
        <Controls />
      </ReactFlow>
      {doc.nodes.length === 0 && <div className="canvas-empty">Drag a node kind from the palette (or click it) to start drawing a topology.</div>}
    </div>
  );
}

/** The canvas; App wraps the workspace in a ReactFlowProvider so the palette can place nodes in view. */
export function Canvas() {
  return <Flow />;
}

export { ReactFlowProvider };
