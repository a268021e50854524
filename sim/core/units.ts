/**
 * PostgreSQL's units for memory and time settings, as postgresql.conf accepts them: a bare number is
 * in the setting's base unit (shared_buffers in 8kB blocks, work_mem in kB, a time in ms ...), a string
 * may carry a unit (`128MB`, `4GB`, `500ms`, `1min`). Memory units are powers of 1024, as in PostgreSQL.
 */
const MEMORY_UNITS: Record<string, number> = { B: 1, kB: 1024, MB: 1024 ** 2, GB: 1024 ** 3, TB: 1024 ** 4 };
const TIME_UNITS_US: Record<string, number> = { us: 1, ms: 1e3, s: 1e6, min: 60e6, h: 3600e6, d: 86400e6 };

export type SettingValue = number | string;

/**
 * A setting's text as a number and the multiplier of its unit (undefined: bare, in the setting's base unit), or
 * null when it is not one. Parsed once per text: the models read settings per statement, and a setting changes
 * rarely; the few texts met are kept (all forgotten past a bound).
 */
function parsedText(value: string, pattern: RegExp, units: Record<string, number>, cache: Map<string, [number, number | undefined] | null>): [number, number | undefined] | null {
  let parsed = cache.get(value);
  if (parsed === undefined) {
    const m = pattern.exec(value);
    parsed = m ? [Number(m[1]), m[2] ? units[m[2]] : undefined] : null;
    if (cache.size >= 1000) cache.clear();
    cache.set(value, parsed);
  }
  return parsed;
}
const memoryTexts = new Map<string, [number, number | undefined] | null>();
const timeTexts = new Map<string, [number, number | undefined] | null>();

/** Bytes for a memory setting; `baseBytes` is the unit of a bare number (8192 for shared_buffers). */
export function parseMemory(value: SettingValue, baseBytes: number): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0 ? value * baseBytes : undefined;
  const parsed = parsedText(value, /^\s*(\d+(?:\.\d+)?)\s*(B|kB|MB|GB|TB)?\s*$/, MEMORY_UNITS, memoryTexts);
  return parsed ? Math.round(parsed[0] * (parsed[1] ?? baseBytes)) : undefined;
}

/** Microseconds for a time setting; `baseUs` is the unit of a bare number (1000 for milliseconds). */
export function parseTime(value: SettingValue, baseUs: number): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0 ? value * baseUs : undefined;
  const parsed = parsedText(value, /^\s*(\d+(?:\.\d+)?)\s*(us|ms|s|min|h|d)?\s*$/, TIME_UNITS_US, timeTexts);
  return parsed ? parsed[0] * (parsed[1] ?? baseUs) : undefined;
}

/** `pg_size_pretty`-like rendering of bytes, for reports. */
export function formatBytes(bytes: number): string {
  const units = ['bytes', 'kB', 'MB', 'GB', 'TB'];
  let v = bytes;
  let i = 0;
  while (Math.abs(v) >= 10 * 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${Math.round(v)} ${units[i]}`;
}

/** A duration given in the CLI (`30s`, `2min`, `500ms`, or a bare number of seconds) in microseconds. */
export function parseDuration(text: string): number | undefined {
  return parseTime(/^\s*\d+(\.\d+)?\s*$/.test(text) ? Number(text) : text, 1e6);
}
