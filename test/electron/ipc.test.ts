import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it, vi } from 'vitest';

const electron = vi.hoisted(() => {
  const handlers = new Map<string, (event: unknown, payload?: unknown) => Promise<unknown>>();
  const listeners = new Map<string, (event: unknown, payload?: unknown) => void>();
  return {
    handlers,
    listeners,
    ipcMain: {
      handle: (ch: string, h: (event: unknown, payload?: unknown) => Promise<unknown>) => handlers.set(ch, h),
      removeHandler: (ch: string) => handlers.delete(ch),
      on: (ch: string, l: (event: unknown, payload?: unknown) => void) => listeners.set(ch, l),
      removeListener: (ch: string) => listeners.delete(ch),
    },
    dialog: { showOpenDialog: vi.fn(), showSaveDialog: vi.fn() },
  };
});
vi.mock('electron', () => ({ ipcMain: electron.ipcMain, dialog: electron.dialog, BrowserWindow: class {} }));

import { INVOKE, SEND } from '../../electron/channels.ts';
import { RecentFiles } from '../../electron/files.ts';
import { registerIpc } from '../../electron/ipc.ts';

const webContents = { id: 1 };
const win = { webContents, setTitle: vi.fn() };
const fromApp = { sender: webContents, senderFrame: { url: 'app://lab/index.html' } };
let dir: string;
let unregister: () => void;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pglab-ipc-'));
  unregister?.();
  electron.dialog.showOpenDialog.mockReset();
  electron.dialog.showSaveDialog.mockReset();
  win.setTitle.mockReset();
  unregister = registerIpc({ window: () => win as never, recent: new RecentFiles(join(dir, 'recent.json')), progressFile: join(dir, 'data', 'lesson-progress.json') });
});

const invoke = (channel: string, event: unknown, payload?: unknown) => electron.handlers.get(channel)!(event, payload);

describe('IPC handlers', () => {
  it('registers exactly the channels of the list', () => {
    expect([...electron.handlers.keys()].sort()).toEqual(Object.values(INVOKE).sort());
    expect([...electron.listeners.keys()]).toEqual([SEND.setTitle]);
  });

  it('refuses a sender that is not the app window, or a page that is not the app', async () => {
    await expect(invoke(INVOKE.recentFiles, { sender: { id: 2 }, senderFrame: { url: 'app://lab/' } })).rejects.toThrow(/unknown sender/);
    await expect(invoke(INVOKE.recentFiles, { sender: webContents, senderFrame: { url: 'https://evil.example/' } })).rejects.toThrow(/not the app/);
    electron.listeners.get(SEND.setTitle)!({ sender: { id: 3 }, senderFrame: { url: 'app://lab/' } }, 'pwned');
    expect(win.setTitle).not.toHaveBeenCalled();
  });

  it('opens a file chosen in the dialog and remembers it', async () => {
    const file = join(dir, 'a.json');
    await writeFile(file, '{"nodes":[]}');
    electron.dialog.showOpenDialog.mockResolvedValue({ canceled: false, filePaths: [file] });
    expect(await invoke(INVOKE.openFile, fromApp)).toEqual({ path: file, text: '{"nodes":[]}' });
    expect(await invoke(INVOKE.recentFiles, fromApp)).toEqual([file]);
    expect(await invoke(INVOKE.openRecent, fromApp, file)).toEqual({ path: file, text: '{"nodes":[]}' });
  });

  it('opens only recent files by path', async () => {
    await expect(invoke(INVOKE.openRecent, fromApp, '/etc/passwd')).rejects.toThrow(/not a recent file/);
  });

  it('saves through the dialog, then to the same path without asking; never to a path it did not choose', async () => {
    const file = join(dir, 'saved.json');
    electron.dialog.showSaveDialog.mockResolvedValue({ canceled: false, filePath: file });
    expect(await invoke(INVOKE.saveFile, fromApp, { suggestedName: 'saved.json', text: '{"v":1}' })).toEqual({ path: file });
    expect(await invoke(INVOKE.saveFile, fromApp, { path: file, suggestedName: 'saved.json', text: '{"v":2}' })).toEqual({ path: file });
    expect(electron.dialog.showSaveDialog).toHaveBeenCalledTimes(1);
    expect(await readFile(file, 'utf8')).toBe('{"v":2}');
    electron.dialog.showSaveDialog.mockResolvedValue({ canceled: true });
    expect(await invoke(INVOKE.saveFile, fromApp, { path: join(dir, 'other.json'), suggestedName: 'x.json', text: '{}' })).toBeNull();
    expect(electron.dialog.showSaveDialog).toHaveBeenCalledTimes(2);
  });

  it('rejects bad payloads before touching the disk', async () => {
    await expect(invoke(INVOKE.saveFile, fromApp, { suggestedName: '../x', text: '' })).rejects.toThrow(/plain file name/);
    await expect(invoke(INVOKE.openFile, fromApp, 'surprise')).rejects.toThrow(/no payload/);
    expect(electron.dialog.showSaveDialog).not.toHaveBeenCalled();
  });

  it('exports an image where the user chooses', async () => {
    const file = join(dir, 'canvas.png');
    electron.dialog.showSaveDialog.mockResolvedValue({ canceled: false, filePath: file });
    await invoke(INVOKE.exportImage, fromApp, { suggestedName: 'canvas.png', format: 'png', dataUrl: 'data:image/png;base64,AAEC' });
    expect(await readFile(file)).toEqual(Buffer.from([0, 1, 2]));
  });

  it('writes the deployment files into a new folder inside the one the user picks; nothing when cancelled or refused', async () => {
    electron.dialog.showOpenDialog.mockResolvedValue({ canceled: false, filePaths: [dir] });
    const files = [{ path: 'primary/postgresql.conf', text: 'wal_level = replica\n' }, { path: 'docker-compose.yml', text: 'services: {}\n' }];
    expect(await invoke(INVOKE.exportBundle, fromApp, { suggestedName: 'lab-export', files })).toEqual({ path: join(dir, 'lab-export'), files: 2 });
    expect(await readFile(join(dir, 'lab-export', 'primary', 'postgresql.conf'), 'utf8')).toBe('wal_level = replica\n');
    expect(await readFile(join(dir, 'lab-export', 'docker-compose.yml'), 'utf8')).toBe('services: {}\n');
    await expect(invoke(INVOKE.exportBundle, fromApp, { suggestedName: 'x', files: [{ path: '../escape', text: '' }] })).rejects.toThrow(/relative path/);
    expect(electron.dialog.showOpenDialog).toHaveBeenCalledTimes(1);
    electron.dialog.showOpenDialog.mockResolvedValue({ canceled: true, filePaths: [] });
    expect(await invoke(INVOKE.exportBundle, fromApp, { suggestedName: 'y', files })).toBeNull();
    expect(await readdir(dir)).toEqual(['lab-export']);
  });

  it('writes the lesson progress atomically to its file and reads it back; empty when missing or damaged', async () => {
    const file = join(dir, 'data', 'lesson-progress.json');
    const empty = { format: 'pg-scaling-lab-progress', version: 1, lessons: {} };
    expect(await invoke(INVOKE.lessonProgress, fromApp)).toEqual(empty);
    const p = { format: 'pg-scaling-lab-progress', version: 1, lessons: { monitoring: { done: ['connections'], current: 1 } } };
    expect(await invoke(INVOKE.lessonProgress, fromApp, p)).toEqual(p);
    expect(JSON.parse(await readFile(file, 'utf8'))).toEqual(p);
    expect((await readdir(join(dir, 'data'))).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    expect(await invoke(INVOKE.lessonProgress, fromApp)).toEqual(p);
    await expect(invoke(INVOKE.lessonProgress, fromApp, { ...p, version: 2 })).rejects.toThrow(/version/);
    expect(JSON.parse(await readFile(file, 'utf8'))).toEqual(p);
    await writeFile(file, '{"format":"pg-scaling-lab-progress","version":1,"lessons":{"x":{"done":"all","current":0}}}');
    expect(await invoke(INVOKE.lessonProgress, fromApp)).toEqual(empty);
    await writeFile(file, '{broken');
    expect(await invoke(INVOKE.lessonProgress, fromApp)).toEqual(empty);
  });

  it('sets the window title from the app', () => {
    electron.listeners.get(SEND.setTitle)!(fromApp, 'Single primary · PG Scaling Lab');
    expect(win.setTitle).toHaveBeenCalledWith('Single primary · PG Scaling Lab');
  });
});
