/**
 * New, Open, Save, Save As, recent files and image export: the same actions from the toolbar, the
 * keyboard and Electron's menus. Electron uses its dialogs through the bridge; a browser uses an upload,
 * a download and IndexedDB. Opening a bad file shows what is wrong and leaves the current work alone.
 */
import { appStore } from '../store/appStore.ts';
import { nextTask } from '../nextTask.ts';
import { type Doc, docText, emptyDoc, hasUnsavedWork, validateDoc } from '../store/doc.ts';
import { bridge } from './bridge.ts';
import { readScenario } from './readScenario.ts';
import { addRecent, jsonBlob, type RecentFile } from './storage.ts';

export function fileNameFor(doc: Doc): string {
  const base = doc.name.trim().toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '') || 'scenario';
  return `${base}.json`;
}

/**
 * Validates a file's text (off the main thread); on success replaces the document (undoable), else says
 * why and changes nothing.
 */
/** The latest open: a file read after another (a large one is rebuilt over many tasks) is the one that wins. */
let opening = 0;

export async function openText(text: string, file: { name: string; path?: string }): Promise<boolean> {
  const mine = ++opening;
  const r = await readScenario(text);
  const s = appStore.getState();
  if (mine !== opening) return false;
  if (!r.ok) {
    s.notify('error', `${file.name} is not a scenario this app can open; your current work is unchanged.`, r.issues);
    return false;
  }
  if (s.loadedKey !== undefined) void s.resetRun();
  s.replaceDoc(r.doc);
  s.setFile(file, docText(r.doc));
  // the recent list's write in a task after the document's
  await nextTask();
  addRecent({ name: file.name, path: file.path, text: file.path ? undefined : r.file, at: Date.now() });
  s.notify('info', `Opened ${file.name}`);
  return true;
}

/** A new empty document; asks first when the current one has unsaved work (`ask` is window.confirm in the app). */
export function newScenario(ask: (question: string) => boolean = (q) => window.confirm(q)): void {
  const s = appStore.getState();
  if (hasUnsavedWork(s.doc, s.savedText) && !ask(`Discard the changes to "${s.doc.name}"? (Undo brings them back.)`)) return;
  if (s.loadedKey !== undefined) void s.resetRun();
  s.replaceDoc(emptyDoc());
  s.setFile(undefined, undefined);
}

/** Picks a file: Electron's dialog, or the browser's file input. */
export async function openFile(input?: HTMLInputElement | null): Promise<void> {
  const b = bridge();
  if (b) {
    const f = await b.openFile();
    if (f) await openText(f.text, { name: f.path.split(/[\\/]/).pop() ?? f.path, path: f.path });
    return;
  }
  input?.click();
}

export async function readUpload(file: File): Promise<boolean> {
  return openText(await file.text(), { name: file.name });
}

export async function openRecent(r: RecentFile): Promise<void> {
  const b = bridge();
  if (b && r.path) {
    try {
      const f = await b.openRecent(r.path);
      await openText(f.text, { name: r.name, path: f.path });
    } catch (e) {
      appStore.getState().notify('error', `Could not open ${r.path}: ${String((e as Error)?.message ?? e)}`);
    }
    return;
  }
  if (r.text) await openText(await r.text.text(), { name: r.name });
}

function download(name: string, href: string): void {
  const a = document.createElement('a');
  a.href = href;
  a.download = name;
  document.body.appendChild(a);
  a.click();
  a.remove();
}

/** Downloads `blob` as a file named `name` (the browser's way to save; Electron uses its dialogs). */
export function downloadBlob(name: string, blob: Blob): void {
  const url = URL.createObjectURL(blob);
  download(name, url);
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** Downloads `text` as a file named `name`. */
export function downloadText(name: string, text: string, type = 'application/json'): void {
  downloadBlob(name, new Blob([text], { type }));
}

export async function saveFile(saveAs = false): Promise<void> {
  const s = appStore.getState();
  const issues = validateDoc(s.doc);
  if (issues.length > 0) {
    s.notify('error', 'This scenario is not complete yet, so it cannot be saved as a scenario file:', issues);
    return;
  }
  const text = docText(s.doc);
  const name = s.file?.name && !saveAs ? s.file.name : fileNameFor(s.doc);
  const b = bridge();
  if (b) {
    const r = await b.saveFile({ path: saveAs ? undefined : s.file?.path, suggestedName: name, text });
    if (!r) return;
    const saved = { name: r.path.split(/[\\/]/).pop() ?? r.path, path: r.path };
    s.setFile(saved, text);
    addRecent({ ...saved, at: Date.now() });
    s.notify('info', `Saved ${saved.name}`);
    return;
  }
  const blob = jsonBlob(text);
  downloadBlob(name, blob);
  s.setFile({ name }, text);
  addRecent({ name, text: blob, at: Date.now() });
  s.notify('info', `Saved ${name} (downloaded)`);
}

/** The paint of an SVG shape that the app's stylesheet sets (edges: stroke and width from CSS). */
const SVG_PAINT = ['stroke', 'stroke-width', 'stroke-dasharray', 'stroke-opacity', 'fill', 'fill-opacity', 'opacity'] as const;

/**
 * Writes the computed paint of every shape inside the canvas's SVGs into its style attribute, and returns
 * the undo. html-to-image clones an <svg> as it is, without the styles of its children: the edges, whose
 * stroke comes from the stylesheet, exported as invisible paths.
 */
function inlineSvgPaint(root: HTMLElement): () => void {
  const undo: (() => void)[] = [];
  for (const shape of root.querySelectorAll<SVGElement>('svg *')) {
    const before = shape.getAttribute('style');
    const computed = getComputedStyle(shape);
    for (const p of SVG_PAINT) shape.style.setProperty(p, computed.getPropertyValue(p));
    undo.push(() => (before === null ? shape.removeAttribute('style') : shape.setAttribute('style', before)));
  }
  return () => {
    for (const u of undo) u();
  };
}

/** The canvas as PNG or SVG, without the controls and minimap. */
export async function exportImage(format: 'png' | 'svg'): Promise<void> {
  const s = appStore.getState();
  const el = document.querySelector<HTMLElement>('.react-flow');
  if (!el) return;
  const { toPng, toSvg } = await import('html-to-image');
  const options = {
    backgroundColor: '#ffffff',
    filter: (n: HTMLElement) => !n.classList?.contains('react-flow__controls') && !n.classList?.contains('react-flow__minimap') && !n.classList?.contains('react-flow__panel'),
  };
  const restore = inlineSvgPaint(el);
  let dataUrl: string;
  try {
    dataUrl = format === 'png' ? await toPng(el, { ...options, pixelRatio: 2 }) : await toSvg(el, options);
  } finally {
    restore();
  }
  const name = fileNameFor(s.doc).replace(/\.json$/, `.${format}`);
  const b = bridge();
  if (b) {
    const r = await b.exportImage({ suggestedName: name, format, dataUrl });
    if (r) s.notify('info', `Exported ${r.path}`);
    return;
  }
  download(name, dataUrl);
  s.notify('info', `Exported ${name} (downloaded)`);
}
