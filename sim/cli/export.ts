/**
 * Export what a scenario designed:
 *   npm run export -- FILE --out DIR [--set NODE.SETTING=VALUE]...
 * writes sim/export's files under DIR (postgresql.conf fragments, pgbouncer.ini, redis.conf, the
 * application's routing and caching code, initdb scripts, docker-compose.yml) and lists them.
 */
import { mkdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { applyOverrides, exportScenario, formatIssues, parseScenarioText } from '../index.ts';
import { writeAtomic } from './files.ts';
import { UsageError } from './main.ts';
import { runAsScript } from './script.ts';

export function parseExportArgs(argv: string[]): { file: string; out: string; sets: string[] } {
  let file: string | undefined;
  let out: string | undefined;
  const sets: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new UsageError(`${arg} needs a value`);
      return v;
    };
    if (arg === '--out') out = value();
    else if (arg === '--set') sets.push(value());
    else if (arg.startsWith('--')) throw new UsageError(`unknown option ${arg}`);
    else if (file) throw new UsageError(`one scenario file at a time (got ${file} and ${arg})`);
    else file = arg;
  }
  if (!file || !out) throw new UsageError('give a scenario file and --out DIR');
  return { file, out, sets };
}

export async function main(argv: string[]): Promise<number> {
  let args: ReturnType<typeof parseExportArgs>;
  try {
    args = parseExportArgs(argv);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    console.error(`error: ${e.message}\nusage: npm run export -- FILE --out DIR [--set NODE.SETTING=VALUE]...`);
    return 2;
  }
  let text: string;
  try {
    text = await readFile(args.file, 'utf8');
  } catch (e) {
    console.error(`error: cannot read ${args.file}: ${(e as Error).message}`);
    return 2;
  }
  const parsed = parseScenarioText(text);
  const withSets = parsed.ok ? applyOverrides(parsed.scenario, args.sets) : parsed;
  if (!withSets.ok) {
    console.error(`error: ${args.file}:\n${formatIssues(withSets.issues)}`);
    return 2;
  }
  for (const f of exportScenario(withSets.scenario)) {
    const path = join(args.out, f.path);
    await mkdir(dirname(path), { recursive: true });
    await writeAtomic(path, f.text);
    console.log(path);
  }
  return 0;
}

runAsScript('sim/cli/export.ts', main);
