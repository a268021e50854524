import { beforeEach, describe, expect, it } from 'vitest';
import { docFromFile, docText, docToScenario } from '../../renderer/store/doc.ts';
import { fromPieces, toPieces } from '../../renderer/files/docTransfer.ts';
import { addRecent, initStorage, readAutosave, readRecent, type WorkStore, writeAutosave } from '../../renderer/files/storage.ts';
import { parseScenarioText } from '../../sim/index.ts';
import single from '../../lessons/scenarios/single-primary.json';
import sharded from '../../lessons/scenarios/sharding-hash.json';

class MemoryStorage {
  private m = new Map<string, string>();
  getItem(k: string) {
    return this.m.get(k) ?? null;
  }
  setItem(k: string, v: string) {
    this.m.set(k, v);
  }
  removeItem(k: string) {
    this.m.delete(k);
  }
}

/** Stands in for IndexedDB (absent in Node). */
class MapStore implements WorkStore {
  m = new Map<string, unknown>();
  async get(k: string) {
    return structuredClone(this.m.get(k));
  }
  async put(k: string, v: unknown) {
    this.m.set(k, structuredClone(v));
  }
}

let db: MapStore;

beforeEach(async () => {
  (globalThis as { localStorage?: unknown }).localStorage = new MemoryStorage();
  db = new MapStore();
  await initStorage(db);
});

describe('scenario files', () => {
  it('round-trips a scenario file: what is saved opens again, unchanged', () => {
    const doc = docFromFile(structuredClone(single));
    const text = docText(doc);
    const r = parseScenarioText(text);
    expect(r.ok).toBe(true);
    expect(docToScenario(docFromFile(JSON.parse(text)))).toEqual(docToScenario(doc));
    // Settings the file left out stay out (their defaults are the schema's business).
    expect(JSON.parse(text).nodes[0].settings).toEqual(single.nodes[0].settings);
  });

  it('keeps a sharded scenario sharded: its shard map survives opening and saving', () => {
    const text = docText(docFromFile(structuredClone(sharded)));
    expect(JSON.parse(text).sharding).toEqual(sharded.sharding);
    expect(parseScenarioText(text).ok).toBe(true);
  });

  it('a bad file gives issues with paths', () => {
    const r = parseScenarioText('{"nodes":[{"id":"x","kind":"nope"}]}');
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.issues[0].message).toMatch(/unknown node kind/);
    const j = parseScenarioText('{oops');
    expect(j.ok).toBe(false);
    if (!j.ok) expect(j.issues[0].message).toMatch(/not valid JSON/);
  });
});

describe('a document sent from the worker in pieces', () => {
  /** The hardening e2e's scenario: 22 operations, each with a list of 10,000 values (5.4 MB). */
  const big = () =>
    docFromFile({
      ...structuredClone(single),
      workload: {
        ...single.workload,
        operations: Array.from({ length: 22 }, (_, i) => ({
          name: `lookup_${i}`,
          sql: 'SELECT id FROM users WHERE email = $1',
          params: [{ dist: 'list', values: Array.from({ length: 10_000 }, (_, j) => `user${j * 22 + i}@example.com`) }],
        })),
      },
    });

  it('rebuilds the same value, key order included, from pieces of at most ~100,000 characters', async () => {
    const doc = big();
    const pieces = toPieces(doc);
    expect(pieces.skeleton.length).toBeLessThan(20_000);
    expect(pieces.fills.length).toBeGreaterThan(40);
    for (const f of pieces.fills) expect(f.json.length).toBeLessThan(110_000);
    expect(JSON.stringify(await fromPieces(pieces))).toBe(JSON.stringify(doc));
  });

  it('keeps small values whole, and a long list of small elements in order', async () => {
    const small = docFromFile(structuredClone(single));
    expect(toPieces(small)).toEqual({ skeleton: JSON.stringify(small), fills: [] });
    const list = { rows: Array.from({ length: 50_000 }, (_, i) => ({ i, tags: i % 7 === 0 ? [] : ['x'] })), empty: null };
    const pieces = toPieces(list);
    expect(pieces.fills.length).toBeGreaterThan(5);
    expect(await fromPieces(pieces)).toEqual(list);
  });
});

describe('autosave and recent files', () => {
  it('writes the autosave to the store and reads it back after a restart', async () => {
    expect(readAutosave()).toBeUndefined();
    expect(await writeAutosave({ savedAt: 1, text: blob('{"a":1}') })).toBe(true);
    // what a start restores is the autosave found at start-up
    expect(readAutosave()).toBeUndefined();
    await initStorage(db);
    expect(readAutosave()).toEqual({ savedAt: 1, text: '{"a":1}' });
    expect(localStorage.getItem('pg-scaling-lab:autosave')).toBeNull();
  });

  it('survives a damaged autosave, and a store that fails', async () => {
    db.m.set('autosave', { text: 42 });
    localStorage.setItem('pg-scaling-lab:autosave', '{broken');
    await initStorage(db);
    expect(readAutosave()).toBeUndefined();
    await initStorage({ get: async () => Promise.reject(new Error('gone')), put: async () => Promise.reject(new Error('full')) });
    expect(readAutosave()).toBeUndefined();
    expect(await writeAutosave({ savedAt: 1, text: blob('{}') })).toBe(false);
  });

  it('moves the autosave and recent files from localStorage once, then drops the old keys', async () => {
    localStorage.setItem('pg-scaling-lab:autosave', JSON.stringify({ savedAt: 5, text: '{"old":1}', file: { name: 'old.json' } }));
    localStorage.setItem('pg-scaling-lab:recent', JSON.stringify([{ name: 'old.json', text: '{}', at: 5 }]));
    db.m.set('recent', [{ name: 'new.json', text: '{}', at: 9 }]);
    await initStorage(db);
    expect(readAutosave()).toEqual({ savedAt: 5, text: '{"old":1}', file: { name: 'old.json' } });
    expect(readRecent().map((r) => r.name)).toEqual(['new.json', 'old.json']);
    expect(await storedText(db.m.get('autosave'))).toBe('{"old":1}');
    expect(localStorage.getItem('pg-scaling-lab:autosave')).toBeNull();
    expect(localStorage.getItem('pg-scaling-lab:recent')).toBeNull();
    // A newer autosave already in IndexedDB is not replaced by an older one left in localStorage.
    localStorage.setItem('pg-scaling-lab:autosave', JSON.stringify({ savedAt: 1, text: '{"older":1}' }));
    await initStorage(db);
    expect(readAutosave()?.text).toBe('{"old":1}');
  });

  it('keeps the old keys when the store cannot take them', async () => {
    localStorage.setItem('pg-scaling-lab:autosave', JSON.stringify({ savedAt: 5, text: '{}' }));
    await initStorage({ get: async () => undefined, put: async () => Promise.reject(new Error('full')) });
    expect(readAutosave()?.savedAt).toBe(5);
    expect(localStorage.getItem('pg-scaling-lab:autosave')).not.toBeNull();
  });

  it('keeps the most recent files first, without duplicates, at most 8, in the store', async () => {
    for (let i = 0; i < 10; i++) addRecent({ name: `f${i}.json`, text: blob('{}'), at: i });
    addRecent({ name: 'f5.json', text: blob('{}'), at: 99 });
    const list = readRecent();
    expect(list).toHaveLength(8);
    expect(list[0].name).toBe('f5.json');
    expect(list.filter((r) => r.name === 'f5.json')).toHaveLength(1);
    await Promise.resolve();
    expect(db.m.get('recent')).toEqual(list);
  });

  it('stores texts as Blobs (a string read back from IndexedDB is deserialised in one task), and reads what an earlier version stored', async () => {
    await writeAutosave({ savedAt: 3, text: blob('{"doc":1}'), file: { name: 'a.json' } });
    addRecent({ name: 'a.json', text: blob('{"doc":1}'), at: 3 });
    expect(await storedText(db.m.get('autosave'))).toBe('{"doc":1}');
    await initStorage(db);
    expect(readAutosave()).toEqual({ savedAt: 3, text: '{"doc":1}', file: { name: 'a.json' } });
    expect(await readRecent()[0].text?.text()).toBe('{"doc":1}');
    // an earlier version stored the texts themselves
    db.m.set('autosave', { savedAt: 4, text: '{"doc":2}' });
    db.m.set('recent', [{ name: 'b.json', text: '{"doc":2}', at: 4 }]);
    await initStorage(db);
    expect(readAutosave()?.text).toBe('{"doc":2}');
    expect(await readRecent()[0].text?.text()).toBe('{"doc":2}');
  });
});

const blob = (text: string) => new Blob([text]);
const storedText = (entry: unknown) => (entry as { text: Blob }).text.text();
