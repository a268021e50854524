/**
 * Nodes boot from a snapshot whose files they share until they write them (sim/engine/snapshotFs.ts):
 * what one node writes is its own, the snapshot never changes, and a dump holds what was written.
 */
import { createHash } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import type { DbEngine, EngineFactory } from '../../sim/engine/DbEngine.ts';
import { nodeEngineFactory } from '../../sim/engine/node/platform.ts';
import type { ConsoleReply, EngineReply } from '../../sim/engine/protocol.ts';
import { bootPglite } from '../../sim/engine/PgliteEngine.ts';
import { IncrementalTar } from '../../sim/engine/incrementalTar.ts';
import { dataDirTar } from '../../sim/engine/snapshotFs.ts';
import { dataSnapshot, ENGINE_CONF, templateSnapshot } from '../../sim/engine/snapshots.ts';
import { engines as inProcess } from './harness.ts';

const open: DbEngine[] = [];
afterAll(async () => {
  await Promise.all(open.map((e) => e.close()));
});

async function boot(factory: EngineFactory, snapshot: Uint8Array, name: string): Promise<DbEngine> {
  const e = await factory.create({ snapshot, postgresqlConf: ENGINE_CONF, name });
  open.push(e);
  return e;
}

async function sql(e: DbEngine, text: string): Promise<unknown[][]> {
  const reply = (await e.request({ op: 'console', sql: text, maxRows: 100 })) as ConsoleReply;
  if (reply.error) throw new Error(reply.error.message);
  return reply.result?.rows ?? [];
}

const digest = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

describe.each([
  ['in worker threads, sharing the snapshot', nodeEngineFactory({ kind: 'worker', diskCache: false })],
  ['in this thread', inProcess],
])('nodes booted from one snapshot (%s)', (_, factory) => {
  it('see only their own writes, leave the snapshot unchanged, and dump what they wrote', async () => {
    const snapshot = await dataSnapshot(factory, 'CREATE TABLE t (id int PRIMARY KEY, v text); INSERT INTO t SELECT g, md5(g::text) FROM generate_series(1, 2000) g;');
    const before = digest(snapshot);
    const [a, b] = [await boot(factory, snapshot, 'a'), await boot(factory, snapshot, 'b')];

    // Writes that reach the table's file, its index, the catalog and the WAL.
    await sql(a, "UPDATE t SET v = 'changed by a' WHERE id <= 1000");
    await sql(a, 'CREATE TABLE only_a (x int)');
    // CHECKPOINT is the engine's (the console's role may not run it)
    await a.request({ op: 'exec', sql: 'CHECKPOINT' });
    await sql(b, "UPDATE t SET v = 'changed by b' WHERE id > 1000");
    await b.request({ op: 'exec', sql: 'CHECKPOINT' });

    expect(await sql(a, "SELECT count(*)::int FROM t WHERE v = 'changed by a'")).toEqual([[1000]]);
    expect(await sql(a, "SELECT count(*)::int FROM t WHERE v = 'changed by b'")).toEqual([[0]]);
    expect(await sql(b, "SELECT count(*)::int FROM t WHERE v = 'changed by a'")).toEqual([[0]]);
    expect(await sql(b, "SELECT to_regclass('only_a') IS NULL")).toEqual([[true]]);
    expect(digest(snapshot)).toBe(before);

    // A node booted now starts from the snapshot as it was; one booted from a's dump has a's writes.
    const c = await boot(factory, snapshot, 'c');
    expect(await sql(c, "SELECT count(*)::int FROM t WHERE v LIKE 'changed%'")).toEqual([[0]]);
    const dump = (await a.request({ op: 'dump' })) as Extract<EngineReply, { tar: Uint8Array }>;
    const d = await boot(factory, dump.tar, 'd');
    expect(await sql(d, "SELECT count(*)::int FROM t WHERE v = 'changed by a'")).toEqual([[1000]]);
    expect(await sql(d, "SELECT to_regclass('only_a') IS NOT NULL")).toEqual([[true]]);
  });
});

/** A tar's entries as (path, type, digest of the data), in order. */
function entries(tar: Uint8Array): string[] {
  const text = (at: number, n: number) => new TextDecoder().decode(tar.subarray(at, at + n)).replace(/\0.*$/s, '');
  const out: string[] = [];
  for (let at = 0; at + 512 <= tar.length && tar[at] !== 0; ) {
    const size = Number.parseInt(text(at + 124, 12), 8);
    const prefix = text(at + 345, 155);
    const path = `${prefix ? `${prefix}/` : ''}${text(at, 100)}`.replace(/^\//, '');
    out.push(`${path} ${text(at + 156, 1)} ${digest(tar.subarray(at + 512, at + 512 + size))}`);
    at += 512 + Math.ceil(size / 512) * 512;
  }
  return out;
}

describe("a node's dump (dataDirTar)", () => {
  it("holds what PGlite's own dumpDataDir holds, entry by entry, in its order", async () => {
    const snapshot = await dataSnapshot(inProcess, 'CREATE TABLE t (id int PRIMARY KEY, v text); INSERT INTO t SELECT g, md5(g::text) FROM generate_series(1, 500) g;');
    const db = await bootPglite({ snapshot, postgresqlConf: ENGINE_CONF });
    try {
      await db.exec("UPDATE t SET v = 'x' WHERE id < 100; CREATE TABLE u (x int); CHECKPOINT");
      const own = new Uint8Array(await (await db.dumpDataDir('none')).arrayBuffer());
      const ours = entries(dataDirTar(db));
      expect(ours.length).toBeGreaterThan(300);
      expect(ours).toEqual(entries(own));
    } finally {
      await db.close();
    }
  });
});

describe("a restartpoint kept against the base backup (IncrementalTar)", () => {
  it('copies only the entries that changed, and gives back the whole directory byte for byte, which boots', async () => {
    const snapshot = await dataSnapshot(inProcess, 'CREATE TABLE t (id int PRIMARY KEY, v text); INSERT INTO t SELECT g, md5(g::text) FROM generate_series(1, 500) g;');
    const db = await bootPglite({ snapshot, postgresqlConf: ENGINE_CONF });
    let full: Uint8Array;
    let pglites: Uint8Array;
    try {
      // the same directory in PGlite's own dumpDataDir, whose names start with "/" (a snapshot cached on disk by it)
      pglites = new Uint8Array(await (await db.dumpDataDir('none')).arrayBuffer());
      // a changed table, a new one, a dropped one's files gone, WAL removed and written
      await db.exec("UPDATE t SET v = 'x' WHERE id < 100; CREATE TABLE u (x int); INSERT INTO u VALUES (1); CHECKPOINT");
      full = dataDirTar(db);
    } finally {
      await db.close();
    }
    const kept = IncrementalTar.of(snapshot, full);
    expect(digest(kept.full())).toBe(digest(full));
    expect(entries(kept.full())).toEqual(entries(full));
    // the template databases and the catalogs nothing wrote are the base's bytes
    expect(kept.ownBytes).toBeGreaterThan(0);
    expect(kept.ownBytes).toBeLessThan(full.length / 3);
    expect(IncrementalTar.base(snapshot).full()).toBe(snapshot);
    const againstPglites = IncrementalTar.of(pglites, full);
    expect(digest(againstPglites.full())).toBe(digest(full));
    expect(againstPglites.ownBytes).toBeLessThan(full.length / 3);
    const d = await boot(inProcess, kept.full(), 'restarted');
    expect(await sql(d, "SELECT (SELECT count(*)::int FROM t WHERE v = 'x'), (SELECT x FROM u)")).toEqual([[99, 1]]);
  });
});

describe('a damaged snapshot', () => {
  it('is refused with the byte where it is damaged, not booted', async () => {
    const damaged = (await templateSnapshot(inProcess)).slice();
    damaged[5] ^= 0x20; // a letter of the first entry's name: its header's checksum no longer adds up
    await expect(boot(inProcess, damaged, 'damaged')).rejects.toThrow(/the snapshot is damaged at byte \d+/);
  });
});

describe("an engine's entropy (sim/engine/seededFs.ts)", () => {
  it("is the same on every boot: ANALYZE's sample of a large table and random() repeat", async () => {
    // 40,000 rows: above ANALYZE's 30,000-row sample (300 × default_statistics_target), so it samples at random
    const snapshot = await dataSnapshot(inProcess, 'CREATE TABLE big (id int, v int); INSERT INTO big SELECT g, (g * 7919) % 100003 FROM generate_series(1, 40000) g;');
    const draw = async (name: string) => {
      const e = await boot(inProcess, snapshot, name);
      await e.request({ op: 'exec', sql: 'ANALYZE big' });
      return sql(e, "SELECT histogram_bounds::text, random() FROM pg_stats WHERE tablename = 'big' AND attname = 'v'");
    };
    const [first, second] = [await draw('e1'), await draw('e2')];
    expect(first).toHaveLength(1);
    expect(second).toEqual(first);
  });
});
