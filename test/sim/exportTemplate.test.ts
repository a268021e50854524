/** The export's template filling (sim/export/template.ts): sections, standalone tags, and a missing value refused. */
import { describe, expect, it } from 'vitest';
import { fillTemplate } from '../../sim/export/template.ts';

describe('fillTemplate', () => {
  it('keeps a section when its flag is true and an inverted one when false; a tag alone on its line takes the line', () => {
    const t = 'a\n{{#on}}\n  x = {{n}}\n{{/on}}\n{{^on}}\n  none\n{{/on}}\nb({{#on}}y{{/on}})\n';
    expect(fillTemplate(t, { on: true, n: 3 })).toBe('a\n  x = 3\nb(y)\n');
    expect(fillTemplate(t, { on: false, n: 3 })).toBe('a\n  none\nb()\n');
  });

  it('nested sections, and a value the caller forgot is an error', () => {
    expect(fillTemplate('{{#a}}[{{#b}}B{{/b}}{{^b}}-{{/b}}]{{/a}}', { a: true, b: false })).toBe('[-]');
    expect(() => fillTemplate('{{#a}}{{missing}}{{/a}}', { a: true })).toThrow(/missing/);
  });
});
