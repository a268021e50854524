/**
 * Where one engine's memory is: PGlite's wasm memory, and its data directory's files, which Emscripten's
 * in-memory file system keeps as JavaScript buffers outside it. The benchmark prints it per simulated
 * minute (`npm run bench`), so growth can be told from the tables' own: a file's bytes beyond its size
 * (a growable buffer's slack), a file unlinked but still open (its buffer held until it is closed).
 */
import type { PGlite } from '@electric-sql/pglite';

/** Bytes held by one kind of file: what the buffers hold (`held`) and what the files' sizes are (`used`). */
export interface FileBytes {
  held: number;
  used: number;
}

export interface EngineMemory {
  /** PGlite's WebAssembly.Memory (it never shrinks: PostgreSQL's peak). */
  wasmBytes: number;
  /** Tables, indexes and catalogs (base/, global/): own buffers, not views of the snapshot. */
  relations: FileBytes;
  /** WAL segments (pg_wal/). */
  wal: FileBytes;
  /** Every other file of the data directory (pg_xact, pg_stat, pg_multixact ...). */
  other: FileBytes;
  /** Files unlinked while open: out of the directory, their buffers held by the open descriptor. */
  unlinkedOpen: FileBytes;
  /** Files still views of the snapshot they booted from (shared, not this engine's own). */
  sharedBytes: number;
  /** This thread's JavaScript heap, where the host can read it. */
  heap?: { usedBytes: number; totalBytes: number; externalBytes: number };
}

const PGDATA = '/pglite/data';
const S_IFMT = 0o170000;
const S_IFDIR = 0o040000;
const S_IFREG = 0o100000;

interface FileNode {
  name: string;
  parent: FileNode;
  mode: number;
  contents: Uint8Array | Record<string, FileNode> | null;
  usedBytes: number;
}
interface Fs {
  lookupPath(path: string): { node: FileNode };
  streams: ({ node: FileNode } | null | undefined)[];
}

/** The engine's memory now. */
export function engineMemory(pg: PGlite): Omit<EngineMemory, 'heap'> {
  const mod = pg.Module as unknown as { FS: Fs; HEAPU8: Uint8Array };
  const out = { wasmBytes: mod.HEAPU8.buffer.byteLength, relations: zero(), wal: zero(), other: zero(), unlinkedOpen: zero(), sharedBytes: 0 };
  const add = (node: FileNode, into: FileBytes) => {
    const bytes = node.contents as Uint8Array | null;
    // a file's own buffer is the whole of it (MEMFS allocates and copies whole buffers); a view is the snapshot's
    if (bytes && bytes.byteLength !== bytes.buffer.byteLength) out.sharedBytes += node.usedBytes;
    else {
      into.held += bytes?.byteLength ?? 0;
      into.used += node.usedBytes;
    }
  };
  const walk = (dir: FileNode, path: string) => {
    for (const [name, node] of Object.entries(dir.contents as Record<string, FileNode>)) {
      const child = path ? `${path}/${name}` : name;
      if ((node.mode & S_IFMT) === S_IFDIR) walk(node, child);
      else if ((node.mode & S_IFMT) === S_IFREG) add(node, child.startsWith('pg_wal/') ? out.wal : /^(base|global)\//.test(child) ? out.relations : out.other);
    }
  };
  walk(mod.FS.lookupPath(PGDATA).node, '');
  for (const s of mod.FS.streams) {
    const node = s?.node;
    const parent = node?.parent.contents as Record<string, FileNode> | undefined;
    if (node && (node.mode & S_IFMT) === S_IFREG && parent?.[node.name] !== node) add(node, out.unlinkedOpen);
  }
  return out;
}

function zero(): FileBytes {
  return { held: 0, used: 0 };
}
