/**
 * The command line of every tool (sim, sweep, compare, export, real), read with Node's own `parseArgs`:
 * the options they share are declared and checked once here, each tool adds its own.
 */
import { type ParseArgsConfig, parseArgs } from 'node:util';
import { readFile } from 'node:fs/promises';
import { applyOverrides, formatIssues, parseDuration, parseScenarioText, type Scenario } from '../index.ts';

/** Bad command-line input: the tool prints it with its usage and exits 2. */
export class UsageError extends Error {}

type Options = NonNullable<ParseArgsConfig['options']>;

const SHARED = {
  duration: { type: 'string' },
  seed: { type: 'string' },
  set: { type: 'string', multiple: true },
  json: { type: 'string' },
  html: { type: 'string' },
} as const satisfies Options;

/** The shared options a tool takes, to spread into its own. */
export function shared<K extends keyof typeof SHARED>(...keys: K[]): Pick<typeof SHARED, K> {
  return Object.fromEntries(keys.map((k) => [k, SHARED[k]])) as Pick<typeof SHARED, K>;
}

/** Options and positionals of `argv`; an unknown option or a missing value is a UsageError. */
export function readArgs<O extends Options>(argv: string[], options: O) {
  try {
    return parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

/** `--duration` in µs (30s, 2min, 500ms). */
export function durationArg(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const us = parseDuration(v);
  if (us === undefined || us <= 0) throw new UsageError('--duration: expected a time such as 30s, 2min or 500ms');
  return us;
}

/** `--seed`: the scenario's run.seed range. */
export function seedArg(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v) || Number(v) > 2 ** 32 - 1) throw new UsageError('--seed: expected a whole number from 0 to 4294967295');
  return Number(v);
}

/** The one scenario file a tool takes. */
export function oneFile(positionals: string[], example: string): string {
  if (positionals.length > 1) throw new UsageError(`one scenario file at a time (got ${positionals.join(' and ')})`);
  if (positionals.length === 0) throw new UsageError(`give a scenario file, for example ${example}`);
  return positionals[0];
}

/** The scenario of `file` with `sets` (NODE.SETTING=VALUE) applied; what is wrong with it is a UsageError. */
export async function readScenario(file: string, sets: readonly string[] = []): Promise<Scenario> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new UsageError(`cannot read ${file}: ${(e as Error).message}`);
  }
  const parsed = parseScenarioText(text);
  if (!parsed.ok) throw new UsageError(`${file} is not a valid scenario:\n${formatIssues(parsed.issues)}`);
  const withSets = applyOverrides(parsed.scenario, [...sets]);
  if (!withSets.ok) throw new UsageError(`--set:\n${formatIssues(withSets.issues)}`);
  return withSets.scenario;
}
