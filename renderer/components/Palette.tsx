/** The node kinds the sim registers: drag one onto the canvas, or click it to add it. */
import { nodeKinds } from '../../sim/index.ts';
import { KIND_MIME } from '../canvas/Canvas.tsx';
import { kindIcon } from '../canvas/nodes/index.ts';
import { appStore } from '../store/appStore.ts';

export function Palette() {
  const add = (kind: string) => {
    const s = appStore.getState();
    const n = s.doc.nodes.length;
    s.addNode(kind, { x: 40 + (n % 3) * 300, y: 40 + Math.floor(n / 3) * 180 });
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
