/**
 * The Redis settings the model implements, parsed, bounded and printed as config.c does for CONFIG
 * GET / CONFIG SET (Redis 7.0: several pairs set atomically, glob patterns for GET). Any other name is
 * unknown to the model, and CONFIG SET answers for it as Redis does for an unknown option.
 */
import { string2ll } from './memory.ts';
import { MAXMEMORY_POLICIES, type MaxmemoryPolicy } from './evict.ts';

export interface RedisConfig {
  /** Bytes; 0 = no limit. */
  maxmemory: number;
  'maxmemory-policy': MaxmemoryPolicy;
  'maxmemory-samples': number;
  /** Server cron frequency (active expiry, stats sampling): CONFIG SET keeps it within 1..500. */
  hz: number;
  'lfu-log-factor': number;
  /** Minutes per decrement of the LFU counter; 0 = never decays. */
  'lfu-decay-time': number;
}

/** Redis' defaults (config.c's `standardConfig` table). */
export const DEFAULT_REDIS_CONFIG: RedisConfig = {
  maxmemory: 0,
  'maxmemory-policy': 'noeviction',
  'maxmemory-samples': 5,
  hz: 10,
  'lfu-log-factor': 10,
  'lfu-decay-time': 1,
};

type Parsed = { value: number | string } | { error: string };

const INT_MAX = 2147483647;

/** `createIntConfig`: a plain integer (`string2ll`) within bounds. */
function integer(min: number, max: number) {
  return (text: string): Parsed => {
    const v = string2ll(text);
    if (v === undefined) return { error: "argument couldn't be parsed into an integer" };
    if (v < BigInt(min) || v > BigInt(max)) return { error: `argument must be between ${min} and ${max} inclusive` };
    return { value: Number(v) };
  };
}

const MEMORY_UNITS: Record<string, number> = { '': 1, b: 1, k: 1e3, kb: 1024, m: 1e6, mb: 1024 ** 2, g: 1e9, gb: 1024 ** 3 };

/** `memtoull` (util.c): digits and an optional unit (k = 1000, kb = 1024, ... case-insensitive). */
function memory(text: string): Parsed {
  const m = /^(\d+)([a-z]*)$/i.exec(text);
  const unit = m ? MEMORY_UNITS[m[2].toLowerCase()] : undefined;
  if (!m || unit === undefined) return { error: 'argument must be a memory value' };
  return { value: Number(m[1]) * unit };
}

/** `enumConfigSet`: a name of the enum, case-insensitive. */
function policy(text: string): Parsed {
  const p = MAXMEMORY_POLICIES.find((name) => name === text.toLowerCase());
  return p ? { value: p } : { error: `argument(s) must be one of the following: ${MAXMEMORY_POLICIES.join(', ')}` };
}

const PARSERS: Record<keyof RedisConfig, (text: string) => Parsed> = {
  maxmemory: memory,
  'maxmemory-policy': policy,
  'maxmemory-samples': integer(1, INT_MAX),
  hz: integer(0, INT_MAX),
  'lfu-log-factor': integer(0, INT_MAX),
  'lfu-decay-time': integer(0, INT_MAX),
};

const NAMES = Object.keys(PARSERS) as (keyof RedisConfig)[];

function lookup(name: string): keyof RedisConfig | undefined {
  return NAMES.find((n) => n === name.toLowerCase());
}

/**
 * CONFIG SET name value [name value ...]: all or nothing. Returns the new configuration, or the
 * error text Redis replies with.
 */
export function configSet(config: RedisConfig, pairs: readonly string[]): RedisConfig | string {
  if (pairs.length % 2 !== 0) return 'ERR syntax error';
  const next: Record<string, number | string> = { ...config };
  const seen = new Set<string>();
  for (let i = 0; i < pairs.length; i += 2) {
    const name = lookup(pairs[i]);
    if (!name) return `ERR Unknown option or number of arguments for CONFIG SET - '${pairs[i]}'`;
    if (seen.has(name)) return `ERR CONFIG SET failed (possibly related to argument '${pairs[i]}') - duplicate parameter`;
    seen.add(name);
  }
  for (let i = 0; i < pairs.length; i += 2) {
    const name = lookup(pairs[i])!;
    const parsed = PARSERS[name](pairs[i + 1]);
    if ('error' in parsed) return `ERR CONFIG SET failed (possibly related to argument '${name}') - ${parsed.error}`;
    next[name] = parsed.value;
  }
  // updateHZ: "Hz is more a hint from the user, so we accept values out of range but cap them".
  next.hz = Math.min(500, Math.max(1, next.hz as number));
  return next as unknown as RedisConfig;
}

/**
 * CONFIG GET pattern [pattern ...]: name/value pairs. An exact name answers under the name as typed
 * (config.c looks it up case-insensitively); a glob matches every name, in the model's table order
 * (Redis' order is its dict's hash order).
 */
export function configGet(config: RedisConfig, patterns: readonly string[]): [string, string][] {
  const out = new Map<keyof RedisConfig, string>();
  for (const pattern of patterns) {
    if (!/[[*?]/.test(pattern)) {
      const name = lookup(pattern);
      if (name && !out.has(name)) out.set(name, pattern);
      continue;
    }
    const re = globToRegExp(pattern);
    for (const name of NAMES) if (!out.has(name) && re.test(name)) out.set(name, name);
  }
  return [...out].map(([name, shown]) => [shown, String(config[name])]);
}

/** `stringmatchlen` (util.c) with nocase: `*`, `?`, `[...]` with `^` and ranges, `\` escapes. */
function globToRegExp(pattern: string): RegExp {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '*') re += '.*';
    else if (c === '?') re += '.';
    else if (c === '[') {
      const end = pattern.indexOf(']', i + 1);
      if (end < 0) return /(?!)/;
      const body = pattern.slice(i + 1, end).replace(/\\/g, '\\\\');
      re += `[${body.startsWith('^') ? `^${body.slice(1)}` : body}]`;
      i = end;
    } else if (c === '\\' && i + 1 < pattern.length) re += escapeRegExp(pattern[++i]);
    else re += escapeRegExp(c);
  }
  return new RegExp(`^${re}$`, 'is');
}

const escapeRegExp = (c: string): string => c.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
