/**
 * Builders for node settings: each carries its real name (the object key), a default, a unit, an allowed
 * range, PostgreSQL's `context` (whether a change applies live or needs a restart) and a line of help.
 * The inspector form, the CLI's `--list-settings` and the README are generated from this metadata.
 */
import { z } from 'zod';
import { parseMemory, parseTime, type SettingValue } from '../core/units.ts';

/** As in pg_settings: `user` applies live; `postmaster` needs a restart of the node. */
export type SettingContext = 'user' | 'sighup' | 'postmaster';

export interface SettingMeta {
  [key: string]: unknown;
  help: string;
  unit?: string;
  context: SettingContext;
  min?: number | string;
  max?: number | string;
}

const units = (n: string) => ({ ms: 1e3, s: 1e6, min: 60e6 })[n] ?? 1;

export function intSetting(def: number, min: number, max: number, meta: Omit<SettingMeta, 'min' | 'max'>) {
  return z.number().int().min(min).max(max).default(def).meta({ ...meta, min, max });
}

export function numberSetting(def: number, min: number, max: number, meta: Omit<SettingMeta, 'min' | 'max'>) {
  return z.number().min(min).max(max).default(def).meta({ ...meta, min, max });
}

export function enumSetting<const T extends readonly [string, ...string[]]>(values: T, def: T[number], meta: SettingMeta) {
  return z.enum(values).default(def as never).meta(meta);
}

/**
 * A memory setting as postgresql.conf takes it: a number in `base` units or a string with a unit.
 * `base` is PostgreSQL's unit for the setting (8kB for shared_buffers, kB for work_mem).
 */
export function memorySetting(def: string, base: '8kB' | 'kB' | 'MB', min: string, max: string, meta: Omit<SettingMeta, 'min' | 'max' | 'unit'>) {
  const baseBytes = { '8kB': 8192, kB: 1024, MB: 1024 * 1024 }[base];
  const lo = parseMemory(min, 1)!;
  const hi = parseMemory(max, 1)!;
  return z
    .union([z.number(), z.string()])
    .superRefine((v, ctx) => {
      const bytes = parseMemory(v, baseBytes);
      if (bytes === undefined) {
        ctx.addIssue({ code: 'custom', message: `expected a size such as ${def}, or a number of ${base} units` });
      } else if (bytes < lo || bytes > hi) {
        ctx.addIssue({ code: 'custom', message: `${v} is outside the allowed range ${min} to ${max}` });
      }
    })
    .default(def)
    .meta({ ...meta, unit: base, min, max });
}

/** A time setting: a number in `base` units (ms unless said) or a string with a unit (`500ms`, `2s`). */
export function timeSetting(def: SettingValue, base: 'ms' | 's' | 'min', min: string, max: string, meta: Omit<SettingMeta, 'min' | 'max' | 'unit'>) {
  const baseUs = units(base);
  const lo = parseTime(min, 1)!;
  const hi = parseTime(max, 1)!;
  return z
    .union([z.number(), z.string()])
    .superRefine((v, ctx) => {
      const us = parseTime(v, baseUs);
      if (us === undefined) {
        ctx.addIssue({ code: 'custom', message: `expected a time such as ${typeof def === 'string' ? def : `${def}${base}`} (units us, ms, s, min, h, d), or a number of ${base}` });
      } else if (us < lo || us > hi) {
        ctx.addIssue({ code: 'custom', message: `${v} is outside the allowed range ${min} to ${max}` });
      }
    })
    .default(def)
    .meta({ ...meta, unit: base, min, max });
}

/** Microseconds of a time setting value validated by `timeSetting`. */
export function timeUs(v: SettingValue, base: 'ms' | 's' | 'min' = 'ms'): number {
  return parseTime(v, units(base)) ?? 0;
}

/** Bytes of a memory setting value validated by `memorySetting`. */
export function memoryBytes(v: SettingValue, base: '8kB' | 'kB' | 'MB'): number {
  return parseMemory(v, { '8kB': 8192, kB: 1024, MB: 1024 * 1024 }[base]) ?? 0;
}

export interface SettingDoc extends SettingMeta {
  name: string;
  default: unknown;
  type: string;
  values?: string[];
}

/** The documentation of every setting of a settings object, in declaration order. */
export function describeSettings(schema: z.ZodObject): SettingDoc[] {
  return Object.entries(schema.shape).map(([name, s]) => {
    const field = s as z.ZodType;
    const meta = (field.meta() ?? {}) as unknown as SettingMeta;
    const json = z.toJSONSchema(field, { io: 'input', unrepresentable: 'any' }) as { default?: unknown; enum?: string[]; type?: string };
    return { name, ...meta, default: json.default, type: json.enum ? 'enum' : (json.type ?? 'string|number'), values: json.enum };
  });
}
