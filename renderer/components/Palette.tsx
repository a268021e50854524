/** The node kinds the sim registers: drag one onto the canvas, or click it to add it. */
import { type Node, useReactFlow } from '@xyflow/react';
import { nodeKinds } from '../../sim/index.ts';
import { KIND_MIME } from '../canvas/Canvas.tsx';
import { kindIcon } from '../canvas/nodes/index.ts';
import { appStore } from '../store/appStore.ts';
import { freeSpot, NODE_MAX_WIDTH, NODE_SIZE, PLACE_GAP } from '../store/layout.ts';

export function Palette() {
  const flow = useReactFlow();
  /**
   * A click adds the kind next to the selected node, or else in the middle of what the canvas shows: at
   * the nearest place, in view, that no node covers (boxes as the canvas draws them; the document's
   * positions are those divided by the canvas's spread).
   */
  const add = (kind: string) => {
    const s = appStore.getState();
    const nodes = flow.getNodes();
    // a node not drawn yet (the new one, one just added): as wide as a node can be, as tall as the tallest
    const size = { width: NODE_MAX_WIDTH * s.textScale, height: NODE_SIZE.height * s.textScale };
    for (const n of nodes) {
      size.width = Math.max(size.width, n.measured?.width ?? 0);
      size.height = Math.max(size.height, n.measured?.height ?? 0);
    }
    const box = (n: Node) => ({ ...n.position, width: n.measured?.width ?? size.width, height: n.measured?.height ?? size.height });
    const rect = document.querySelector('[data-testid="canvas"]')?.getBoundingClientRect();
    const [from, to] = rect ? [flow.screenToFlowPosition({ x: rect.left, y: rect.top }), flow.screenToFlowPosition({ x: rect.right, y: rect.bottom })] : [];
    const view = from && to ? { ...from, width: to.x - from.x, height: to.y - from.y } : undefined;
    const selected = s.selection.nodes.length === 1 ? flow.getNode(s.selection.nodes[0]) : undefined;
    const anchor = selected
      ? { x: selected.position.x + box(selected).width + PLACE_GAP, y: selected.position.y }
      : view
        ? { x: view.x + view.width / 2 - size.width / 2, y: view.y + view.height / 2 - size.height / 2 }
        : { x: 0, y: 0 };
    const spot = freeSpot(nodes.map(box), size, anchor, view);
    s.addNode(kind, { x: spot.x / s.canvasSpread.x, y: spot.y / s.canvasSpread.y });
  };
  return (
    <aside className="palette" data-testid="palette">
      <h2>Nodes</h2>
      {nodeKinds().map((k) => {
        const Icon = kindIcon(k.kind);
        return (
        <button
          type="button"
          key={k.kind}
          className="palette-item"
          draggable
          data-testid={`palette-${k.kind}`}
          title={k.description}
          onDragStart={(e) => {
            e.dataTransfer.setData(KIND_MIME, k.kind);
            e.dataTransfer.effectAllowed = 'copy';
          }}
          onClick={() => add(k.kind)}
        >
          <span className="palette-icon">
            <Icon />
          </span>
          <span>
            <span className="palette-label">{k.label}</span>
            <span className="palette-kind">{k.kind}</span>
          </span>
        </button>
        );
      })}
      <p className="palette-hint">Drag onto the canvas, or click. Connect a node's right handle to another's left one.</p>
    </aside>
  );
}

