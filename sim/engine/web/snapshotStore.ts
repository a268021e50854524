/**
 * Data-directory snapshots cached in memory and, where the browser has it, in IndexedDB, so a reload
 * boots nodes in a fraction of a second instead of running initdb and loading data again.
 * IndexedDB failures (private mode, quota) only cost speed: they are swallowed.
 */

const DB_NAME = 'pg-scaling-lab-snapshots';
const STORE = 'snapshots';

function openDb(): Promise<IDBDatabase | undefined> {
  if (typeof indexedDB === 'undefined') return Promise.resolve(undefined);
  return new Promise((resolve) => {
    try {
      const req = indexedDB.open(DB_NAME, 1);
      req.onupgradeneeded = () => req.result.createObjectStore(STORE);
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => resolve(undefined);
      req.onblocked = () => resolve(undefined);
    } catch {
      resolve(undefined);
    }
  });
}

export interface SnapshotStore {
  load(key: string): Promise<Uint8Array | undefined>;
  save(key: string, tar: Uint8Array): Promise<void>;
}

export function snapshotStore(options: { indexedDb?: boolean } = {}): SnapshotStore {
  const memory = new Map<string, Uint8Array>();
  let db: Promise<IDBDatabase | undefined> | undefined;
  const idb = () => {
    if (options.indexedDb === false) return Promise.resolve(undefined);
    db ??= openDb();
    return db;
  };
  return {
    async load(key) {
      const hit = memory.get(key);
      if (hit) return hit;
      const d = await idb();
      if (!d) return undefined;
      const value = await new Promise<unknown>((resolve) => {
        try {
          const req = d.transaction(STORE, 'readonly').objectStore(STORE).get(key);
          req.onsuccess = () => resolve(req.result);
          req.onerror = () => resolve(undefined);
        } catch {
          resolve(undefined);
        }
      });
      if (!(value instanceof Uint8Array)) return undefined;
      memory.set(key, value);
      return value;
    },
    async save(key, tar) {
      memory.set(key, tar);
      const d = await idb();
      if (!d) return;
      await new Promise<void>((resolve) => {
        try {
          const tx = d.transaction(STORE, 'readwrite');
          tx.objectStore(STORE).put(tar, key);
          tx.oncomplete = () => resolve();
          tx.onerror = () => resolve();
          tx.onabort = () => resolve();
        } catch {
          resolve();
        }
      });
    },
  };
}
