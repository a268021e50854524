/** A PGlite in this thread: for tests and for hosts that cannot run workers. No watchdog can stop it. */
import { PGlite } from '@electric-sql/pglite';
import { type DbEngine, EngineDeadError } from './DbEngine.ts';
import type { EngineReply, EngineRequest } from './protocol.ts';
import { RequestQueue } from './requestQueue.ts';
import { SeededFs } from './seededFs.ts';
import { SnapshotFs } from './snapshotFs.ts';

export interface PgliteBootOptions {
  /** A data directory as an uncompressed tar; its bytes are never written (see SnapshotFs). */
  snapshot?: Uint8Array;
  postgresqlConf: string[];
  wasmModule?: WebAssembly.Module;
  /** PostgreSQL's installed files (pglite.data); shared by every engine of a process when a SharedArrayBuffer. */
  fsBundle?: Blob | SharedArrayBuffer;
}

/** Boots a PGlite from a snapshot, or runs initdb when there is none. */
export async function bootPglite(o: PgliteBootOptions): Promise<PGlite> {
  return PGlite.create({
    fs: o.snapshot ? new SnapshotFs(o.snapshot) : new SeededFs(),
    postgresqlconf: o.postgresqlConf,
    // initdb only: 1 MB WAL segments keep snapshots small.
    initDbStartParams: o.snapshot ? undefined : ['--wal-segsize=1'],
    pgliteWasmModule: o.wasmModule,
    fsBundle: o.fsBundle instanceof Blob || o.fsBundle === undefined ? o.fsBundle : sharedBundle(o.fsBundle),
  });
}

/**
 * PGlite reads the bundle with arrayBuffer(), and Emscripten's file packager asserts that what it got is
 * an ArrayBuffer by its constructor's name, then makes every file a view of it (no copy): a shared
 * buffer works as well and is not copied per engine, so it is presented under that name.
 */
function sharedBundle(buffer: SharedArrayBuffer): Blob {
  Object.defineProperty(buffer, 'constructor', { value: ArrayBuffer });
  return { arrayBuffer: async () => buffer } as unknown as Blob;
}

type Settle = { resolve: (r: EngineReply) => void; reject: (e: unknown) => void };

export class PgliteEngine implements DbEngine {
  private dead = false;
  /** Requests run in the order sent, as in a worker. */
  private readonly queue = new RequestQueue<Settle>({ answer: (p, r) => ('reply' in r ? p.resolve(r.reply) : p.reject(r.failed)) });

  constructor(
    readonly name: string,
    private readonly db: PGlite,
  ) {
    this.queue.start(db);
  }

  get alive(): boolean {
    return !this.dead;
  }

  async request(req: EngineRequest): Promise<EngineReply> {
    if (this.dead) throw new EngineDeadError(this.name, 'closed');
    return new Promise((resolve, reject) => this.queue.push({ resolve, reject }, req));
  }

  /** PGlite's close() with a query still queued never returns (it spins): it closes after what was sent. */
  kill(): void {
    this.dead = true;
    void this.queue
      .drained()
      .then(() => this.db.close())
      .catch(() => undefined);
  }

  async close(): Promise<void> {
    if (this.dead) return;
    this.dead = true;
    await this.queue.drained();
    await this.db.close();
  }
}
