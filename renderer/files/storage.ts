/**
 * Autosave and the recent-files list in IndexedDB (database pg-scaling-lab-work, store work). They are
 * loaded once at start-up (initStorage, before the first render), kept in memory for synchronous reads
 * (the autosave as found at start-up, which is what a start restores), and written through on each change.
 * An earlier version kept them in localStorage: initStorage moves them over once, and removes the old keys
 * only after IndexedDB has them. Failures (quota, private mode, no IndexedDB) are reported to the caller as
 * `false`, never thrown; without IndexedDB the recent files are kept in memory only.
 *
 * Texts (the autosave's, a recent file's) are stored as Blobs: IndexedDB copies a stored string in the task
 * that writes it and deserialises it in the task that reads it (45 ms of CPU for a 5 MB autosave at start-up,
 * issue 14), while a Blob is a handle whose bytes move off the main thread. Making a Blob of a string copies it
 * too (~20 ms for 5 MB): the scenario worker makes an opened file's, and a document's is made once (doc.ts).
 */
const LEGACY_AUTOSAVE_KEY = 'pg-scaling-lab:autosave';
const LEGACY_RECENT_KEY = 'pg-scaling-lab:recent';
const DB = 'pg-scaling-lab-work';
const STORE = 'work';
const AUTOSAVE = 'autosave';
const RECENT = 'recent';
const MAX_RECENT = 8;

/** The autosave found at start-up: the document's JSON. */
export interface Autosave {
  savedAt: number;
  text: string;
  file?: { name: string; path?: string };
}

/** An autosave as written: the document's JSON as a Blob (doc.ts's `docAutosave`). */
export type AutosaveBlob = Omit<Autosave, 'text'> & { text: Blob };

export interface RecentFile {
  name: string;
  /** Electron: the file's path. */
  path?: string;
  /** Browser: the file's text when last opened or saved (there is no path to reopen). */
  text?: Blob;
  at: number;
}

/** Where the work is kept: IndexedDB in the app, a map in tests. */
export interface WorkStore {
  get(key: string): Promise<unknown>;
  /** Starts the write at once (a pagehide flush must not wait for anything first). */
  put(key: string, value: unknown): Promise<void>;
}

/** The IndexedDB store, or undefined when there is none. The connection stays open. */
export async function indexedDbStore(): Promise<WorkStore | undefined> {
  if (typeof indexedDB === 'undefined') return undefined;
  try {
    const db = await new Promise<IDBDatabase>((resolve, reject) => {
      const req = indexedDB.open(DB, 1);
      req.onupgradeneeded = () => req.result.createObjectStore(STORE);
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error);
    });
    return {
      get: (key) =>
        new Promise((resolve, reject) => {
          const req = db.transaction(STORE, 'readonly').objectStore(STORE).get(key);
          req.onsuccess = () => resolve(req.result);
          req.onerror = () => reject(req.error);
        }),
      put: (key, value) =>
        new Promise((resolve, reject) => {
          const tx = db.transaction(STORE, 'readwrite');
          tx.objectStore(STORE).put(value, key);
          tx.oncomplete = () => resolve();
          tx.onerror = () => reject(tx.error);
          tx.onabort = () => reject(tx.error);
        }),
    };
  } catch {
    return undefined;
  }
}

let store: WorkStore | undefined;
let autosave: Autosave | undefined;
let recent: RecentFile[] = [];

function legacyStorage(): Storage | undefined {
  try {
    return globalThis.localStorage;
  } catch {
    return undefined;
  }
}

/** A text as a Blob, the form in which texts are stored (see above). */
export const jsonBlob = (text: string): Blob => new Blob([text], { type: 'application/json' });

/** The autosave as read: its text a string again (one written before Blobs, or moved from localStorage, has it already). */
async function asAutosave(a: unknown): Promise<Autosave | undefined> {
  const x = a as { savedAt?: unknown; text?: unknown } | undefined;
  const text = x?.text instanceof Blob ? await x.text.text() : x?.text;
  return typeof text === 'string' && typeof x?.savedAt === 'number' ? ({ ...x, text } as Autosave) : undefined;
}

/** The recent files as read, each text a Blob (an entry written before Blobs, or moved from localStorage, has a string). */
function asRecent(list: unknown): RecentFile[] {
  if (!Array.isArray(list)) return [];
  return list.filter((r) => typeof r?.name === 'string').map((r) => (typeof r.text === 'string' ? { ...r, text: jsonBlob(r.text) } : r));
}

function legacyJson(key: string): unknown {
  try {
    const raw = legacyStorage()?.getItem(key);
    return raw ? JSON.parse(raw) : undefined;
  } catch {
    return undefined;
  }
}

const recentKey = (r: RecentFile) => r.path ?? r.name;

/** Loads the autosave and recent files (moving any from localStorage). Call once before reading them. */
export async function initStorage(backend?: WorkStore): Promise<void> {
  store = backend ?? (await indexedDbStore());
  autosave = undefined;
  recent = [];
  try {
    if (store) [autosave, recent] = await Promise.all([store.get(AUTOSAVE).then(asAutosave), store.get(RECENT).then(asRecent)]);
  } catch {
    // An unreadable store starts empty.
  }
  // One-time migration from localStorage: the newer autosave wins; recent lists are merged.
  const oldAutosave = await asAutosave(legacyJson(LEGACY_AUTOSAVE_KEY));
  const oldRecent = asRecent(legacyJson(LEGACY_RECENT_KEY));
  if (oldAutosave && (!autosave || oldAutosave.savedAt > autosave.savedAt)) autosave = oldAutosave;
  if (oldRecent.length > 0) {
    const seen = new Set(recent.map(recentKey));
    recent = [...recent, ...oldRecent.filter((r) => !seen.has(recentKey(r)))].sort((a, b) => b.at - a.at).slice(0, MAX_RECENT);
  }
  if (!store) return;
  try {
    if (oldAutosave && autosave) await store.put(AUTOSAVE, { ...autosave, text: jsonBlob(autosave.text) });
    if (oldRecent.length > 0) await store.put(RECENT, recent);
    legacyStorage()?.removeItem(LEGACY_AUTOSAVE_KEY);
    legacyStorage()?.removeItem(LEGACY_RECENT_KEY);
  } catch {
    // The old keys stay until a later start moves them.
  }
}

/** Writes the autosave; `readAutosave` still answers the one found at start-up. */
export async function writeAutosave(a: AutosaveBlob): Promise<boolean> {
  try {
    await store?.put(AUTOSAVE, a);
    return !!store;
  } catch {
    return false;
  }
}

export function readAutosave(): Autosave | undefined {
  return autosave;
}

export function readRecent(): RecentFile[] {
  return recent;
}

export function addRecent(entry: RecentFile): RecentFile[] {
  recent = [entry, ...recent.filter((r) => recentKey(r) !== recentKey(entry))].slice(0, MAX_RECENT);
  // A failed write keeps the older list in storage.
  store?.put(RECENT, recent).catch(() => undefined);
  return recent;
}
