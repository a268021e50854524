import { beforeEach, describe, expect, it } from 'vitest';
import { docFromFile, docText, docToScenario } from '../../renderer/store/doc.ts';
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

describe('autosave and recent files', () => {
  it('writes the autosave to the store and reads it back after a restart', async () => {
    expect(readAutosave()).toBeUndefined();
    expect(await writeAutosave({ savedAt: 1, text: '{"a":1}' })).toBe(true);
    expect(readAutosave()).toEqual({ savedAt: 1, text: '{"a":1}' });
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
    expect(await writeAutosave({ savedAt: 1, text: '{}' })).toBe(false);
  });

  it('moves the autosave and recent files from localStorage once, then drops the old keys', async () => {
    localStorage.setItem('pg-scaling-lab:autosave', JSON.stringify({ savedAt: 5, text: '{"old":1}', file: { name: 'old.json' } }));
    localStorage.setItem('pg-scaling-lab:recent', JSON.stringify([{ name: 'old.json', text: '{}', at: 5 }]));
    db.m.set('recent', [{ name: 'new.json', text: '{}', at: 9 }]);
    await initStorage(db);
    expect(readAutosave()).toEqual({ savedAt: 5, text: '{"old":1}', file: { name: 'old.json' } });
    expect(readRecent().map((r) => r.name)).toEqual(['new.json', 'old.json']);
    expect(db.m.get('autosave')).toEqual(readAutosave());
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
    for (let i = 0; i < 10; i++) addRecent({ name: `f${i}.json`, text: '{}', at: i });
    addRecent({ name: 'f5.json', text: '{}', at: 99 });
    const list = readRecent();
    expect(list).toHaveLength(8);
    expect(list[0].name).toBe('f5.json');
    expect(list.filter((r) => r.name === 'f5.json')).toHaveLength(1);
    await Promise.resolve();
    expect(db.m.get('recent')).toEqual(list);
  });
});
