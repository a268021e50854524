/** The node kinds the sim registers: drag one onto the canvas, or click it to add it. */
import { useReactFlow } from '@xyflow/react';
import { nodeKinds } from '../../sim/index.ts';
import { KIND_MIME } from '../canvas/Canvas.tsx';
import { kindIcon } from '../canvas/nodes/index.ts';
import { appStore } from '../store/appStore.ts';
import { freeSpot, NODE_SIZE } from '../store/layout.ts';

export function Palette() {
  const flow = useReactFlow();
  /** A click adds the kind in the middle of what the canvas shows, or the nearest place there no node covers. */
  const add = (kind: string) => {
    const s = appStore.getState();
    const box = document.querySelector('[data-testid="canvas"]')?.getBoundingClientRect();
    const center = box ? flow.screenToFlowPosition({ x: box.left + box.width / 2, y: box.top + box.height / 2 }) : { x: 0, y: 0 };
    s.addNode(kind, freeSpot(s.doc, { x: center.x - NODE_SIZE.width / 2, y: center.y - NODE_SIZE.height / 2 }));
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
