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
] as const;
export type MenuCommand = (typeof MENU_COMMANDS)[number];

/** Renderer -> main requests (ipcRenderer.invoke / ipcMain.handle). */
export const INVOKE = {
  openFile: 'pg-lab:open-file',
  openRecent: 'pg-lab:open-recent',
  saveFile: 'pg-lab:save-file',
  exportImage: 'pg-lab:export-image',
  recentFiles: 'pg-lab:recent-files',
} as const;

/** Renderer -> main notifications (ipcRenderer.send / ipcMain.on). */
export const SEND = { setTitle: 'pg-lab:set-title' } as const;

/** Main -> renderer (webContents.send). */
export const EVENTS = { menu: 'pg-lab:menu' } as const;

export const MAX_SCENARIO_BYTES = 5 * 1024 * 1024;
export const MAX_IMAGE_BYTES = 40 * 1024 * 1024;

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
  if (/[\\/]|\0/.test(name)) throw new PayloadError('suggestedName must be a plain file name');
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
  title(payload: unknown): string {
    return str(payload, 'title', 300)!;
  },
};

/** The bridge the preload exposes as window.pgLab (renderer/files/bridge.ts mirrors it). */
export interface PgLabBridge {
  readonly platform: 'electron';
  openFile(): Promise<{ path: string; text: string } | null>;
  openRecent(path: string): Promise<{ path: string; text: string }>;
  saveFile(request: SaveRequest): Promise<{ path: string } | null>;
  exportImage(request: ExportRequest): Promise<{ path: string } | null>;
  recentFiles(): Promise<string[]>;
  setTitle(title: string): void;
  onMenu(listener: (command: MenuCommand, arg?: string) => void): () => void;
}
