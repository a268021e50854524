/**
 * PGlite's data directory made straight from a snapshot (an uncompressed tar): each file of the tar
 * becomes an in-memory file whose contents are a view of the snapshot's bytes, not a copy, and a file is
 * copied the first time it is written (copy on write). Booting copies nothing, and where the snapshot is
 * a SharedArrayBuffer (Node's engine workers, and the app's when it is cross-origin isolated) all the
 * nodes booted from it share the files they have not written, as processes share the pages of a file
 * through the OS page cache.
 */
import { SeededFs } from './seededFs.ts';

/** PGlite's data directory. */
const PGDATA = '/pglite/data';
const BLOCK = 512;

/** The slice of Emscripten's in-memory file system this needs. */
interface MemNode {
  contents: Uint8Array | null;
  usedBytes: number;
}
type StreamWrite = (stream: { node: MemNode }, ...rest: unknown[]) => number;
interface Memfs {
  stream_ops: { write: StreamWrite };
  ops_table: { file: { stream: { write: StreamWrite } } };
}
interface EmFs {
  mkdir(path: string): void;
  mkdirTree(path: string): void;
  writeFile(path: string, data: Uint8Array, opts: { canOwn: boolean }): void;
  utime(path: string, atime: number, mtime: number): void;
}

export class SnapshotFs extends SeededFs {
  constructor(private readonly tar: Uint8Array) {
    super();
  }

  override async initialSyncFs(): Promise<void> {
    await super.initialSyncFs();
    const mod = this.pg!.Module as unknown as { FS: EmFs; MEMFS: Memfs };
    const tar = this.tar.buffer;
    // PostgreSQL's own files are views of pglite.data, shared memory too when the host shares it
    copyOnWrite(mod.MEMFS, (b) => b === tar || (typeof SharedArrayBuffer !== 'undefined' && b instanceof SharedArrayBuffer));
    extract(mod.FS, this.tar);
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
 * the file system's default modes, as PGlite's own loader makes them.
 */
function extract(fs: EmFs, tar: Uint8Array): void {
  const text = new TextDecoder();
  const field = (at: number, length: number) => {
    const bytes = tar.subarray(at, at + length);
    const end = bytes.indexOf(0);
    // a copy: browsers' TextDecoder refuses views of shared memory
    return text.decode(bytes.slice(0, end < 0 ? length : end));
  };
  const octal = (at: number, length: number) => Number.parseInt(field(at, length).trim() || '0', 8);
  fs.mkdirTree(PGDATA);
  let at = 0;
  while (at + BLOCK <= tar.length && tar[at] !== 0) {
    const prefix = field(at + 345, 155);
    const name = field(at, 100);
    const path = `${PGDATA}/${prefix ? `${prefix}/${name}` : name}`.replace(/\/+/g, '/').replace(/\/$/, '');
    const size = octal(at + 124, 12);
    const mtime = octal(at + 136, 12) * 1000;
    const type = String.fromCharCode(tar[at + 156] ?? 0);
    const data = at + BLOCK;
    if (field(at + 257, 5) !== 'ustar' || octal(at + 148, 8) !== checksum(tar, at) || !Number.isFinite(size) || data + size > tar.length) {
      throw new Error(`the snapshot is damaged at byte ${at} (${path})`);
    }
    if (type === '5') fs.mkdir(path);
    else if (type === '0' || type === '\0') {
      fs.writeFile(path, tar.subarray(data, data + size), { canOwn: true });
      fs.utime(path, mtime, mtime);
    } else throw new Error(`the snapshot holds an entry of tar type '${type}' (${path}), which a data directory never has`);
    at = data + Math.ceil(size / BLOCK) * BLOCK;
  }
}

/** A tar header's checksum: the sum of its bytes, the checksum field counted as spaces. */
function checksum(tar: Uint8Array, at: number): number {
  let sum = 8 * 0x20;
  for (let i = at; i < at + BLOCK; i++) if (i < at + 148 || i >= at + 156) sum += tar[i];
  return sum;
}
