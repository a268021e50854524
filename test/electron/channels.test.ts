import { describe, expect, it } from 'vitest';
import { MAX_BUNDLE_BYTES, MAX_BUNDLE_FILES, MAX_PROGRESS_LESSONS, MAX_SCENARIO_BYTES, PayloadError, validate } from '../../electron/channels.ts';

describe('IPC payload validation', () => {
  it('accepts well-formed requests', () => {
    expect(validate.save({ suggestedName: 'a.json', text: '{}' })).toEqual({ path: undefined, suggestedName: 'a.json', text: '{}' });
    expect(validate.save({ path: '/tmp/a.json', suggestedName: 'a.json', text: '{}' }).path).toBe('/tmp/a.json');
    expect(validate.exportImage({ suggestedName: 'a.png', format: 'png', dataUrl: 'data:image/png;base64,AAAA' }).format).toBe('png');
    expect(validate.title('x')).toBe('x');
    expect(() => validate.none(undefined)).not.toThrow();
    expect(validate.lessonProgress(undefined)).toBeUndefined();
    const p = { format: 'pg-scaling-lab-progress', version: 1, lessons: { monitoring: { done: ['connections'], current: 1 } } };
    expect(validate.lessonProgress(p)).toEqual(p);
  });

  it('refuses lesson progress that is not progress', () => {
    const ok = { format: 'pg-scaling-lab-progress', version: 1 };
    const lesson = (l: unknown) => ({ ...ok, lessons: { monitoring: l } });
    const bad: unknown[] = [
      null,
      'progress',
      [],
      { ...ok },
      { ...ok, lessons: [] },
      { ...ok, format: 'other', lessons: {} },
      { ...ok, version: 2, lessons: {} },
      { ...ok, lessons: {}, extra: 1 },
      lesson({ done: 'all', current: 0 }),
      lesson({ done: [], current: -1 }),
      lesson({ done: [], current: 1.5 }),
      lesson({ done: [], current: 101 }),
      lesson({ done: [42], current: 0 }),
      lesson({ done: ['x'.repeat(41)], current: 0 }),
      lesson({ done: Array.from({ length: 101 }, (_, i) => `s${i}`), current: 0 }),
      lesson({ done: [], current: 0, extra: true }),
      lesson(null),
      { ...ok, lessons: { ['x'.repeat(41)]: { done: [], current: 0 } } },
      { ...ok, lessons: Object.fromEntries(Array.from({ length: MAX_PROGRESS_LESSONS + 1 }, (_, i) => [`l${i}`, { done: [], current: 0 }])) },
    ];
    for (const payload of bad) expect(() => validate.lessonProgress(payload), JSON.stringify(payload)?.slice(0, 60)).toThrow(PayloadError);
  });

  it('accepts an export bundle of relative plain paths, and refuses one that could leave its folder or is too large', () => {
    const files = [{ path: 'primary/postgresql.conf', text: 'max_connections = 100\n' }, { path: 'docker-compose.yml', text: 'services:\n' }];
    expect(validate.exportBundle({ suggestedName: 'lab-export', files })).toEqual({ suggestedName: 'lab-export', files });
    const file = (path: unknown, text: unknown = 'x') => ({ suggestedName: 'e', files: [{ path, text }] });
    const bad: unknown[] = [
      null,
      { suggestedName: 'e', files: [] },
      { suggestedName: '../e', files },
      // the folder's own name must be a name: '..' would write the bundle into the parent of the folder picked
      { suggestedName: '..', files },
      { suggestedName: '.', files },
      { suggestedName: 'e', files, extra: 1 },
      { suggestedName: 'e', files: Array.from({ length: MAX_BUNDLE_FILES + 1 }, (_, i) => ({ path: `f${i}`, text: '' })) },
      { suggestedName: 'e', files: [files[0], { path: 'PRIMARY/postgresql.conf', text: '' }] },
      { suggestedName: 'e', files: [{ path: 'a', text: 'x'.repeat(MAX_BUNDLE_BYTES / 2 + 1) }, { path: 'b', text: 'x'.repeat(MAX_BUNDLE_BYTES / 2) }] },
      file('../outside.conf'),
      file('a/../../outside.conf'),
      file('/etc/passwd'),
      file('C:\\x'),
      file('a//b'),
      file('.'),
      file('a b'),
      file(42),
      file('a', 42),
      { suggestedName: 'e', files: [{ path: 'a', text: '', mode: 0o777 }] },
    ];
    for (const payload of bad) expect(() => validate.exportBundle(payload), JSON.stringify(payload)?.slice(0, 80)).toThrow(PayloadError);
  });

  it('refuses anything else', () => {
    const bad: [keyof typeof validate, unknown][] = [
      ['save', null],
      ['save', 'text'],
      ['save', { suggestedName: '../../etc/passwd', text: '' }],
      ['save', { suggestedName: 'a.json', text: 42 }],
      ['save', { suggestedName: 'a.json', text: 'x'.repeat(MAX_SCENARIO_BYTES + 1) }],
      ['save', { path: 'a\0b', suggestedName: 'a.json', text: '' }],
      ['exportImage', { suggestedName: 'a.png', format: 'gif', dataUrl: 'data:image/gif;base64,' }],
      ['exportImage', { suggestedName: 'a.png', format: 'png', dataUrl: 'https://example.com/x.png' }],
      ['path', 42],
      ['title', { toString: () => 'x' }],
      ['none', 'unexpected'],
    ];
    for (const [kind, payload] of bad) expect(() => (validate[kind] as (p: unknown) => unknown)(payload), `${kind} ${JSON.stringify(payload)?.slice(0, 40)}`).toThrow(PayloadError);
  });
});
