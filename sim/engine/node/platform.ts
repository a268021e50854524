/**
 * Engines for Node (the CLI, the benchmark and the tests): PGlite in worker_threads (or in-process),
 * the wasm compiled once per process, snapshots cached on disk under node_modules/.cache.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { DbEngine, EngineBootOptions, EngineFactory } from '../DbEngine.ts';
import { bootPglite, PgliteEngine } from '../PgliteEngine.ts';
import { sharedCopy, sharedSnapshots } from '../sharedMemory.ts';
import { WorkerEngine } from '../WorkerEngine.ts';
import { limiter } from '../limiter.ts';
import { hash32 } from '../../core/rng.ts';

const pgliteDist = dirname(fileURLToPath(import.meta.resolve('@electric-sql/pglite')));
// Beside PGlite's node_modules, whatever the working directory: the bundled worker imports PGlite from there.
const cacheDir = join(pgliteDist, '..', '..', '..', '.cache', 'pg-scaling-lab');

let assets: Promise<{ wasmModule: WebAssembly.Module; fsBundle: SharedArrayBuffer }> | undefined;
function pgliteAssets() {
  assets ??= (async () => ({
    wasmModule: await WebAssembly.compile(await readFile(join(pgliteDist, 'pglite.wasm'))),
    fsBundle: sharedCopy(await readFile(join(pgliteDist, 'pglite.data'))).buffer as SharedArrayBuffer,
  }))();
  return assets;
}

let script: Promise<string> | undefined;
/**
 * The worker's entry bundled once per process into plain JavaScript (PGlite stays external): a worker
 * then starts without a TypeScript loader, faster and smaller. Vite does the same for the browser. It is
 * CommonJS, so a worker loads PGlite's one-file CommonJS build (dist/index.cjs) through require: Node's
 * ES module loader, and PGlite's ES build of several chunks, took about twice the CPU (a worker was ready
 * in ~85 ms of CPU with the ES build, ~62 with this one, ~42 with no PGlite at all; 16 workers, 4 rounds). The
 * file is named by a hash of its contents: the cache directory is shared by every checkout that shares
 * node_modules, and a fixed name could be replaced by another checkout's bundle before this one's
 * workers load it.
 */
function workerScript(): Promise<string> {
  script ??= (async () => {
    const { build } = await import('esbuild');
    const { outputFiles } = await build({
      entryPoints: [fileURLToPath(new URL('./nodeWorker.ts', import.meta.url))],
      bundle: true,
      platform: 'node',
      format: 'cjs',
      target: 'node20',
      external: ['@electric-sql/pglite'],
      write: false,
      logLevel: 'silent',
    });
    const code = outputFiles[0].text;
    const final = join(cacheDir, `engine-worker-${hash32(code).toString(16)}.cjs`);
    await mkdir(cacheDir, { recursive: true });
    const tmp = join(cacheDir, `engine-worker-${process.pid}.tmp`);
    await writeFile(tmp, code);
    await rename(tmp, final);
    return final;
  })();
  return script;
}

export interface NodeEngineOptions {
  /** `worker` (default): one worker thread per node, with the watchdog; `in-process`: for tests. */
  kind?: 'worker' | 'in-process';
  /** Real milliseconds without an answer after which a worker's statement is a runaway. */
  watchdogMs?: number;
  /** Cache snapshots on disk (default true). */
  diskCache?: boolean;
}

/** The CPU time every thread of this process has had, in ms: the watchdog's measure of an engine's progress. */
function processCpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

export function nodeEngineFactory(options: NodeEngineOptions = {}): EngineFactory {
  const kind = options.kind ?? 'worker';
  const watchdogMs = options.watchdogMs ?? 5000;
  const memory = new Map<string, Uint8Array>();
  const boot = limiter(Math.max(1, availableParallelism()));
  /** Every node booted from a snapshot shares the files it has not written. */
  const shared = sharedSnapshots();

  async function createInProcess(o: EngineBootOptions | undefined, name: string): Promise<DbEngine> {
    const { wasmModule, fsBundle } = await pgliteAssets();
    const db = await bootPglite({ snapshot: o?.snapshot, postgresqlConf: o?.postgresqlConf ?? [], wasmModule, fsBundle });
    return new PgliteEngine(name, db);
  }

  return {
    kind,
    async create(o) {
      return boot(async () => {
        if (kind === 'in-process') return createInProcess(o, o.name);
        const { wasmModule, fsBundle } = await pgliteAssets();
        // Plain Node (the entry is bundled JavaScript: no TypeScript loader, no source maps), and a small
        // young generation: PGlite's data lives in wasm memory, and 8 isolates' nurseries add up.
        const worker = new Worker(await workerScript(), { execArgv: [], resourceLimits: { maxYoungGenerationSizeMb: 4 } });
        const port = {
          postMessage: (m: unknown, t?: Transferable[]) => worker.postMessage(m, t as never),
          onMessage: (l: (m: unknown) => void) => worker.on('message', l),
          onError: (l: (e: unknown) => void) => worker.on('error', l),
          terminate: () => void worker.terminate(),
        };
        const boot = { snapshot: shared(o.snapshot), postgresqlConf: o.postgresqlConf, wasmModule, fsBundle };
        return WorkerEngine.start(o.name, port, boot, o.watchdogMs ?? watchdogMs, [], { cpuMs: processCpuMs });
      });
    },
    initdb: () => createInProcess(undefined, 'initdb'),
    async loadSnapshot(key) {
      const hit = memory.get(key);
      if (hit || options.diskCache === false) return hit;
      try {
        const tar = new Uint8Array(await readFile(join(cacheDir, `${key}.tar`)));
        memory.set(key, tar);
        return tar;
      } catch {
        return undefined;
      }
    },
    async saveSnapshot(key, tar) {
      memory.set(key, tar);
      if (options.diskCache === false) return;
      await mkdir(cacheDir, { recursive: true });
      const tmp = join(cacheDir, `${key}.${process.pid}.tmp`);
      await writeFile(tmp, tar);
      await rename(tmp, join(cacheDir, `${key}.tar`));
    },
  };
}

