import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { StoreApi } from 'zustand/vanilla';
import { type AppState, createAppStore, type SimPort } from '../../renderer/store/appStore.ts';
import { type Command, describeSettings, nodeKind } from '../../sim/index.ts';
import { docAutosave, docFromFile, docText, emptyDoc, hasUnsavedWork, parseSettingInput, rememberTexts, settingText, validateDoc } from '../../renderer/store/doc.ts';
import single from '../../lessons/scenarios/single-primary.json';
import { isStale, simKey } from '../../renderer/store/runSlice.ts';

function fakeSim() {
  const calls: { type: string; args: unknown[] }[] = [];
  let listener: ((m: any) => void) | undefined;
  const log = <T>(type: string, args: unknown[], value: T): T => {
    calls.push({ type, args });
    return value;
  };
  const port: SimPort = {
    load: async (scenario) => log('load', [scenario], { nodes: [] }),
    apply: (async (c: Command) => {
      const { do: kind, ...args } = c;
      if (kind === 'runSql') return { node: c.node, query: c.sql, columns: ['count'], rows: [[1]], rowCount: 1 };
      return log(kind, Object.values(args), kind === 'setNodeSetting' ? { outcome: 'applied', message: '' } : null);
    }) as SimPort['apply'],
    reset: async () => null,
    continueRun: async () => log('continue', [], null),
    time: (async (c: { do: string }) => log(c.do, [c], null)) as SimPort['time'],
    subscribe: (l) => {
      listener = l;
      return () => undefined;
    },
  };
  return { port, calls, emit: (m: unknown) => listener?.(m) };
}

let store: StoreApi<AppState>;
let sim: ReturnType<typeof fakeSim>;
const s = () => store.getState();

beforeEach(() => {
  sim = fakeSim();
  store = createAppStore(() => sim.port);
  store.setState({ doc: emptyDoc() });
});

describe('replacing the document (New, Open)', () => {
  it('keeps nothing of the old document: no hidden description, no console result', () => {
    s().replaceDoc(docFromFile({ ...structuredClone(single), description: 'the old one' }));
    store.setState({ consoleResult: { node: 'primary', query: 'SELECT 1', columns: ['?column?'], rows: [[1]], rowCount: 1 } });
    s().replaceDoc(emptyDoc());
    expect(s().doc).toEqual(emptyDoc());
    expect(s().consoleResult).toBeUndefined();
    s().undo();
    expect(s().doc.description).toBe('the old one');
  });

  it('takes the document as it is, with no copy (a multi-megabyte one was a long task), as one undo step', () => {
    const before = s().doc;
    const doc = docFromFile(structuredClone(single));
    s().replaceDoc(doc);
    expect(s().doc).toBe(doc);
    expect(s().past.at(-1)).toBe(before);
    s().setName('edited');
    // an edit makes a new document: the one given is not changed
    expect(doc.name).toBe(single.name);
    s().undo();
    s().undo();
    expect(s().doc).toBe(before);
  });

  it('makes a document\'s autosave text once, or never when the worker that read its file made it', async () => {
    const stringify = vi.spyOn(JSON, 'stringify');
    try {
      const doc = docFromFile(structuredClone(single));
      const autosave = docAutosave(doc);
      expect(JSON.parse(await autosave.text())).toEqual(doc);
      expect(docAutosave(doc)).toBe(autosave);
      expect(stringify).toHaveBeenCalledTimes(1);
      const opened = docFromFile(structuredClone(single));
      const made = new Blob(['{"made":"by the worker"}']);
      rememberTexts(opened, 'the file text\n', made);
      expect(docAutosave(opened)).toBe(made);
      expect(docText(opened)).toBe('the file text\n');
      expect(stringify).toHaveBeenCalledTimes(1);
    } finally {
      stringify.mockRestore();
    }
  });

  it("asks whether the loaded run is stale once per document, not at every store update (every snapshot)", () => {
    const doc = docFromFile(structuredClone(single));
    const key = simKey(doc);
    const stringify = vi.spyOn(JSON, 'stringify');
    try {
      for (let i = 0; i < 10; i++) expect(isStale({ loadedKey: key, doc })).toBe(false);
      expect(stringify).not.toHaveBeenCalled();
      // a document the sim depends on differently is stale; one changed only where the sim does not look is not
      expect(isStale({ loadedKey: key, doc: { ...doc, run: { ...doc.run, seed: 2 } } })).toBe(true);
      expect(isStale({ loadedKey: key, doc: { ...doc, name: 'renamed' } })).toBe(false);
    } finally {
      stringify.mockRestore();
    }
  });

  it('says when New would lose work: changed since saved, or never saved with nodes', () => {
    const doc = docFromFile(structuredClone(single));
    expect(hasUnsavedWork(doc, docText(doc))).toBe(false);
    expect(hasUnsavedWork({ ...doc, name: 'renamed' }, docText(doc))).toBe(true);
    expect(hasUnsavedWork(doc, undefined)).toBe(true);
    expect(hasUnsavedWork(emptyDoc(), undefined)).toBe(false);
  });
});

describe('setting fields', () => {
  it('show an object value or default (pgbouncer databases) as JSON, never [object Object]', () => {
    const databases = describeSettings(nodeKind('pgbouncer')!.settings).find((d) => d.name === 'databases');
    expect(databases).toBeDefined();
    expect(settingText(databases?.default)).not.toMatch(/object Object/);
    expect(settingText({ mydb: 'host=primary port=5432 dbname=mydb' })).toBe('{"mydb":"host=primary port=5432 dbname=mydb"}');
    expect(settingText(undefined)).toBe('');
    expect(settingText(25)).toBe('25');
  });
});

describe('editing the topology', () => {
  it('adds nodes with fresh ids and connects an app to a database', () => {
    const app = s().addNode('app', { x: 0, y: 0 });
    const db = s().addNode('postgres', { x: 300, y: 0 });
    const db2 = s().addNode('postgres', { x: 300, y: 200 });
    expect([app, db, db2]).toEqual(['app', 'postgres', 'postgres-2']);
    expect(s().connect(app, db)).toBeUndefined();
    expect(s().doc.edges).toEqual([{ from: 'app', to: 'postgres', latency: '0.5ms' }]);
    expect(validateDoc(s().doc)).toEqual([]);
  });

  it("sets an edge's jitter and its shape, and refuses one netem does not have", () => {
    s().addNode('app', { x: 0, y: 0 });
    s().addNode('postgres', { x: 300, y: 0 });
    s().connect('app', 'postgres');
    expect(s().setEdgeSetting('app', 'postgres', 'jitter', '2ms')).toEqual([]);
    expect(s().setEdgeSetting('app', 'postgres', 'distribution', 'pareto')).toEqual([]);
    expect(s().setEdgeSetting('app', 'postgres', 'distribution', 'gamma')).not.toEqual([]);
    expect(s().doc.edges).toEqual([{ from: 'app', to: 'postgres', latency: '0.5ms', jitter: '2ms', distribution: 'pareto' }]);
  });

  it('sets scripted clients, and refuses a step to a node no app reaches', () => {
    s().addNode('app', { x: 0, y: 0 });
    s().addNode('postgres', { x: 300, y: 0 });
    s().connect('app', 'postgres');
    const script = { name: 'ryw', steps: [{ sql: 'SELECT 1', on: 'postgres' }, { wait: '100ms' }] };
    expect(s().setWorkloadField(['scripts'], [script])).toEqual([]);
    expect(s().doc.workload.scripts).toEqual([script]);
    const bad = s().setWorkloadField(['scripts'], [{ ...script, steps: [{ sql: 'SELECT 1', on: 'elsewhere' }] }]);
    expect(bad.map((i) => i.message)).toEqual([expect.stringMatching(/no app node has an edge to elsewhere/)]);
    expect(s().doc.workload.scripts).toEqual([script]);
  });

  it('refuses a link that makes no sense, and says why', () => {
    s().addNode('app', { x: 0, y: 0 });
    s().addNode('postgres', { x: 300, y: 0 });
    expect(s().connect('postgres', 'app')).toMatch(/postgres node/);
    expect(s().connect('app', 'app')).toMatch(/itself/);
    s().connect('app', 'postgres');
    expect(s().connect('app', 'postgres')).toMatch(/already connected/);
    expect(s().doc.edges).toHaveLength(1);
  });

  it('undoes and redoes every edit, and a drag is one step', () => {
    s().addNode('app', { x: 0, y: 0 });
    s().addNode('postgres', { x: 300, y: 0 });
    s().connect('app', 'postgres');
    s().moveNodes([{ id: 'app', position: { x: 10, y: 10 } }], false);
    s().moveNodes([{ id: 'app', position: { x: 50, y: 60 } }], false);
    s().moveNodes([], true);
    expect(s().doc.nodes[0].position).toEqual({ x: 50, y: 60 });
    s().undo();
    expect(s().doc.nodes[0].position).toEqual({ x: 0, y: 0 });
    s().undo();
    expect(s().doc.edges).toHaveLength(0);
    s().redo();
    expect(s().doc.edges).toHaveLength(1);
    s().redo();
    expect(s().doc.nodes[0].position).toEqual({ x: 50, y: 60 });
  });

  it('removes a node with its edges, in one undoable step', () => {
    s().addNode('app', { x: 0, y: 0 });
    s().addNode('postgres', { x: 300, y: 0 });
    s().connect('app', 'postgres');
    s().removeElements(['postgres'], []);
    expect(s().doc.nodes.map((n) => n.id)).toEqual(['app']);
    expect(s().doc.edges).toEqual([]);
    s().undo();
    expect(s().doc.edges).toHaveLength(1);
  });

  it('copies and pastes nodes with the links between them, under new ids', () => {
    s().addNode('app', { x: 0, y: 0 });
    s().addNode('postgres', { x: 300, y: 0 });
    s().connect('app', 'postgres');
    s().select(['app', 'postgres'], []);
    s().paste(s().copySelection());
    expect(s().doc.nodes.map((n) => n.id)).toEqual(['app', 'postgres', 'app-2', 'postgres-2']);
    expect(s().doc.edges.at(-1)).toMatchObject({ from: 'app-2', to: 'postgres-2' });
    expect(s().selection.nodes).toEqual(['app-2', 'postgres-2']);
  });

  it('renames a node and its links', () => {
    s().addNode('app', { x: 0, y: 0 });
    s().addNode('postgres', { x: 300, y: 0 });
    s().connect('app', 'postgres');
    expect(s().renameNode('postgres', 'primary')).toEqual([]);
    expect(s().doc.edges[0].to).toBe('primary');
    expect(s().renameNode('primary', 'Bad Name')[0].message).toMatch(/lower-case/);
    expect(s().renameNode('primary', 'app')[0].message).toMatch(/already exists/);
  });

  it('lays the topology out left to right', () => {
    s().addNode('postgres', { x: 0, y: 0 });
    s().addNode('app', { x: 0, y: 0 });
    s().connect('app', 'postgres');
    s().autoLayout();
    const [db, app] = s().doc.nodes;
    expect(app.position.x).toBeLessThan(db.position.x);
  });
});

describe('settings', () => {
  beforeEach(() => {
    store.setState({ doc: docFromFile(structuredClone(single)) });
  });

  it('accepts a valid value and refuses a bad one with the schema message, changing nothing', () => {
    expect(s().setSetting('primary', 'max_connections', 200)).toEqual([]);
    expect(s().doc.nodes[1].settings.max_connections).toBe(200);
    const before = s().doc;
    const issues = s().setSetting('primary', 'max_connections', 0);
    expect(issues.length).toBeGreaterThan(0);
    expect(issues[0].message).toMatch(/>=\s*1|too small/i);
    expect(s().doc).toBe(before);
    const mem = s().setSetting('primary', 'work_mem', '99TB');
    expect(mem[0].message).toBe('99TB is outside the allowed range 64kB to 2GB');
    expect(s().setSetting('primary', 'work_mem', 'lots')[0].message).toMatch(/expected a size/);
  });

  it('checks rules across settings (superuser_reserved_connections < max_connections)', () => {
    const issues = s().setSetting('primary', 'superuser_reserved_connections', 100);
    expect(issues.map((i) => i.message).join()).toMatch(/superuser_reserved_connections must be less than max_connections/);
  });

  it('imports a whole settings object in one undoable step (pgbouncer.ini)', () => {
    const id = s().addNode('pgbouncer', { x: 0, y: 0 });
    expect(s().replaceSettings(id, { pool_mode: 'transaction', default_pool_size: 30 })).toEqual([]);
    expect(s().doc.nodes.find((n) => n.id === id)?.settings).toEqual({ pool_mode: 'transaction', default_pool_size: 30 });
    expect(s().replaceSettings(id, { pool_mode: 'sometimes' }).length).toBeGreaterThan(0);
    s().undo();
    expect(s().doc.nodes.find((n) => n.id === id)?.settings).toEqual({});
  });

  it('parses typed text: numbers stay numbers, sizes stay strings', () => {
    expect(parseSettingInput('{"app":"host=primary"}', 'object')).toEqual({ app: 'host=primary' });
    expect(parseSettingInput('42', 'integer')).toBe(42);
    expect(parseSettingInput('16MB', 'string|number')).toBe('16MB');
    expect(parseSettingInput('128', 'string|number')).toBe(128);
    expect(parseSettingInput('closed', 'enum')).toBe('closed');
  });

  it('edits the workload and its mix through the schema', () => {
    expect(s().setWorkloadField(['clients'], 80)).toEqual([]);
    expect(s().doc.workload.clients).toBe(80);
    expect(s().setWorkloadField(['clients'], -1).length).toBeGreaterThan(0);
    expect(s().setOperations([{ name: 'Bad Name', sql: 'SELECT 1' }])[0].message).toMatch(/lower-case/);
    expect(s().setOperations([{ name: 'ping', sql: 'SELECT $1', params: [] }])[0].message).toMatch(/\$1/);
    expect(s().setOperations([{ name: 'ping', sql: 'SELECT 1' }])).toEqual([]);
  });
});

describe('the run', () => {
  beforeEach(() => {
    store.setState({ doc: docFromFile(structuredClone(single)) });
  });

  it('loads the document into the sim before running, then takes snapshots and series', async () => {
    await s().run();
    expect(sim.calls.map((c) => c.type)).toEqual(['load', 'setSpeed', 'run']);
    expect((sim.calls[0].args[0] as { nodes: unknown[] }).nodes).toHaveLength(2);
    sim.emit({ type: 'state', status: 'running', speed: 1 });
    sim.emit({
      type: 'snapshot',
      status: 'running',
      snapshot: { time: 1.2, completed: 10, failed: 0, nodes: [], inFlight: [], events: [] },
      series: [{ t: 0, throughput: 10, failed: 0, p50: 1, p95: 2, p99: 3, nodes: {} }],
      events: [{ at: 0, type: 'node-booted', node: 'primary', message: 'primary is up' }],
    });
    expect(s().status).toBe('running');
    expect(s().series).toHaveLength(1);
    expect(s().events[0].message).toBe('primary is up');
  });

  it('applies a live setting to the running sim and stays in sync', async () => {
    await s().ensureLoaded();
    sim.emit({ type: 'state', status: 'running', speed: 1 });
    s().setSetting('primary', 'work_mem', '8MB');
    await s().applySettingLive('primary', 'work_mem', '8MB');
    expect(sim.calls.at(-1)).toEqual({ type: 'setNodeSetting', args: ['primary', 'work_mem', '8MB'] });
    const { isStale } = await import('../../renderer/store/runSlice.ts');
    expect(isStale(s())).toBe(false);
    s().addNode('postgres', { x: 0, y: 300 });
    expect(isStale(s())).toBe(true);
  });

  it('a setting of a node added during the run stays in the document: no command, no "no node" banner; Reset dismisses a run banner', async () => {
    await s().ensureLoaded();
    sim.emit({ type: 'state', status: 'running', speed: 1 });
    const added = s().addNode('postgres', { x: 0, y: 300 });
    s().setSetting(added, 'work_mem', '8MB');
    const sent = sim.calls.length;
    await s().applySettingLive(added, 'work_mem', '8MB');
    expect(sim.calls.length).toBe(sent);
    expect(s().notice).toBeUndefined();
    await s().applySettingLive('primary', 'work_mem', '8MB');
    expect(s().notice).toMatchObject({ kind: 'info', text: 'work_mem applied to the running primary.' });
    await s().resetRun();
    expect(s().notice).toBeUndefined();
    s().notify('error', 'not about the run');
    await s().resetRun();
    expect(s().notice?.text).toBe('not about the run');
  });

  it('gives a fault to a running or paused run; before Run and once the run has finished, says why and sends nothing', async () => {
    expect(await s().fault({ kind: 'stop', node: 'primary' })).toBe(false);
    expect(s().notice?.text).toBe('stop primary: Press Run: faults act on the running simulation.');
    await s().ensureLoaded();
    sim.emit({ type: 'state', status: 'paused', speed: 1 });
    expect(await s().fault({ kind: 'stop', node: 'primary' })).toBe(true);
    expect(sim.calls.at(-1)).toEqual({ type: 'fault', args: [{ kind: 'stop', node: 'primary' }] });
    const sent = sim.calls.length;
    // a finished run's clock never moves again: a stopped server would never start
    sim.emit({ type: 'state', status: 'finished', speed: 1 });
    expect(await s().fault({ kind: 'start', node: 'primary' })).toBe(false);
    expect(s().notice?.text).toBe('start primary: The run has reached its run.duration: faults act while it runs. Press Continue.');
    expect(sim.calls.length).toBe(sent);
  });

  it('runs console SQL on a node, loading first', async () => {
    await s().runSql('primary', 'SELECT 1');
    expect(sim.calls[0].type).toBe('load');
    expect(s().consoleResult?.rows).toEqual([[1]]);
  });
});
