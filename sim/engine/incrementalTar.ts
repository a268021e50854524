/**
 * A data directory's tar kept as an incremental backup of a base one, as PostgreSQL 17's
 * `pg_basebackup --incremental` keeps only what changed and `pg_combinebackup` joins it to the full backup
 * again: a file whose bytes differ from the base's file of the same name is copied, the contents of the
 * others are views of the base's bytes. A node's restartpoint (Recovery.ts) kept the whole directory,
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
    // a path as the file system has it: PGlite's dumpDataDir (the base) writes "/base/1", dataDirTar "base/1"
    const prefix = field(at + 345, 155);
    out.push({ name: `${prefix ? `${prefix}/` : ''}${field(at, 100)}`.replace(/^(\.?\/)+/, ''), at, end });
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

  /**
   * `full` kept against `base`: every header is copied (a file's mode and time may differ from the base's where
   * its bytes do not), and the contents of an entry that differ from the base's entry of the same name.
   */
  static of(base: Uint8Array, full: Uint8Array): IncrementalTar {
    const kept = new Map(entries(base).map((e) => [e.name, e]));
    const plan = entries(full).map((e) => {
      const b = kept.get(e.name);
      const contents = full.subarray(e.at + BLOCK, e.end);
      return { e, same: b && same(base.subarray(b.at + BLOCK, b.end), contents) ? base.subarray(b.at + BLOCK, b.end) : undefined };
    });
    // the headers and changed contents in one buffer of their own: `full` is let go
    const own = new Uint8Array(plan.reduce((n, { e, same }) => n + (same ? BLOCK : e.end - e.at), 0));
    const parts: Uint8Array[] = [];
    let at = 0;
    const copy = (bytes: Uint8Array) => {
      own.set(bytes, at);
      parts.push(own.subarray(at, (at += bytes.length)));
    };
    for (const { e, same } of plan) {
      if (!same) copy(full.subarray(e.at, e.end));
      else {
        copy(full.subarray(e.at, e.at + BLOCK));
        parts.push(same);
      }
    }
    return new IncrementalTar(base, parts, own.length);
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
