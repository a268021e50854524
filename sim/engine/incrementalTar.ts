/**
 * A data directory's tar kept as an incremental backup of a base one, as PostgreSQL 17's
 * `pg_basebackup --incremental` keeps only what changed and `pg_combinebackup` joins it to the full backup
 * again: a file whose bytes differ from the base's file of the same name is copied, the contents of the
 * others are views of the base's bytes. A node's restartpoint (Recovery.ts) kept the whole directory,
 * ~12 MB a node, most of it the template databases and catalogs no workload writes.
 */
import { tarEntries } from './snapshotFs.ts';

const BLOCK = 512;

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
    const kept = new Map(tarEntries(base).map((e) => [e.name, e]));
    const plan = tarEntries(full).map((e) => {
      const b = kept.get(e.name);
      const contents = full.subarray(e.data, e.end);
      return { e, same: b && same(base.subarray(b.data, b.end), contents) ? base.subarray(b.data, b.end) : undefined };
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
