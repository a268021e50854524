/**
 * The desktop bridge as the renderer sees it (window.pgLab, exposed by electron/preload.ts). In a plain
 * browser it is absent and the app uses downloads, uploads and local storage instead. This type mirrors
 * electron/bridge.ts (the renderer may not import electron/); test/electron checks they agree.
 */
export interface RendererFile {
  path: string;
  text: string;
}

export type MenuCommand =
  | 'file:new'
  | 'file:open'
  | 'file:save'
  | 'file:save-as'
  | 'edit:undo'
  | 'edit:redo'
  | 'view:large-text'
  | 'export:png'
  | 'export:svg';

export interface RendererBridge {
  readonly platform: 'electron';
  openFile(): Promise<RendererFile | null>;
  openRecent(path: string): Promise<RendererFile>;
  saveFile(request: { path?: string; suggestedName: string; text: string }): Promise<{ path: string } | null>;
  exportImage(request: { suggestedName: string; format: 'png' | 'svg'; dataUrl: string }): Promise<{ path: string } | null>;
  recentFiles(): Promise<string[]>;
  setTitle(title: string): void;
  onMenu(listener: (command: MenuCommand, arg?: string) => void): () => void;
}

export function bridge(): RendererBridge | undefined {
  return (globalThis as { pgLab?: RendererBridge }).pgLab;
}
