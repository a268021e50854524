/**
 * The page runs zod without its JIT (renderer/main.tsx: the JIT's compile made the first lesson validation a
 * long task); the tests and the workers run with it. Both must accept and refuse the same files with the
 * same messages: the shipped lessons and bad variants load the same way under each.
 */
import { afterAll, describe, expect, it, vi } from 'vitest';
import { config } from 'zod';
import { lessonFiles } from './lessonFiles.ts';

const files = lessonFiles();
const good = JSON.parse(files['lessons/read-replicas.json']);
const variants: Record<string, (l: any) => void> = {
  'an unknown key': (l) => {
    l.steps[0].colour = 'red';
  },
  'a wrong type': (l) => {
    l.order = 'first';
  },
  'a bad check': (l) => {
    l.steps[0].goal[0] = { check: 'metric', path: 'nodes.nowhere.cpu', op: '~', value: 'x' };
  },
  'an edit that does not apply': (l) => {
    l.steps[0].solution.unshift({ do: 'removeNode', id: 'nowhere' });
  },
  'a bad inline scenario': (l) => {
    l.scenario = { nodes: [{ id: 'Bad Id', kind: 'postgres', settings: { max_connections: -1 } }] };
  },
};
/** The variant of read-replicas that `edit` makes, as the text of a lesson file with an id of its own. */
function edited(edit: (l: any) => void, i: number): string {
  const l = structuredClone(good);
  l.id = `bad${i}`;
  edit(l);
  return JSON.stringify(l, null, 2);
}

const inputs = { ...files, ...Object.fromEntries(Object.values(variants).map((edit, i) => [`lessons/bad${i}.json`, edited(edit, i)])) };

/** The lessons and errors of `inputs`, from a fresh module graph whose schemas are built with `jitless`. */
async function loadWith(jitless: boolean) {
  config({ jitless });
  vi.resetModules();
  const { loadLessons } = await import('../../lessons/index.ts');
  return loadLessons(inputs);
}

afterAll(() => config({ jitless: false }));

describe('zod with and without its JIT', () => {
  it('loads the shipped lessons and refuses bad ones the same way, with the same messages', async () => {
    const jit = await loadWith(false);
    const jitless = await loadWith(true);
    expect(jit.errors.length).toBeGreaterThanOrEqual(Object.keys(variants).length);
    expect(new Set(jit.errors.map((e) => e.file)).size).toBe(Object.keys(variants).length);
    expect(jitless).toEqual(jit);
  });
});
