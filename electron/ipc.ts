/**
 * The main process's side of the bridge: one handler per channel of channels.ts, each checking that the
 * sender is the app's own window and page, validating its payload, and doing the file work.
 */
import { join } from 'node:path';
import { type BrowserWindow, dialog, type IpcMainEvent, type IpcMainInvokeEvent, ipcMain } from 'electron';
import { emptyLessonProgress, INVOKE, type LessonProgress, PayloadError, SEND, validate } from './channels.ts';
import { dataUrlBytes, type RecentFiles, readScenarioFile, writeBundle, writeFileAtomic } from './files.ts';
import { isAppUrl } from './security.ts';

export interface IpcDeps {
  window: () => BrowserWindow | undefined;
  recent: RecentFiles;
  /** The lesson progress file (main.ts: app.getPath('userData')/lesson-progress.json). */
  progressFile: string;
  /** Called when the recent list changes (the menu shows it). */
  onRecentChanged?: (paths: string[]) => void;
}

export class SenderError extends Error {}

/** Only the app's main window, showing the app, may call main. */
export function checkSender(event: IpcMainEvent | IpcMainInvokeEvent, deps: IpcDeps): void {
  const win = deps.window();
  if (!win || event.sender !== win.webContents) throw new SenderError('IPC from an unknown sender');
  const url = event.senderFrame?.url ?? '';
  if (!isAppUrl(url)) throw new SenderError(`IPC from a page that is not the app: ${url}`);
}

/** The saved lesson progress; an empty one when the file is missing, unreadable or not valid progress. */
export async function readLessonProgress(file: string): Promise<LessonProgress> {
  try {
    return validate.lessonProgress(JSON.parse(await readScenarioFile(file))) ?? emptyLessonProgress();
  } catch {
    return emptyLessonProgress();
  }
}

const SCENARIO_FILTERS = [{ name: 'PG Scaling Lab scenario', extensions: ['json'] }];

export function registerIpc(deps: IpcDeps): () => void {
  const remember = async (path: string) => {
    const paths = await deps.recent.add(path);
    deps.onRecentChanged?.(paths);
  };

  const handlers: Record<string, (event: IpcMainInvokeEvent, payload: unknown) => Promise<unknown>> = {
    async [INVOKE.openFile](_e, payload) {
      validate.none(payload);
      const win = deps.window()!;
      const r = await dialog.showOpenDialog(win, { properties: ['openFile'], filters: SCENARIO_FILTERS });
      if (r.canceled || r.filePaths.length === 0) return null;
      const path = r.filePaths[0];
      const text = await readScenarioFile(path);
      await remember(path);
      return { path, text };
    },
    async [INVOKE.openRecent](_e, payload) {
      const path = validate.path(payload);
      if (!(await deps.recent.list()).includes(path)) throw new PayloadError('not a recent file');
      const text = await readScenarioFile(path);
      await remember(path);
      return { path, text };
    },
    async [INVOKE.saveFile](_e, payload) {
      const req = validate.save(payload);
      let path = req.path;
      // Only a path this app opened or saved may be written without asking.
      if (path && !(await deps.recent.list()).includes(path)) path = undefined;
      if (!path) {
        const r = await dialog.showSaveDialog(deps.window()!, { defaultPath: req.suggestedName, filters: SCENARIO_FILTERS });
        if (r.canceled || !r.filePath) return null;
        path = r.filePath;
      }
      await writeFileAtomic(path, req.text);
      await remember(path);
      return { path };
    },
    async [INVOKE.exportImage](_e, payload) {
      const req = validate.exportImage(payload);
      const r = await dialog.showSaveDialog(deps.window()!, {
        defaultPath: req.suggestedName,
        filters: [{ name: req.format.toUpperCase(), extensions: [req.format] }],
      });
      if (r.canceled || !r.filePath) return null;
      await writeFileAtomic(r.filePath, dataUrlBytes(req.dataUrl));
      return { path: r.filePath };
    },
    async [INVOKE.exportBundle](_e, payload) {
      const req = validate.exportBundle(payload);
      const r = await dialog.showOpenDialog(deps.window()!, { title: 'Export the deployment files into…', properties: ['openDirectory', 'createDirectory'] });
      if (r.canceled || r.filePaths.length === 0) return null;
      const path = join(r.filePaths[0], req.suggestedName);
      await writeBundle(path, req.files);
      return { path, files: req.files.length };
    },
    async [INVOKE.recentFiles](_e, payload) {
      validate.none(payload);
      return deps.recent.list();
    },
    async [INVOKE.lessonProgress](_e, payload) {
      const progress = validate.lessonProgress(payload);
      if (!progress) return readLessonProgress(deps.progressFile);
      await writeFileAtomic(deps.progressFile, `${JSON.stringify(progress, null, 2)}\n`);
      return progress;
    },
  };

  for (const [channel, handler] of Object.entries(handlers)) {
    ipcMain.handle(channel, async (event, payload) => {
      checkSender(event, deps);
      return handler(event, payload);
    });
  }
  const onTitle = (event: IpcMainEvent, payload: unknown) => {
    try {
      checkSender(event, deps);
      deps.window()?.setTitle(validate.title(payload));
    } catch {
      // A bad title request is dropped.
    }
  };
  ipcMain.on(SEND.setTitle, onTitle);

  return () => {
    for (const channel of Object.keys(handlers)) ipcMain.removeHandler(channel);
    ipcMain.removeListener(SEND.setTitle, onTitle);
  };
}
