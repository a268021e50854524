/**
 * The lesson reader refuses what JSON.parse would let through or die on (issue 18, item 8): a file
 * nested thousands of levels deep overflowed its stack (and took every other lesson down with it) or
 * took seconds and hundreds of MB; a key given twice in one object was dropped silently. Both are now a
 * `file:line` error for that file alone.
 */
import { describe, expect, it } from 'vitest';
import { formatLessonError, JsonSyntaxError, loadLessons, parseLocated } from '../../lessons/index.ts';
import { MAX_DEPTH } from '../../lessons/json.ts';
import { lessonFiles } from './lessonFiles.ts';

const files = lessonFiles();

const nested = (depth: number, open = '[', close = ']') => `{\n"id": "deep",\n"x": ${open.repeat(depth)}1${close.repeat(depth)}\n}`;

describe('nesting', () => {
  it.each([9000, 5000, MAX_DEPTH])('a lesson nested %i levels deep is an error at its line; the other lessons load', (depth) => {
    const r = loadLessons({ ...files, 'lessons/deep.json': nested(depth) });
    expect(r.lessons.map((l) => l.lesson.id)).toEqual(loadLessons(files).lessons.map((l) => l.lesson.id));
    expect(r.errors).toHaveLength(1);
    expect(formatLessonError(r.errors[0])).toBe(`lessons/deep.json:3: not valid JSON: nested deeper than ${MAX_DEPTH} levels (column ${MAX_DEPTH + 5})`);
  });

  it('objects count as levels too, and a value just within the limit reads as JSON.parse reads it', () => {
    expect(() => parseLocated('{"a":'.repeat(MAX_DEPTH + 1) + '1' + '}'.repeat(MAX_DEPTH + 1))).toThrow(JsonSyntaxError);
    const text = '['.repeat(MAX_DEPTH) + '1' + ']'.repeat(MAX_DEPTH);
    expect(parseLocated(text).value).toEqual(JSON.parse(text));
  });
});

describe('duplicate keys', () => {
  it('a key given twice in one object is an error at the second one', () => {
    const text = '{\n  "id": "dup",\n  "title": "a",\n  "title": "b"\n}';
    const e = (() => {
      try {
        parseLocated(text);
      } catch (x) {
        return x as JsonSyntaxError;
      }
    })();
    expect(e).toBeInstanceOf(JsonSyntaxError);
    expect(e).toMatchObject({ message: 'the key "title" appears twice in this object', line: 4, column: 3 });
    const r = loadLessons({ ...files, 'lessons/dup.json': text });
    expect(r.errors.map(formatLessonError)).toEqual(['lessons/dup.json:4: not valid JSON: the key "title" appears twice in this object (column 3)']);
  });

  it('the same key in different objects, or "__proto__" once, is fine', () => {
    expect(parseLocated('{"a": {"x": 1}, "b": {"x": 2}, "__proto__": 3}').value).toEqual(JSON.parse('{"a": {"x": 1}, "b": {"x": 2}, "__proto__": 3}'));
    expect(() => parseLocated('{"__proto__": 1, "__proto__": 2}')).toThrow(/appears twice/);
  });
});
