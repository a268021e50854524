import { describe, expect, it } from 'vitest';
import { MAX_SCENARIO_BYTES, PayloadError, validate } from '../../electron/channels.ts';

describe('IPC payload validation', () => {
  it('accepts well-formed requests', () => {
    expect(validate.save({ suggestedName: 'a.json', text: '{}' })).toEqual({ path: undefined, suggestedName: 'a.json', text: '{}' });
    expect(validate.save({ path: '/tmp/a.json', suggestedName: 'a.json', text: '{}' }).path).toBe('/tmp/a.json');
    expect(validate.exportImage({ suggestedName: 'a.png', format: 'png', dataUrl: 'data:image/png;base64,AAAA' }).format).toBe('png');
    expect(validate.title('x')).toBe('x');
    expect(() => validate.none(undefined)).not.toThrow();
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
