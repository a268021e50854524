/**
 * The one bridge between the page and the main process, exposed as window.pgLab. It forwards only the
 * channels of channels.ts; the page never sees ipcRenderer itself.
 */
import { contextBridge, type IpcRendererEvent, ipcRenderer } from 'electron';
import { EVENTS, INVOKE, MENU_COMMANDS, type MenuCommand, type PgLabBridge, SEND } from './channels.ts';

export const bridge: PgLabBridge = {
  platform: 'electron',
  openFile: () => ipcRenderer.invoke(INVOKE.openFile),
  openRecent: (path) => ipcRenderer.invoke(INVOKE.openRecent, path),
  saveFile: (request) => ipcRenderer.invoke(INVOKE.saveFile, request),
  exportImage: (request) => ipcRenderer.invoke(INVOKE.exportImage, request),
  exportBundle: (request) => ipcRenderer.invoke(INVOKE.exportBundle, request),
  recentFiles: () => ipcRenderer.invoke(INVOKE.recentFiles),
  lessonProgress: (progress) => (progress === undefined ? ipcRenderer.invoke(INVOKE.lessonProgress) : ipcRenderer.invoke(INVOKE.lessonProgress, progress)),
  setTitle: (title) => ipcRenderer.send(SEND.setTitle, String(title)),
  onMenu(listener) {
    const wrapped = (_e: IpcRendererEvent, command: unknown, arg?: unknown) => {
      if (MENU_COMMANDS.includes(command as MenuCommand)) listener(command as MenuCommand, typeof arg === 'string' ? arg : undefined);
    };
    ipcRenderer.on(EVENTS.menu, wrapped);
    return () => {
      ipcRenderer.removeListener(EVENTS.menu, wrapped);
    };
  },
};

contextBridge.exposeInMainWorld('pgLab', bridge);
