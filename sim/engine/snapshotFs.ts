/**
 * PGlite's data directory made straight from a snapshot (an uncompressed tar): each file of the tar
 * becomes an in-memory file whose contents are a view of the snapshot's bytes, not a copy, and a file is
 * copied the first time it is written (copy on write). Booting copies nothing, and where the snapshot is
 * a SharedArrayBuffer (Node's engine workers, and the app's when it is cross-origin isolated) all the
 * nodes booted from it share the files they have not written, as processes share the pages of a file
 * through the OS page cache.
 */
import type { MemoryFS, PGlite } from '@electric-sql/pglite';
import { SeededFs } from './seededFs.ts';

/** PGlite's data directory. */
const PGDATA = '/pglite/data';
const BLOCK = 512;

/** The slice of Emscripten's in-memory file system this needs. */
interface MemNode {
  contents: Uint8Array | null;
  usedBytes: number;
  atime: number;
  mtime: number;
}
type StreamWrite = (stream: { node: MemNode }, ...rest: unknown[]) => number;
interface Memfs {
  stream_ops: { write: StreamWrite };
  ops_table: { file: { stream: { write: StreamWrite } } };
  createNode(parent: MemNode, name: string, mode: number, dev: number): MemNode;
}
interface EmFs {
  mkdir(path: string): MemNode;
  mkdirTree(path: string): void;
  lookupPath(path: string): { node: MemNode };
}
/** Emscripten's options for PGlite's module (PGlite does not export the type's name). */
type EmscriptenOptions = Parameters<MemoryFS['init']>[1];
type CreateDataFile = (path: string, name: string | null, data: unknown, canRead: boolean, canWrite: boolean, canOwn: boolean) => unknown;
interface Module {
  FS: EmFs;
  MEMFS: Memfs;
  FS_createDataFile: CreateDataFile;
}
/** A regular file, read and write for all: the mode FS.writeFile and FS.createDataFile give a file they create. */
const FILE_MODE = 0o100666;

/**
 * PGlite's file packager writes PostgreSQL's ~700 installed files (pglite.data) with FS.createDataFile
 * each, which resolves the path, opens, writes and closes a stream: about a quarter of a boot's CPU. Its
 * calls (a whole path, the bytes, owned) make the node in its directory's node directly instead, its
 * contents the bytes given, as FS.createDataFile's owned write leaves them; any other call goes the usual way.
 */
function directDataFiles(mod: Module): void {
  const usual = mod.FS_createDataFile;
  const dirs = new Map<string, MemNode>();
  mod.FS_createDataFile = (path, name, data, canRead, canWrite, canOwn) => {
    if (name !== null || !(data instanceof Uint8Array) || !canRead || !canWrite || !canOwn) return usual(path, name, data, canRead, canWrite, canOwn);
    const slash = path.lastIndexOf('/');
    const dirPath = path.slice(0, slash) || '/';
    let dir = dirs.get(dirPath);
    if (!dir) dirs.set(dirPath, (dir = mod.FS.lookupPath(dirPath).node));
    return fileIn(mod.MEMFS, dir, path.slice(slash + 1), data);
  };
}

/** A regular file made in `dir`, its contents a view of `bytes` (not a copy). */
function fileIn(memfs: Memfs, dir: MemNode, name: string, bytes: Uint8Array): MemNode {
  const file = memfs.createNode(dir, name, FILE_MODE, 0);
  file.contents = bytes;
  file.usedBytes = bytes.byteLength;
  return file;
}

export class SnapshotFs extends SeededFs {
  constructor(private readonly tar: Uint8Array) {
    super();
  }

  override async init(pg: PGlite, options: EmscriptenOptions): Promise<{ emscriptenOpts: EmscriptenOptions }> {
    const { emscriptenOpts } = await super.init(pg, options);
    // first: PGlite's file packager queues its own preRun, which writes the files, after these
    return { emscriptenOpts: { ...emscriptenOpts, preRun: [(mod) => directDataFiles(mod as unknown as Module), ...(emscriptenOpts.preRun ?? [])] } };
  }

  override async initialSyncFs(): Promise<void> {
    await super.initialSyncFs();
    const mod = this.pg!.Module as unknown as Module;
    const tar = this.tar.buffer;
    // PostgreSQL's own files are views of pglite.data, shared memory too when the host shares it
    copyOnWrite(mod.MEMFS, (b) => b === tar || (typeof SharedArrayBuffer !== 'undefined' && b instanceof SharedArrayBuffer));
    extract(mod.FS, mod.MEMFS, this.tar);
  }
}

/** Every write to a file whose contents are still a view of a buffer that is not its own first gives it a copy. */
function copyOnWrite(memfs: Memfs, notOwn: (buffer: ArrayBufferLike) => boolean): void {
  const write = memfs.stream_ops.write;
  const cow: StreamWrite = (stream, ...rest) => {
    const node = stream.node;
    if (node.contents && notOwn(node.contents.buffer)) node.contents = node.contents.slice(0, node.usedBytes);
    return write(stream, ...rest);
  };
  // Streams use the table's copy; msync calls stream_ops directly.
  memfs.stream_ops.write = cow;
  memfs.ops_table.file.stream.write = cow;
}

/**
 * The tar's directories and regular files, in order (PGlite writes a directory before what it holds), with
 * the file system's default modes, as PGlite's own loader makes them. A file's node is made in its
 * directory's node directly, its contents the tar's bytes: FS.writeFile would resolve the path, open,
 * write and close a stream for each of the data directory's hundreds of files, which took about a
 * quarter of a boot's CPU.
 */
function extract(fs: EmFs, memfs: Memfs, tar: Uint8Array): void {
  fs.mkdirTree(PGDATA);
  const dirs = new Map<string, MemNode>([[PGDATA, fs.lookupPath(PGDATA).node]]);
  for (const e of tarEntries(tar)) {
    const path = `${PGDATA}/${e.name}`;
    if (e.type === '5') dirs.set(path, fs.mkdir(path));
    else if (e.type === '0' || e.type === '\0') {
      const slash = path.lastIndexOf('/');
      const dir = dirs.get(path.slice(0, slash)) ?? fs.lookupPath(path.slice(0, slash)).node;
      const file = fileIn(memfs, dir, path.slice(slash + 1), tar.subarray(e.data, e.data + e.size));
      file.atime = file.mtime = e.mtime;
    } else throw new Error(`the snapshot holds an entry of tar type '${e.type}' (${path}), which a data directory never has`);
  }
}

/** An entry of an uncompressed tar: its path in the data directory, and where its header and contents are. */
export interface TarEntry {
  /** As the file system has it ("base/1"; PGlite's dumpDataDir writes "/base/1/"). */
  readonly name: string;
  readonly type: string;
  readonly size: number;
  readonly mtime: number;
  /** Its header's first byte, its contents' first, and the end of its contents rounded up to a block. */
  readonly at: number;
  readonly data: number;
  readonly end: number;
}

/** The entries of an uncompressed tar, in order, each checked (ustar, checksum, inside the tar): a damaged one throws with its byte. */
export function tarEntries(tar: Uint8Array): TarEntry[] {
  const text = new TextDecoder();
  const field = (at: number, length: number) => {
    const bytes = tar.subarray(at, at + length);
    const end = bytes.indexOf(0);
    // a copy: browsers' TextDecoder refuses views of shared memory
    return text.decode(bytes.slice(0, end < 0 ? length : end));
  };
  const octal = (at: number, length: number) => Number.parseInt(field(at, length).trim() || '0', 8);
  const out: TarEntry[] = [];
  let at = 0;
  while (at + BLOCK <= tar.length && tar[at] !== 0) {
    const prefix = field(at + 345, 155);
    const name = `${prefix}/${field(at, 100)}`.replace(/\/+/g, '/').replace(/^(\.?\/)+|\/$/g, '');
    const size = octal(at + 124, 12);
    const data = at + BLOCK;
    if (field(at + 257, 5) !== 'ustar' || octal(at + 148, 8) !== checksum(tar, at) || !Number.isFinite(size) || data + size > tar.length) {
      throw new Error(`the snapshot is damaged at byte ${at} (${PGDATA}/${name})`);
    }
    const end = data + Math.ceil(size / BLOCK) * BLOCK;
    out.push({ name, type: String.fromCharCode(tar[at + 156] ?? 0), size, mtime: octal(at + 136, 12) * 1000, at, data, end });
    at = end;
  }
  return out;
}

/** A tar header's checksum: the sum of its bytes, the checksum field counted as spaces. */
function checksum(tar: Uint8Array, at: number): number {
  let sum = 8 * 0x20;
  for (let i = at; i < at + BLOCK; i++) if (i < at + 148 || i >= at + 156) sum += tar[i];
  return sum;
}

/** A node's file type, from its mode. */
const S_IFMT = 0o170000;
const S_IFDIR = 0o040000;

/**
 * The data directory as an uncompressed tar, the format `extract` reads: directories and regular files, each
 * directory before what it holds, in the order PGlite's own dumpDataDir walks them. Written straight from
 * the file nodes into one buffer of the exact size: PGlite's copies each file, then builds the tar, then a
 * Blob, then the caller an array of it, four copies of the whole directory at once; at every modelled
 * checkpoint (Recovery.ts) that peak was a node's largest use of memory.
 */
export function dataDirTar(pg: PGlite): Uint8Array {
  const fs = (pg.Module as unknown as Module).FS;
  const entries: { name: string; node: MemNode & { mode: number; contents: unknown } }[] = [];
  // a directory node's contents are its entries by name, in the order they were made
  const walk = (dir: { contents: unknown }, path: string) => {
    for (const [name, node] of Object.entries(dir.contents as Record<string, MemNode & { mode: number; contents: unknown }>)) {
      const child = path ? `${path}/${name}` : name;
      entries.push({ name: child, node });
      if ((node.mode & S_IFMT) === S_IFDIR) walk(node, child);
    }
  };
  walk(fs.lookupPath(PGDATA).node as unknown as { contents: unknown }, '');
  const sizeOf = (n: MemNode & { mode: number }) => ((n.mode & S_IFMT) === S_IFDIR ? 0 : n.usedBytes);
  const total = entries.reduce((s, e) => s + BLOCK + Math.ceil(sizeOf(e.node) / BLOCK) * BLOCK, 2 * BLOCK);
  const tar = new Uint8Array(total);
  const ascii = (at: number, text: string) => {
    for (let i = 0; i < text.length; i++) tar[at + i] = text.charCodeAt(i);
  };
  const octal = (at: number, width: number, n: number) => ascii(at, `${n.toString(8).padStart(width - 1, '0')}\0`);
  let at = 0;
  for (const { name, node } of entries) {
    const dir = (node.mode & S_IFMT) === S_IFDIR;
    const size = sizeOf(node);
    // a name over 100 bytes goes in the prefix field, split at a slash (PostgreSQL's paths are short)
    const cut = name.length > 100 ? name.lastIndexOf('/', 155) : -1;
    if (name.length > 100 && (cut < 0 || name.length - cut - 1 > 100)) throw new Error(`a data directory path too long for a tar: ${name}`);
    ascii(at, cut < 0 ? name : name.slice(cut + 1));
    if (cut >= 0) ascii(at + 345, name.slice(0, cut));
    octal(at + 100, 8, node.mode & 0o7777);
    octal(at + 108, 8, 0);
    octal(at + 116, 8, 0);
    octal(at + 124, 12, size);
    octal(at + 136, 12, Math.floor(node.mtime / 1000));
    tar[at + 156] = dir ? 0x35 : 0x30;
    ascii(at + 257, 'ustar\u000000');
    ascii(at + 148, `${checksum(tar, at).toString(8).padStart(6, '0')}\0 `);
    if (size > 0) tar.set((node.contents as Uint8Array).subarray(0, size), at + BLOCK);
    at += BLOCK + Math.ceil(size / BLOCK) * BLOCK;
  }
  return tar;
}
