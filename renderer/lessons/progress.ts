/**
 * The student's progress: which steps of which lesson are done, and where they were. In Electron it is a
 * file in the user's data folder (app.getPath('userData')/lesson-progress.json, written atomically by main
 * through window.pgLab.lessonProgress); in the browser it is in IndexedDB (durable once a transaction
 * commits, so it survives a crash). Exported and imported as a JSON file.
 */
import { z } from 'zod';
import { bridge } from '../files/bridge.ts';

export const progressSchema = z.strictObject({
  format: z.literal('pg-scaling-lab-progress'),
  version: z.literal(1),
  lessons: z.record(
    z.string().max(40),
    z.strictObject({
      /** Ids of the steps whose goal was met. */
      done: z.array(z.string().max(40)).max(100),
      /** The step the student was on. */
      current: z.number().int().min(0).max(100),
    }),
  ),
});
export type Progress = z.output<typeof progressSchema>;

export function emptyProgress(): Progress {
  return { format: 'pg-scaling-lab-progress', version: 1, lessons: {} };
}

const DB = 'pg-scaling-lab';
const STORE = 'progress';
const KEY = 'student';

function open(): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const req = indexedDB.open(DB, 1);
    req.onupgradeneeded = () => req.result.createObjectStore(STORE);
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

export async function loadProgress(): Promise<Progress> {
  const desktop = bridge();
  if (desktop) {
    try {
      const p = progressSchema.safeParse(await desktop.lessonProgress());
      if (p.success && Object.keys(p.data.lessons).length > 0) return p.data;
      // Once: progress an earlier version kept in Electron's IndexedDB moves to the file.
      const old = await loadIndexedDb();
      if (Object.keys(old.lessons).length > 0) await desktop.lessonProgress(old);
      return old;
    } catch {
      return emptyProgress();
    }
  }
  return loadIndexedDb();
}

async function loadIndexedDb(): Promise<Progress> {
  if (typeof indexedDB === 'undefined') return emptyProgress();
  try {
    const db = await open();
    const value = await new Promise<unknown>((resolve, reject) => {
      const req = db.transaction(STORE, 'readonly').objectStore(STORE).get(KEY);
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error);
    });
    db.close();
    const p = progressSchema.safeParse(value);
    return p.success ? p.data : emptyProgress();
  } catch {
    return emptyProgress();
  }
}

export async function saveProgress(p: Progress): Promise<void> {
  const desktop = bridge();
  if (desktop) {
    await desktop.lessonProgress(p);
    return;
  }
  if (typeof indexedDB === 'undefined') return;
  const db = await open();
  await new Promise<void>((resolve, reject) => {
    const tx = db.transaction(STORE, 'readwrite', { durability: 'strict' });
    tx.objectStore(STORE).put(p, KEY);
    tx.oncomplete = () => resolve();
    tx.onerror = () => reject(tx.error);
  });
  db.close();
}

export function progressText(p: Progress): string {
  return `${JSON.stringify(p, null, 2)}\n`;
}

/** Reads an exported progress file; an error message when it is not one. */
export function parseProgress(text: string): { ok: true; progress: Progress } | { ok: false; message: string } {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    return { ok: false, message: `not a progress file: ${(e as Error).message}` };
  }
  const p = progressSchema.safeParse(v);
  if (!p.success) return { ok: false, message: `not a progress file: ${p.error.issues[0]?.message ?? 'unexpected content'}` };
  return { ok: true, progress: p.data };
}

/** Imported progress merged into the current one: a step done in either is done. */
export function mergeProgress(a: Progress, b: Progress): Progress {
  const out = structuredClone(a);
  for (const [id, l] of Object.entries(b.lessons)) {
    const cur = out.lessons[id];
    out.lessons[id] = cur ? { done: [...new Set([...cur.done, ...l.done])], current: Math.max(cur.current, l.current) } : structuredClone(l);
  }
  return out;
}
