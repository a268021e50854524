/**
 * The app's export: the zip a browser downloads holds exactly `npm run export`'s files (the same
 * exportScenario), readable by a real unzip (Python's zipfile, which checks every CRC).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { crc32, zipFiles } from '../../renderer/bench/zip.ts';
import { readExportTemplates } from '../../sim/cli/exportTemplates.ts';
import { exportScenario, parseScenario } from '../../sim/index.ts';
import replicas from '../../lessons/scenarios/pgbouncer-replicas.json';

const python = (() => {
  try {
    execFileSync('python3', ['--version']);
    return true;
  } catch {
    return false;
  }
})();

describe('export bundle as a zip', () => {
  it('CRC-32 is the standard one', () => {
    expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926);
  });

  it.skipIf(!python)("a real unzip reads back every file of the scenario's export, byte for byte", () => {
    const parsed = parseScenario(replicas);
    if (!parsed.ok) throw new Error('example does not parse');
    const files = exportScenario(parsed.scenario, readExportTemplates());
    expect(files.map((f) => f.path)).toContain('docker-compose.yml');
    const dir = mkdtempSync(join(tmpdir(), 'pglab-zip-'));
    try {
      const zip = join(dir, 'x.zip');
      writeFileSync(zip, zipFiles([...files, { path: 'ünïcode/naïve.txt', text: 'ok ✓\n' }]));
      const out = execFileSync('python3', ['-c', 'import sys,zipfile,json; z=zipfile.ZipFile(sys.argv[1]); assert z.testzip() is None; print(json.dumps({n: z.read(n).decode() for n in z.namelist()}))', zip], { encoding: 'utf8' });
      expect(JSON.parse(out)).toEqual(Object.fromEntries([...files.map((f) => [f.path, f.text]), ['ünïcode/naïve.txt', 'ok ✓\n']]));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
