/**
 * Files on disk for the main process: atomic writes (a temporary file in the same folder, then a
 * rename, so a crash never leaves half a scenario), bounded reads, and the recent-files list.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import { MAX_SCENARIO_BYTES } from './channels.ts';

export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  const dir = dirname(path);
  await mkdir(dir, { recursive: true });
  const tmp = join(dir, `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    await writeFile(tmp, data, { flag: 'wx' });
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
}

export async function readScenarioFile(path: string): Promise<string> {
  const s = await stat(path);
  if (!s.isFile()) throw new Error(`${path} is not a file`);
  if (s.size > MAX_SCENARIO_BYTES) throw new Error(`${path} is larger than ${MAX_SCENARIO_BYTES / 1024 / 1024} MB: not a scenario file`);
  return readFile(path, 'utf8');
}

const MAX_RECENT = 10;

export class RecentFiles {
  constructor(private readonly file: string) {}

  async list(): Promise<string[]> {
    try {
      const v = JSON.parse(await readFile(this.file, 'utf8'));
      return Array.isArray(v) ? v.filter((p): p is string => typeof p === 'string').slice(0, MAX_RECENT) : [];
    } catch {
      return [];
    }
  }

  async add(path: string): Promise<string[]> {
    const next = [path, ...(await this.list()).filter((p) => p !== path)].slice(0, MAX_RECENT);
    await writeFileAtomic(this.file, JSON.stringify(next, null, 2));
    return next;
  }
}

/** The bytes of an image data URL (PNG base64, or SVG url-encoded / base64). */
export function dataUrlBytes(dataUrl: string): Buffer {
  const comma = dataUrl.indexOf(',');
  const head = dataUrl.slice(0, comma);
  const body = dataUrl.slice(comma + 1);
  return head.endsWith(';base64') ? Buffer.from(body, 'base64') : Buffer.from(decodeURIComponent(body), 'utf8');
}

/**
 * Writes a bundle's files (validated relative paths, channels.ts) under `dir`, each atomically. A path
 * that would resolve outside `dir` is refused before anything is written (the validation already makes
 * that impossible; this keeps it true if the validation changes).
 */
export async function writeBundle(dir: string, files: readonly { path: string; text: string }[]): Promise<void> {
  const root = resolve(dir);
  const targets = files.map((f) => {
    const target = resolve(root, ...f.path.split('/'));
    const rel = relative(root, target);
    if (rel === '' || rel.startsWith('..') || rel.split(sep).includes('..')) throw new Error(`${f.path} is outside the export folder`);
    return { target, text: f.text };
  });
  for (const t of targets) await writeFileAtomic(t.target, t.text);
}
