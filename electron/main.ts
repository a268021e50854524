/**
 * Electron's main process: one window showing the built renderer from app://lab, menus, and the IPC
 * handlers. contextIsolation and sandbox on, nodeIntegration off, the CSP on every response,
 * navigation and new windows blocked.
 */
import { join } from 'node:path';
import { app, BrowserWindow, Menu, protocol, shell } from 'electron';
import { EVENTS, type MenuCommand } from './channels.ts';
import { RecentFiles } from './files.ts';
import { registerIpc } from './ipc.ts';
import { menuTemplate } from './menu.ts';
import { APP_ORIGIN, APP_SCHEME, appProtocolHandler, hardenContents } from './security.ts';

/** Where the built renderer is (dist/) relative to the built main (dist-electron/main.cjs). */
export const rendererRoot = () => join(__dirname, '..', 'dist');

/** The window; `devTools` only for an unpackaged app (npm start), never for a packaged one. */
export function windowOptions(preload: string, devTools: boolean): Electron.BrowserWindowConstructorOptions {
  return {
    width: 1440,
    height: 900,
    minWidth: 960,
    minHeight: 600,
    title: 'PG Scaling Lab',
    show: false,
    webPreferences: {
      preload,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      spellcheck: false,
      devTools,
    },
  };
}

export function start(): void {
  protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } }]);
  let win: BrowserWindow | undefined;
  const devTools = !app.isPackaged;
  const recent = new RecentFiles(join(app.getPath('userData'), 'recent-files.json'));
  const send = (command: MenuCommand, arg?: string) => win?.webContents.send(EVENTS.menu, command, arg);
  const setMenu = (paths: string[]) =>
    Menu.setApplicationMenu(
      Menu.buildFromTemplate(
        menuTemplate(
          {
            command: send,
            openRecent: (p) => send('file:open', p),
            openHelp: () => void shell.openExternal('https://www.postgresql.org/docs/current/'),
          },
          paths,
          devTools,
        ),
      ),
    );

  app.on('web-contents-created', (_e, contents) => hardenContents(contents));
  app.whenReady().then(async () => {
    protocol.handle(APP_SCHEME, appProtocolHandler(rendererRoot()));
    registerIpc({ window: () => win, recent, progressFile: join(app.getPath('userData'), 'lesson-progress.json'), onRecentChanged: setMenu });
    setMenu(await recent.list());
    win = new BrowserWindow(windowOptions(join(__dirname, 'preload.cjs'), devTools));
    win.once('ready-to-show', () => win?.show());
    win.on('closed', () => {
      win = undefined;
    });
    await win.loadURL(`${APP_ORIGIN}/index.html`);
  });
  app.on('window-all-closed', () => app.quit());
}

if (process.env.PG_LAB_NO_START !== '1') start();
