/**
 * The sim's layers and the wall-clock ban are lint rules (biome.json, lint/no-wall-clock.grit): each probe
 * below is a file that breaks one, linted with the project's own configuration in a scratch copy of the
 * tree's shape; the lint must name it. A clean model file passes.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

interface Diagnostic {
  category: string;
  message: string;
  location: { path: string; start: { line: number } };
}

const probes: Record<string, string> = {
  // a lower layer importing a higher one
  'sim/core/up.ts': "import type { Network } from '../net/Link.ts';\nexport type X = Network;\n",
  'sim/net/up.ts': "import type { NodeModel } from '../nodes/types.ts';\nexport type X = NodeModel;\n",
  'sim/workload/up.ts': "import type { Replication } from '../replication/Replication.ts';\nexport type X = Replication;\n",
  'sim/sharding/up.ts': "import type { NodeModel } from '../nodes/types.ts';\nexport type X = NodeModel;\n",
  'sim/replication/up.ts': "import type { PostgresNode } from '../nodes/postgres/PostgresNode.ts';\nexport type X = PostgresNode;\n",
  'sim/nodes/app/up.ts': "import type { Simulation } from '../../Simulation.ts';\nexport type X = Simulation;\n",
  'sim/Simulation.ts': "import type { Runner } from './runner/Runner.ts';\nexport type X = Runner;\n",
  // the wall clock and Math.random in models
  'sim/nodes/postgres/clock.ts': 'export const a = Math.random();\nexport const b = Date.now();\nsetTimeout(() => undefined, 1);\n',
  'sim/replication/clock.ts': 'export const c = performance.now();\nexport const d = new Date();\n',
  // allowed: downward imports, a virtual timestamp formatted with Date, the engine's watchdog, the runner's pacing
  'sim/nodes/app/ok.ts': "import type { Network } from '../../net/Link.ts';\nexport type X = Network;\nexport const t = new Date(0).toISOString();\n",
  'sim/engine/ok.ts': 'export const e = performance.now();\n',
  'sim/runner/ok.ts': 'export const w = Date.now();\nsetTimeout(() => undefined, 1);\n',
};

let dir: string;
let found: Diagnostic[];

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'pg-lab-layers-'));
  copyFileSync('biome.json', join(dir, 'biome.json'));
  mkdirSync(join(dir, 'lint'));
  copyFileSync('lint/no-wall-clock.grit', join(dir, 'lint/no-wall-clock.grit'));
  for (const [path, text] of Object.entries(probes)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  let out: string;
  try {
    out = execFileSync(resolve('node_modules/.bin/biome'), ['lint', '--reporter=json', '--max-diagnostics=none', '.'], { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  } catch (e) {
    out = (e as { stdout: string }).stdout;
  }
  found = (JSON.parse(out) as { diagnostics: Diagnostic[] }).diagnostics;
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

const at = (path: string) => found.filter((d) => d.location.path === path);

describe('sim layers and the wall-clock ban fail lint when broken', () => {
  for (const path of ['sim/core/up.ts', 'sim/net/up.ts', 'sim/workload/up.ts', 'sim/sharding/up.ts', 'sim/replication/up.ts', 'sim/nodes/app/up.ts', 'sim/Simulation.ts']) {
    it(`${path}: an import that goes up a layer is an error`, () => {
      expect(at(path).map((d) => d.category)).toEqual(['lint/style/noRestrictedImports']);
    });
  }

  it('Math.random, Date.now, setTimeout, performance.now and new Date() in models are errors, each where it is', () => {
    expect(at('sim/nodes/postgres/clock.ts').map((d) => [d.category, d.location.start.line])).toEqual([
      ['plugin', 1],
      ['plugin', 2],
      ['plugin', 3],
    ]);
    expect(at('sim/replication/clock.ts').map((d) => d.location.start.line)).toEqual([1, 2]);
  });

  it('downward imports, a formatted virtual time, the engine watchdog and the runner pace freely', () => {
    expect([...at('sim/nodes/app/ok.ts'), ...at('sim/engine/ok.ts'), ...at('sim/runner/ok.ts')]).toEqual([]);
  });
});
