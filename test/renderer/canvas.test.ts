import { describe, expect, it } from 'vitest';
import { nodeKinds } from '../../sim/index.ts';
import { nodeTypes } from '../../renderer/canvas/nodes/index.ts';
import { bezierPoint } from '../../renderer/canvas/TrafficEdge.tsx';
import { freeSpot, layoutPositions, NODE_SIZE } from '../../renderer/store/layout.ts';
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
  it('puts each new node where no node covers it, nearest the middle of the view', () => {
    const doc = docFromFile({ name: 'x', nodes: [], edges: [], workload: {}, run: {} });
    const near = { x: 100, y: 100 };
    for (let i = 0; i < 6; i++) doc.nodes.push({ id: `n${i}`, kind: 'postgres', position: freeSpot(doc, near), settings: {} });
    expect(doc.nodes[0].position).toEqual(near);
    for (const a of doc.nodes)
      for (const b of doc.nodes)
        if (a !== b) expect(Math.abs(a.position.x - b.position.x) >= NODE_SIZE.width || Math.abs(a.position.y - b.position.y) >= NODE_SIZE.height).toBe(true);
  });
});
