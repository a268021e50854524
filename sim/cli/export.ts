/**
 * Export what a scenario designed:
 *   npm run export -- FILE --out DIR [--set NODE.SETTING=VALUE]...
 * writes sim/export's files under DIR (postgresql.conf fragments, pgbouncer.ini, redis.conf, pgdog.toml, the
 * application's routing and caching code, initdb scripts, docker-compose.yml) and lists them.
 */
import { mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { exportScenario, type Scenario } from '../index.ts';
import { readExportTemplates } from './exportTemplates.ts';
import { writeAtomic } from './files.ts';
import { oneFile, readArgs, readScenario, shared, UsageError } from './options.ts';
import { runAsScript } from './script.ts';

export function parseExportArgs(argv: string[]): { file: string; out: string; sets: string[] } {
  const { values: v, positionals } = readArgs(argv, { ...shared('set'), out: { type: 'string' } });
  const file = oneFile(positionals, 'lessons/scenarios/pgbouncer.json');
  if (!v.out) throw new UsageError('give a scenario file and --out DIR');
  return { file, out: v.out, sets: v.set ?? [] };
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
  let scenario: Scenario;
  try {
    scenario = await readScenario(args.file, args.sets);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    console.error(`error: ${e.message}`);
    return 2;
  }
  for (const f of exportScenario(scenario, readExportTemplates())) {
    const path = join(args.out, f.path);
    await mkdir(dirname(path), { recursive: true });
    await writeAtomic(path, f.text);
    console.log(path);
  }
  return 0;
}

runAsScript('sim/cli/export.ts', main);
