/**
 * Autosave and the recent-files list in the browser's localStorage (small JSON documents). Failures
 * (quota, private mode) are reported to the caller as `false`, never thrown.
 */
const AUTOSAVE_KEY = 'pg-scaling-lab:autosave';
const RECENT_KEY = 'pg-scaling-lab:recent';
const MAX_RECENT = 8;

export interface Autosave {
  savedAt: number;
  text: string;
  file?: { name: string; path?: string };
}

export interface RecentFile {
  name: string;
  /** Electron: the file's path. */
  path?: string;
  /** Browser: the file's text when last opened or saved (there is no path to reopen). */
  text?: string;
  at: number;
}

function storage(): Storage | undefined {
  try {
    return globalThis.localStorage;
  } catch {
    return undefined;
  }
}

export function writeAutosave(a: Autosave): boolean {
  try {
    storage()?.setItem(AUTOSAVE_KEY, JSON.stringify(a));
    return true;
  } catch {
    return false;
  }
}

export function readAutosave(): Autosave | undefined {
  try {
    const raw = storage()?.getItem(AUTOSAVE_KEY);
    if (!raw) return undefined;
    const a = JSON.parse(raw) as Autosave;
    return typeof a?.text === 'string' ? a : undefined;
  } catch {
    return undefined;
  }
}

export function readRecent(): RecentFile[] {
  try {
    const list = JSON.parse(storage()?.getItem(RECENT_KEY) ?? '[]');
    return Array.isArray(list) ? list.filter((r) => typeof r?.name === 'string') : [];
  } catch {
    return [];
  }
}

export function addRecent(entry: RecentFile): RecentFile[] {
  const key = (r: RecentFile) => r.path ?? r.name;
  const list = [entry, ...readRecent().filter((r) => key(r) !== key(entry))].slice(0, MAX_RECENT);
  try {
    storage()?.setItem(RECENT_KEY, JSON.stringify(list));
  } catch {
    // A full storage keeps the older list.
  }
  return list;
}
