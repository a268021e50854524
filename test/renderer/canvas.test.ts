import { describe, expect, it } from 'vitest';
import { nodeKinds } from '../../sim/index.ts';
import { nodeTypes } from '../../renderer/canvas/nodes/index.ts';
import { bezierPoint } from '../../renderer/canvas/TrafficEdge.tsx';
import { type Box, freeSpot, layoutPositions, PLACE_GAP, spreadFactor } from '../../renderer/store/layout.ts';
import { docFromFile } from '../../renderer/store/doc.ts';
import single from '../../lessons/scenarios/single-primary.json';

describe('canvas', () => {
  it('has a view for every node kind the sim registers (a generic one for kinds without their own)', () => {
    const types = nodeTypes();
    expect(Object.keys(types).sort()).toEqual(
      nodeKinds()
        .map((k) => k.kind)
        .sort(),
    );
    for (const view of Object.values(types)) expect(typeof view).toBe('function');
  });

  it('puts traffic dots on the edge curve, from one end to the other', () => {
    expect(bezierPoint(0, 0, 100, 50, 0)).toEqual([0, 0]);
    expect(bezierPoint(0, 0, 100, 50, 1)).toEqual([100, 50]);
    const [x, y] = bezierPoint(0, 0, 100, 50, 0.5);
    expect(x).toBeCloseTo(50);
    expect(y).toBeCloseTo(25);
  });

  it('lays out without overlaps', () => {
    const p = layoutPositions(docFromFile(structuredClone(single)));
    const [a, b] = [p.get('app')!, p.get('primary')!];
    expect(Math.abs(a.x - b.x)).toBeGreaterThan(200);
  });
});

describe('click-to-add', () => {
  const size = { width: 220, height: 120 };
  const apart = (a: Box, b: Box) => a.x + a.width + PLACE_GAP <= b.x || b.x + b.width + PLACE_GAP <= a.x || a.y + a.height + PLACE_GAP <= b.y || b.y + b.height + PLACE_GAP <= a.y;
  const place = (boxes: Box[], anchor: { x: number; y: number }, view?: Box) => {
    const b = { ...freeSpot(boxes, size, anchor, view), ...size };
    boxes.push(b);
    return b;
  };

  it('puts the first node at the anchor, and each next one at the nearest place no node covers', () => {
    const boxes: Box[] = [];
    const anchor = { x: 100, y: 100 };
    expect(place(boxes, anchor)).toMatchObject(anchor);
    for (let i = 0; i < 7; i++) {
      const b = place(boxes, anchor);
      expect(Math.hypot(b.x - anchor.x, b.y - anchor.y)).toBeLessThan(3 * (size.width + PLACE_GAP));
    }
    for (const a of boxes) for (const b of boxes) if (a !== b) expect(apart(a, b)).toBe(true);
  });

  it('keeps clear of nodes of any size, not only of node-sized cells', () => {
    const wide: Box = { x: 0, y: 0, width: 700, height: 300 };
    const b = place([wide], { x: 100, y: 50 });
    expect(apart(wide, b)).toBe(true);
  });

  it('prefers a place in view to a nearer one out of it', () => {
    const view: Box = { x: 0, y: 0, width: 800, height: 500 };
    // next to a node at the right edge of the view: right of it is out of view
    const selected: Box = { x: 560, y: 100, width: 220, height: 120 };
    const b = place([selected], { x: selected.x + selected.width + PLACE_GAP, y: selected.y }, view);
    expect(apart(selected, b)).toBe(true);
    expect(b.x >= view.x && b.y >= view.y && b.x + b.width <= view.x + view.width && b.y + b.height <= view.y + view.height).toBe(true);
  });
});

describe('larger text spreads the layout apart', () => {
  it('spreads along the axis that needs it, only as far as keeps the grown boxes and a label between clear, at most by the text scale', () => {
    // side by side 400 apart, overlapping in y: 200 wide at 1x, 380 wide at 1.5x
    const sideBySide = (width: number): Box[] => [
      { x: 0, y: 0, width, height: 60 },
      { x: 400, y: 20, width, height: 60 },
    ];
    expect(spreadFactor(sideBySide(200), 1.5)).toEqual({ x: 1, y: 1 });
    const s = spreadFactor(sideBySide(380), 1.5);
    expect(s.y).toBe(1);
    expect(s.x).toBeGreaterThan(1);
    expect(s.x).toBeLessThan(1.5);
    expect(400 * s.x).toBeGreaterThanOrEqual(380 + 60);
    // one above the other with room to spare: their width does not matter
    expect(spreadFactor([{ x: 0, y: 0, width: 380, height: 60 }, { x: 100, y: 200, width: 380, height: 60 }], 1.5)).toEqual({ x: 1, y: 1 });
    // one above the other, close: y spreads
    const above = spreadFactor([{ x: 0, y: 0, width: 300, height: 90 }, { x: 0, y: 120, width: 300, height: 90 }], 1.5);
    expect(above.x).toBe(1);
    expect(120 * above.y).toBeGreaterThanOrEqual(90 + 60);
    // stacked at 1x already: no spread undoes that, it stops at the text scale
    expect(spreadFactor([{ x: 0, y: 0, width: 330, height: 60 }, { x: 10, y: 0, width: 330, height: 60 }], 1.5).x).toBe(1.5);
  });
});
