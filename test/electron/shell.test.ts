import { describe, expect, it, vi } from 'vitest';

const electron = vi.hoisted(() => ({
  exposed: {} as Record<string, unknown>,
  sent: [] as unknown[][],
  invoked: [] as unknown[][],
  listeners: new Map<string, (...a: unknown[]) => void>(),
}));

vi.mock('electron', () => ({
  contextBridge: { exposeInMainWorld: (key: string, api: unknown) => (electron.exposed[key] = api) },
  ipcRenderer: {
    invoke: async (...a: unknown[]) => electron.invoked.push(a),
    send: (...a: unknown[]) => electron.sent.push(a),
    on: (ch: string, l: (...a: unknown[]) => void) => electron.listeners.set(ch, l),
    removeListener: (ch: string) => electron.listeners.delete(ch),
  },
  app: { on: vi.fn(), whenReady: () => new Promise(() => undefined), getPath: () => '/tmp', quit: vi.fn() },
  protocol: { registerSchemesAsPrivileged: vi.fn(), handle: vi.fn() },
  BrowserWindow: class {},
  Menu: { setApplicationMenu: vi.fn(), buildFromTemplate: vi.fn() },
  shell: { openExternal: vi.fn() },
  ipcMain: { handle: vi.fn(), on: vi.fn() },
  dialog: {},
}));

import type { RendererBridge } from '../../renderer/files/bridge.ts';
import type { PgLabBridge } from '../../electron/channels.ts';
import { EVENTS, INVOKE, MENU_COMMANDS } from '../../electron/channels.ts';
import { menuTemplate } from '../../electron/menu.ts';

// The renderer's view of the bridge and the preload's bridge must agree (checked by tsc).
const agree: RendererBridge = {} as PgLabBridge;
void agree;

describe('preload bridge', () => {
  it('exposes one object, window.pgLab, that only forwards the listed channels', async () => {
    await import('../../electron/preload.ts');
    const api = electron.exposed.pgLab as PgLabBridge;
    expect(Object.keys(electron.exposed)).toEqual(['pgLab']);
    expect(api.platform).toBe('electron');
    await api.recentFiles();
    await api.saveFile({ suggestedName: 'a.json', text: '{}' });
    await api.lessonProgress();
    expect(electron.invoked.map((a) => a[0])).toEqual([INVOKE.recentFiles, INVOKE.saveFile, INVOKE.lessonProgress]);
    const seen: string[] = [];
    const off = api.onMenu((c) => seen.push(c));
    const l = electron.listeners.get(EVENTS.menu)!;
    l({}, 'file:save');
    l({}, 'rm -rf /');
    off();
    expect(seen).toEqual(['file:save']);
    expect(electron.listeners.has(EVENTS.menu)).toBe(false);
  });
});

describe('main window', () => {
  it('isolates the page: contextIsolation and sandbox on, no Node integration', async () => {
    process.env.PG_LAB_NO_START = '1';
    const { windowOptions } = await import('../../electron/main.ts');
    const o = windowOptions('/x/preload.cjs', false);
    expect(o.webPreferences).toMatchObject({ contextIsolation: true, sandbox: true, nodeIntegration: false, webSecurity: true, preload: '/x/preload.cjs' });
  });

  it('has DevTools only when asked for (an unpackaged app)', async () => {
    const { windowOptions } = await import('../../electron/main.ts');
    expect(windowOptions('/x/preload.cjs', false).webPreferences?.devTools).toBe(false);
    expect(windowOptions('/x/preload.cjs', true).webPreferences?.devTools).toBe(true);
  });
});

describe('menus', () => {
  it('has File, Edit, View (full screen, presenter) and Help, and sends only known commands', () => {
    const commands: string[] = [];
    const t = menuTemplate({ command: (c) => commands.push(c), openRecent: vi.fn(), openHelp: vi.fn() }, ['/a.json'], false, false);
    expect(t.map((m) => m.label)).toEqual(['File', 'Edit', 'View', 'Help']);
    const items = t.flatMap((m) => (m.submenu as { label?: string; role?: string; click?: () => void }[]) ?? []);
    expect(items.some((i) => i.role === 'togglefullscreen')).toBe(true);
    expect(items.some((i) => i.label === 'Large Text (Presenter)')).toBe(true);
    for (const i of items) i.click?.();
    expect(commands.every((c) => (MENU_COMMANDS as readonly string[]).includes(c))).toBe(true);
    expect(new Set(commands)).toEqual(new Set(MENU_COMMANDS));
  });

  it('offers Toggle Developer Tools only with devTools (never in a packaged app)', () => {
    const roles = (devTools: boolean) =>
      menuTemplate({ command: vi.fn(), openRecent: vi.fn(), openHelp: vi.fn() }, [], devTools, false).flatMap((m) =>
        ((m.submenu as { role?: string }[]) ?? []).map((i) => i.role),
      );
    expect(roles(false)).not.toContain('toggleDevTools');
    expect(roles(true)).toContain('toggleDevTools');
  });
});
