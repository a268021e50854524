/** The lesson format: shipped lessons load; bad lesson files give errors with their path and line, and the others keep working. */
import { existsSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import { formatLessonError, lessonSchema, loadingLessons, loadLessons, parseLocated } from '../../lessons/index.ts';
import { lessonFiles } from './lessonFiles.ts';

const files = lessonFiles();
const good = files['lessons/monitoring.json'];
/** How many lessons ship (lessons/*.json), so a new lesson does not break the counts below. */
const shipped = Object.keys(files).filter((f) => /^lessons\/[^/]+\.json$/.test(f)).length;

/** The monitoring lesson with `edit` applied to its parsed value, as a new file's text (2-space JSON). */
function variant(edit: (l: any) => void): string {
  const l = JSON.parse(good);
  edit(l);
  return JSON.stringify(l, null, 2);
}

function errorsOf(text: string, extra: Record<string, string> = {}) {
  return loadLessons({ ...files, ...extra, 'lessons/bad.json': text }).errors.filter((e) => e.file === 'lessons/bad.json');
}

/** 1-based line of the first line of `text` containing `needle`. */
const lineWith = (text: string, needle: string) => text.split('\n').findIndex((l) => l.includes(needle)) + 1;

describe('lesson files', () => {
  it('a file is read in one slice and validated in the next (the app gives the page a turn between them)', () => {
    const validate = vi.spyOn(lessonSchema, 'safeParse');
    try {
      const loading = loadingLessons({ 'lessons/monitoring.json': good });
      loading.next();
      expect(validate).not.toHaveBeenCalled();
      loading.next();
      expect(validate).toHaveBeenCalledTimes(1);
    } finally {
      validate.mockRestore();
    }
  });

  it('every shipped lesson loads, with a start scenario per step, and has a test that replays its solution', () => {
    const { lessons, errors } = loadLessons(files);
    expect(errors.map(formatLessonError)).toEqual([]);
    expect(lessons.map((l) => l.lesson.id)).toEqual(['monitoring', 'vertical-scaling', 'read-replicas', 'connection-pooling', 'caching', 'sharding-range-hash', 'sharding-geography', 'sharding-reshard']);
    for (const l of lessons) {
      expect(l.stepStarts).toHaveLength(l.lesson.steps.length);
      expect(existsSync(`test/lessons/solution.${l.lesson.id}.test.ts`), `test/lessons/solution.${l.lesson.id}.test.ts`).toBe(true);
    }
  });

  it('a JSON syntax error gives the file, line and column; the other lessons still load', () => {
    const text = good.replace('"level": "beginner",', '"level": "beginner"');
    const r = loadLessons({ ...files, 'lessons/bad.json': text });
    expect(r.lessons).toHaveLength(shipped);
    expect(r.errors).toHaveLength(1);
    expect(r.errors[0]).toMatchObject({ file: 'lessons/bad.json', line: lineWith(text, '"patterns"') });
    expect(formatLessonError(r.errors[0])).toMatch(/^lessons\/bad\.json:\d+: not valid JSON: expected ',' or '}'/);
  });

  it('an unknown key, a bad operator and raw HTML are reported at their lines and paths', () => {
    const text = variant((l) => {
      l.steps[1].colour = 'red';
      l.steps[0].goal[0].check = 'metric';
      l.steps[0].goal[0] = { check: 'metric', path: 'latencyMs.p95', op: '=<', value: 3, why: 'x' };
      l.steps[2].text = 'Click <b>here</b>';
    });
    const errors = errorsOf(text);
    const byPath = Object.fromEntries(errors.map((e) => [e.path, e]));
    expect(byPath['steps[1]'].message).toMatch(/unknown key "colour"/);
    expect(byPath['steps[1]'].line).toBe(lineWith(text, '"id": "long-running"') - 1);
    expect(byPath['steps[0].goal[0].op'].line).toBe(lineWith(text, '"op": "=<"'));
    expect(byPath['steps[2].text'].message).toMatch(/raw HTML/);
    expect(byPath['steps[2].text'].line).toBe(lineWith(text, 'Click <b>'));
  });

  it('a missing scenario file, an edit that breaks the topology, and a goal on a node that does not exist are errors with their lines', () => {
    expect(errorsOf(variant((l) => (l.scenario = 'scenarios/nope.json')))[0].message).toMatch(/no scenario file scenarios\/nope\.json/);
    const text = variant((l) => {
      l.id = 'bad';
      l.steps[0].solution.unshift({ do: 'addEdge', from: 'app', to: 'replica9' });
      l.steps[1].goal.push({ check: 'pools', node: 'pgbouncer', column: 'cl_waiting', op: '==', value: 0, why: 'x' });
    });
    const errors = errorsOf(text);
    expect(errors.map((e) => e.path)).toEqual(['steps[0].solution[0]', 'steps[1].goal[1].node']);
    expect(errors[0].message).toMatch(/no node replica9/);
    expect(errors[0].line).toBe(lineWith(text, '"do": "addEdge"') - 1);
    expect(errors[1].message).toMatch(/no node "pgbouncer"/);
  });

  it('a bad override of the start scenario and a duplicate lesson id are errors', () => {
    expect(errorsOf(variant((l) => (l.overrides = ['primary.max_connections=-5'])))[0].path).toBe('overrides');
    const dup = loadLessons({ ...files, 'lessons/zz-copy.json': good });
    expect(dup.lessons).toHaveLength(shipped);
    expect(dup.errors).toHaveLength(1);
    expect(dup.errors[0]).toMatchObject({ file: 'lessons/zz-copy.json', path: 'id' });
    expect(dup.errors[0].message).toMatch(/the id "monitoring" is used by lessons\/monitoring\.json too/);
  });

  it('never throws on any JSON value as a lesson; every error has a line', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 4 }), (v) => {
        const errors = errorsOf(JSON.stringify(v, null, 1));
        expect(errors.length).toBeGreaterThan(0);
        for (const e of errors) expect(e.line).toBeGreaterThanOrEqual(1);
      }),
      { numRuns: 150 },
    );
  });

  it('the located JSON reader reads what JSON.parse reads, and refuses what it refuses', () => {
    fc.assert(
      fc.property(fc.json({ maxDepth: 4 }), (text) => {
        expect(parseLocated(text).value).toEqual(JSON.parse(text));
      }),
      // A "__proto__" key is an own property, not the prototype (found by this property).
      { numRuns: 300, examples: [['{"__proto__":false}'], ['{"a":{"__proto__":{"b":1}}}']] },
    );
    for (const bad of ['{', '[1,]', '{"a" 1}', '01', '"a\nb"', '{"a":1} x', 'tru']) {
      expect(() => JSON.parse(bad)).toThrow();
      expect(() => parseLocated(bad)).toThrow();
    }
  });
});
