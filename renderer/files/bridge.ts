/**
 * The desktop bridge as the renderer sees it (window.pgLab, exposed by electron/preload.ts). In a plain
 * browser it is absent and the app uses downloads, uploads and IndexedDB instead. This type mirrors
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
  | 'export:svg'
  | 'export:bundle';

/** The lesson progress as the bridge carries it (lessons/progress.ts validates it with its schema). */
export interface BridgeLessonProgress {
  format: 'pg-scaling-lab-progress';
  version: 1;
  lessons: Record<string, { done: string[]; current: number }>;
}

export interface RendererBridge {
  readonly platform: 'electron';
  openFile(): Promise<RendererFile | null>;
  openRecent(path: string): Promise<RendererFile>;
  saveFile(request: { path?: string; suggestedName: string; text: string }): Promise<{ path: string } | null>;
  exportImage(request: { suggestedName: string; format: 'png' | 'svg'; dataUrl: string }): Promise<{ path: string } | null>;
  /** Asks for a folder and writes the files (relative paths) in a new folder `suggestedName` there; null when cancelled. */
  exportBundle(request: { suggestedName: string; files: RendererFile[] }): Promise<{ path: string; files: number } | null>;
  recentFiles(): Promise<string[]>;
  /** Without an argument reads the lesson progress file; with one writes it. Answers the saved progress. */
  lessonProgress(progress?: BridgeLessonProgress): Promise<BridgeLessonProgress>;
  setTitle(title: string): void;
  onMenu(listener: (command: MenuCommand, arg?: string) => void): () => void;
}

export function bridge(): RendererBridge | undefined {
  return (globalThis as { pgLab?: RendererBridge }).pgLab;
}
