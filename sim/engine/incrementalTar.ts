/**
 * A data directory's tar kept as an incremental backup of a base one, as PostgreSQL 17's
 * `pg_basebackup --incremental` keeps only what changed and `pg_combinebackup` joins it to the full backup
 * again: the entries (header and contents) that differ from the base's entry of the same name are copied,
 * the others are views of the base's bytes. A node's restartpoint (Recovery.ts) kept the whole directory,
 * ~40 MB a node, most of it the template databases and catalogs no workload writes.
 */

const BLOCK = 512;

/** An entry of a tar: where its header starts and where its contents end (rounded up to a block). */
interface Entry {
  readonly name: string;
  readonly at: number;
  readonly end: number;
}

/** The entries of an uncompressed tar (as snapshotFs's dataDirTar writes it), in order. */
function entries(tar: Uint8Array): Entry[] {
  const out: Entry[] = [];
  const text = new TextDecoder();
  const field = (at: number, length: number) => {
    const bytes = tar.subarray(at, at + length);
    const end = bytes.indexOf(0);
    // a copy: browsers' TextDecoder refuses views of shared memory
    return text.decode(bytes.slice(0, end < 0 ? length : end));
  };
  let at = 0;
  while (at + BLOCK <= tar.length && tar[at] !== 0) {
    const size = Number.parseInt(field(at + 124, 12).trim() || '0', 8);
    const end = at + BLOCK + Math.ceil(size / BLOCK) * BLOCK;
    if (!Number.isFinite(size) || end > tar.length) throw new Error(`a damaged tar at byte ${at}`);
    out.push({ name: `${field(at + 345, 155)}/${field(at, 100)}`, at, end });
    at = end;
  }
  return out;
}

/** Whether two byte ranges are equal, compared a word at a time where both are aligned. */
function same(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  if (a.byteOffset % 4 === 0 && b.byteOffset % 4 === 0 && a.length % 4 === 0) {
    const x = new Int32Array(a.buffer, a.byteOffset, a.length / 4);
    const y = new Int32Array(b.buffer, b.byteOffset, b.length / 4);
    for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
    return true;
  }
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export class IncrementalTar {
  private constructor(
    private readonly base: Uint8Array,
    /** Every entry in order: a view of the base's bytes, or of the changed bytes kept. */
    private readonly parts: readonly Uint8Array[] | undefined,
    /** Bytes of its own (the changed entries). */
    readonly ownBytes: number,
  ) {}

  /** The base itself, nothing changed. */
  static base(base: Uint8Array): IncrementalTar {
    return new IncrementalTar(base, undefined, 0);
  }

  /** `full` kept against `base`: only its entries that differ from the base's are copied. */
  static of(base: Uint8Array, full: Uint8Array): IncrementalTar {
    const kept = new Map(entries(base).map((e) => [e.name, e]));
    const changed: Entry[] = [];
    const parts: (Uint8Array | Entry)[] = [];
    for (const e of entries(full)) {
      const b = kept.get(e.name);
      if (b && same(base.subarray(b.at, b.end), full.subarray(e.at, e.end))) parts.push(base.subarray(b.at, b.end));
      else {
        changed.push(e);
        parts.push(e);
      }
    }
    // the changed entries in one buffer of their own: `full` is let go
    const own = new Uint8Array(changed.reduce((n, e) => n + e.end - e.at, 0));
    let at = 0;
    const views = parts.map((p) => {
      if (p instanceof Uint8Array) return p;
      own.set(full.subarray(p.at, p.end), at);
      at += p.end - p.at;
      return own.subarray(at - (p.end - p.at), at);
    });
    return new IncrementalTar(base, views, own.length);
  }

  /** The whole tar again (a restart from it), as pg_combinebackup writes the full backup. */
  full(): Uint8Array {
    if (!this.parts) return this.base;
    const tar = new Uint8Array(this.parts.reduce((n, p) => n + p.length, 2 * BLOCK));
    let at = 0;
    for (const p of this.parts) {
      tar.set(p, at);
      at += p.length;
    }
    return tar;
  }
}
