import { beforeEach, describe, expect, it } from 'vitest';
import { docFromFile, docText, docToScenario } from '../../renderer/store/doc.ts';
import { addRecent, readAutosave, readRecent, writeAutosave } from '../../renderer/files/storage.ts';
import { parseScenarioText } from '../../sim/index.ts';
import single from '../../lessons/scenarios/single-primary.json';

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

beforeEach(() => {
  (globalThis as { localStorage?: unknown }).localStorage = new MemoryStorage();
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
  it('writes and reads the autosave', () => {
    expect(readAutosave()).toBeUndefined();
    expect(writeAutosave({ savedAt: 1, text: '{"a":1}' })).toBe(true);
    expect(readAutosave()).toEqual({ savedAt: 1, text: '{"a":1}' });
  });

  it('survives a damaged autosave', () => {
    localStorage.setItem('pg-scaling-lab:autosave', '{broken');
    expect(readAutosave()).toBeUndefined();
  });

  it('keeps the most recent files first, without duplicates, at most 8', () => {
    for (let i = 0; i < 10; i++) addRecent({ name: `f${i}.json`, text: '{}', at: i });
    addRecent({ name: 'f5.json', text: '{}', at: 99 });
    const list = readRecent();
    expect(list).toHaveLength(8);
    expect(list[0].name).toBe('f5.json');
    expect(list.filter((r) => r.name === 'f5.json')).toHaveLength(1);
  });
});
