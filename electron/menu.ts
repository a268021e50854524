/**
 * The application menu: File, Edit, View (full screen, large-text presenter view), Help. Toggle
 * Developer Tools only with `devTools` (an unpackaged app, `npm start`): a packaged app has none.
 */
import type { MenuItemConstructorOptions } from 'electron';
import type { MenuCommand } from './channels.ts';

export interface MenuActions {
  command(command: MenuCommand): void;
  openRecent(path: string): void;
  openHelp(): void;
}

export function menuTemplate(actions: MenuActions, recent: string[], devTools: boolean, isMac = process.platform === 'darwin'): MenuItemConstructorOptions[] {
  const cmd = (label: string, command: MenuCommand, accelerator?: string): MenuItemConstructorOptions => ({
    label,
    accelerator,
    click: () => actions.command(command),
  });
  return [
    ...(isMac ? [{ role: 'appMenu' as const }] : []),
    {
      label: 'File',
      submenu: [
        cmd('New', 'file:new', 'CmdOrCtrl+Alt+N'),
        cmd('Open…', 'file:open', 'CmdOrCtrl+O'),
        {
          label: 'Open Recent',
          submenu: recent.length ? recent.map((p) => ({ label: p, click: () => actions.openRecent(p) })) : [{ label: 'No recent files', enabled: false }],
        },
        { type: 'separator' },
        cmd('Save', 'file:save', 'CmdOrCtrl+S'),
        cmd('Save As…', 'file:save-as', 'CmdOrCtrl+Shift+S'),
        { type: 'separator' },
        cmd('Export PNG…', 'export:png'),
        cmd('Export SVG…', 'export:svg'),
        cmd('Export Deployment Files…', 'export:bundle'),
        { type: 'separator' },
        isMac ? { role: 'close' } : { role: 'quit' },
      ],
    },
    {
      label: 'Edit',
      submenu: [
        // Undo/redo of the topology is the app's own history, not the text fields'.
        cmd('Undo', 'edit:undo'),
        cmd('Redo', 'edit:redo'),
        { type: 'separator' },
        { role: 'cut' },
        { role: 'copy' },
        { role: 'paste' },
        { role: 'selectAll' },
      ],
    },
    {
      label: 'View',
      submenu: [
        cmd('Large Text (Presenter)', 'view:large-text', 'CmdOrCtrl+Shift+L'),
        { role: 'togglefullscreen' },
        { type: 'separator' },
        { role: 'resetZoom' },
        { role: 'zoomIn' },
        { role: 'zoomOut' },
        ...(devTools ? [{ type: 'separator' as const }, { role: 'toggleDevTools' as const }] : []),
      ],
    },
    { label: 'Help', submenu: [{ label: 'About PG Scaling Lab', click: () => actions.openHelp() }] },
  ];
}
