/**
 * The one list of IPC channels between the renderer (through the preload bridge) and the main process,
 * with a validator for each payload. Main rejects anything else. No Electron import here: the preload,
 * main and the tests share it.
 */

export const MENU_COMMANDS = [
  'file:new',
  'file:open',
  'file:save',
  'file:save-as',
  'edit:undo',
  'edit:redo',
  'view:large-text',
  'export:png',
  'export:svg',
  'export:bundle',
] as const;
export type MenuCommand = (typeof MENU_COMMANDS)[number];

/** Renderer -> main requests (ipcRenderer.invoke / ipcMain.handle). */
export const INVOKE = {
  openFile: 'pg-lab:open-file',
  openRecent: 'pg-lab:open-recent',
  saveFile: 'pg-lab:save-file',
  exportImage: 'pg-lab:export-image',
  /** The deployment files of the scenario (sim/export), written into a folder the user picks. */
  exportBundle: 'pg-lab:export-bundle',
  recentFiles: 'pg-lab:recent-files',
  /** No payload: read the lesson progress; a LessonProgress: write it. Both answer the saved progress. */
  lessonProgress: 'pg-lab:lesson-progress',
} as const;

/** Renderer -> main notifications (ipcRenderer.send / ipcMain.on). */
export const SEND = { setTitle: 'pg-lab:set-title' } as const;

/** Main -> renderer (webContents.send). */
export const EVENTS = { menu: 'pg-lab:menu' } as const;

export const MAX_SCENARIO_BYTES = 5 * 1024 * 1024;
export const MAX_IMAGE_BYTES = 40 * 1024 * 1024;
export const MAX_BUNDLE_FILES = 200;
export const MAX_BUNDLE_BYTES = 20 * 1024 * 1024;

export class PayloadError extends Error {}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function str(v: unknown, what: string, max: number, optional = false): string | undefined {
  if (v === undefined && optional) return undefined;
  if (typeof v !== 'string') throw new PayloadError(`${what} must be a string`);
  if (v.length > max) throw new PayloadError(`${what} is too long`);
  return v;
}

function fileName(v: unknown): string {
  const name = str(v, 'suggestedName', 200)!;
  // `.` and `..` are names too, but of the folder itself and its parent: joined to a folder they leave it
  if (/[\\/]|\0/.test(name) || name === '.' || name === '..') throw new PayloadError('suggestedName must be a plain file name');
  return name;
}

export interface SaveRequest {
  path?: string;
  suggestedName: string;
  text: string;
}

export interface ExportRequest {
  suggestedName: string;
  format: 'png' | 'svg';
  dataUrl: string;
}

/** The deployment files of a scenario: a folder name and files by relative path (`primary/postgresql.conf`). */
export interface BundleRequest {
  suggestedName: string;
  files: { path: string; text: string }[];
}

/** A relative path of plain names (letters, digits, `.`, `_`, `-`), never `.` or `..`: it cannot leave its folder. */
function bundlePath(v: unknown): string {
  const p = str(v, 'file path', 200)!;
  const parts = p.split('/');
  if (parts.length > 8 || parts.some((x) => !/^[A-Za-z0-9._-]+$/.test(x) || x === '.' || x === '..')) throw new PayloadError(`file path ${JSON.stringify(p.slice(0, 80))} must be a relative path of plain names`);
  return p;
}

/** The student's lesson progress (renderer/lessons/progress.ts has the same shape as a zod schema). */
export interface LessonProgress {
  format: 'pg-scaling-lab-progress';
  version: 1;
  lessons: Record<string, { done: string[]; current: number }>;
}

export const MAX_PROGRESS_LESSONS = 500;

export function emptyLessonProgress(): LessonProgress {
  return { format: 'pg-scaling-lab-progress', version: 1, lessons: {} };
}

function onlyKeys(v: Record<string, unknown>, keys: string[], what: string): void {
  for (const k of Object.keys(v)) if (!keys.includes(k)) throw new PayloadError(`${what} has an unexpected field ${k.slice(0, 40)}`);
}

export const validate = {
  none(payload: unknown): void {
    if (payload !== undefined) throw new PayloadError('no payload expected');
  },
  path(payload: unknown): string {
    const p = str(payload, 'path', 4096)!;
    if (p.includes('\0')) throw new PayloadError('path must not contain NUL');
    return p;
  },
  save(payload: unknown): SaveRequest {
    if (!isObject(payload)) throw new PayloadError('save request must be an object');
    const path = payload.path === undefined ? undefined : validate.path(payload.path);
    const text = str(payload.text, 'text', MAX_SCENARIO_BYTES)!;
    return { path, suggestedName: fileName(payload.suggestedName), text };
  },
  exportImage(payload: unknown): ExportRequest {
    if (!isObject(payload)) throw new PayloadError('export request must be an object');
    const format = payload.format;
    if (format !== 'png' && format !== 'svg') throw new PayloadError('format must be png or svg');
    const dataUrl = str(payload.dataUrl, 'dataUrl', MAX_IMAGE_BYTES)!;
    const prefix = format === 'png' ? 'data:image/png;base64,' : 'data:image/svg+xml;';
    if (!dataUrl.startsWith(prefix)) throw new PayloadError(`dataUrl must be a ${format} data URL`);
    return { suggestedName: fileName(payload.suggestedName), format, dataUrl };
  },
  exportBundle(payload: unknown): BundleRequest {
    if (!isObject(payload)) throw new PayloadError('export request must be an object');
    onlyKeys(payload, ['suggestedName', 'files'], 'export request');
    if (!Array.isArray(payload.files) || payload.files.length === 0 || payload.files.length > MAX_BUNDLE_FILES) throw new PayloadError(`files must be a list of 1 to ${MAX_BUNDLE_FILES} files`);
    const seen = new Set<string>();
    let bytes = 0;
    const files = payload.files.map((f: unknown) => {
      if (!isObject(f)) throw new PayloadError('a file must be an object');
      onlyKeys(f, ['path', 'text'], 'a file');
      const path = bundlePath(f.path);
      if (seen.has(path.toLowerCase())) throw new PayloadError(`file path ${path} is given twice`);
      seen.add(path.toLowerCase());
      const text = str(f.text, 'file text', MAX_BUNDLE_BYTES)!;
      bytes += text.length;
      if (bytes > MAX_BUNDLE_BYTES) throw new PayloadError('the files are too large together');
      return { path, text };
    });
    return { suggestedName: fileName(payload.suggestedName), files };
  },
  title(payload: unknown): string {
    return str(payload, 'title', 300)!;
  },
  /** undefined: a read; otherwise the progress to write. */
  lessonProgress(payload: unknown): LessonProgress | undefined {
    if (payload === undefined) return undefined;
    if (!isObject(payload)) throw new PayloadError('progress must be an object');
    onlyKeys(payload, ['format', 'version', 'lessons'], 'progress');
    if (payload.format !== 'pg-scaling-lab-progress') throw new PayloadError('progress format must be pg-scaling-lab-progress');
    if (payload.version !== 1) throw new PayloadError('progress version must be 1');
    if (!isObject(payload.lessons)) throw new PayloadError('progress lessons must be an object');
    const entries = Object.entries(payload.lessons);
    if (entries.length > MAX_PROGRESS_LESSONS) throw new PayloadError('progress has too many lessons');
    const lessons: [string, { done: string[]; current: number }][] = [];
    for (const [id, l] of entries) {
      str(id, 'lesson id', 40);
      if (!isObject(l)) throw new PayloadError('a lesson progress must be an object');
      onlyKeys(l, ['done', 'current'], 'a lesson progress');
      if (!Array.isArray(l.done) || l.done.length > 100) throw new PayloadError('done must be a list of at most 100 step ids');
      const done = l.done.map((d) => str(d, 'step id', 40)!);
      const current = l.current;
      if (typeof current !== 'number' || !Number.isInteger(current) || current < 0 || current > 100) throw new PayloadError('current must be a whole number from 0 to 100');
      lessons.push([id, { done, current }]);
    }
    // fromEntries defines own properties: a lesson id such as __proto__ stays plain data.
    return { format: 'pg-scaling-lab-progress', version: 1, lessons: Object.fromEntries(lessons) };
  },
};

/** The bridge the preload exposes as window.pgLab (renderer/files/bridge.ts mirrors it). */
export interface PgLabBridge {
  readonly platform: 'electron';
  openFile(): Promise<{ path: string; text: string } | null>;
  openRecent(path: string): Promise<{ path: string; text: string }>;
  saveFile(request: SaveRequest): Promise<{ path: string } | null>;
  exportImage(request: ExportRequest): Promise<{ path: string } | null>;
  /** Asks for a folder and writes the files in a new folder `suggestedName` there; null when cancelled. */
  exportBundle(request: BundleRequest): Promise<{ path: string; files: number } | null>;
  recentFiles(): Promise<string[]>;
  /** Without an argument reads the lesson progress file; with one writes it. Answers the saved progress. */
  lessonProgress(progress?: LessonProgress): Promise<LessonProgress>;
  setTitle(title: string): void;
  onMenu(listener: (command: MenuCommand, arg?: string) => void): () => void;
}
