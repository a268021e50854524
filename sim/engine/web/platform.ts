/// <reference types="vite/client" />
/**
 * Engines for the browser (the app): each database node's PGlite in a Web Worker of its own, started
 * from the sim's worker (nested workers), so a runaway statement blocks one node and the watchdog can
 * terminate it. The wasm is compiled once per sim worker and handed to every engine worker (a compiled
 * WebAssembly.Module and a Blob are structured-cloneable). Snapshots are cached in memory and IndexedDB;
 * when the page is cross-origin isolated, the snapshots and PostgreSQL's files are shared by the engine
 * workers instead of copied into each.
 */
import fsBundleUrl from '@electric-sql/pglite/pglite.data?url';
import wasmUrl from '@electric-sql/pglite/pglite.wasm?url';
import type { DbEngine, EngineBootOptions, EngineFactory } from '../DbEngine.ts';
import { sharedCopy, sharedSnapshots } from '../sharedMemory.ts';
import { WorkerEngine, type WorkerPort } from '../WorkerEngine.ts';
import { snapshotStore } from './snapshotStore.ts';
import { limiter } from '../limiter.ts';
import { shareOfCore } from './shareOfCore.ts';

export interface WebEngineOptions {
  /** Real milliseconds without an answer after which a worker's statement is a runaway (default 5000). */
  watchdogMs?: number;
  /** Cache snapshots in IndexedDB as well as in memory (default true). */
  indexedDb?: boolean;
  /** Engines booting at once (default: the number of cores). */
  bootConcurrency?: number;
}

/** Cross-origin isolated (the app's servers send the headers): workers can share memory. */
const isolated = (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated === true;

let assets: Promise<{ wasmModule: WebAssembly.Module; fsBundle: Blob | SharedArrayBuffer }> | undefined;

/** PGlite's wasm compiled once, and its file-system bundle fetched once (shared when isolated), per thread. */
export function pgliteAssets() {
  assets ??= (async () => {
    const [wasmModule, fsBundle] = await Promise.all([
      WebAssembly.compileStreaming(fetch(wasmUrl)).catch(async () => WebAssembly.compile(await (await fetch(wasmUrl)).arrayBuffer())),
      fetch(fsBundleUrl).then(async (r) => {
        if (!r.ok) throw new Error(`could not load PostgreSQL's files (${r.status} ${fsBundleUrl})`);
        return isolated ? (sharedCopy(new Uint8Array(await r.arrayBuffer())).buffer as SharedArrayBuffer) : r.blob();
      }),
    ]);
    return { wasmModule, fsBundle };
  })();
  return assets;
}

function workerPort(worker: Worker): WorkerPort {
  return {
    postMessage: (m, transfer) => worker.postMessage(m, transfer ?? []),
    onMessage: (l) => worker.addEventListener('message', (e) => l(e.data)),
    onError: (l) =>
      worker.addEventListener('error', (e) => {
        e.preventDefault();
        l(new Error(e.message || 'the engine worker failed to start'));
      }),
    terminate: () => worker.terminate(),
  };
}

function startWorker(name: string): Worker {
  return new Worker(new URL('./engineWorker.ts', import.meta.url), { type: 'module', name: `pglite ${name}` });
}

export function webEngineFactory(options: WebEngineOptions = {}): EngineFactory {
  const watchdogMs = options.watchdogMs ?? 5000;
  const store = snapshotStore({ indexedDb: options.indexedDb });
  const cores = typeof navigator !== 'undefined' ? navigator.hardwareConcurrency || 2 : 2;
  const boot = limiter(Math.max(1, options.bootConcurrency ?? cores));

  const shared = sharedSnapshots();

  async function start(name: string, o: EngineBootOptions | undefined, watchdog: number): Promise<DbEngine> {
    const { wasmModule, fsBundle } = await pgliteAssets();
    // Shared by every node booted from it, or else a copy of its own for each.
    const snapshot = o && (isolated ? shared(o.snapshot) : o.snapshot.slice());
    const message = { snapshot, postgresqlConf: o?.postgresqlConf ?? [], wasmModule, fsBundle };
    return WorkerEngine.start(name, workerPort(startWorker(name)), message, watchdog, snapshot && !isolated ? [snapshot.buffer] : [], { shareOfCore });
  }

  return {
    kind: 'worker',
    create: (o) => boot(() => start(o.name, o, o.watchdogMs ?? watchdogMs)),
    // initdb takes seconds: give it a generous watchdog.
    initdb: () => boot(() => start('initdb', undefined, Math.max(watchdogMs, 120_000))),
    loadSnapshot: (key) => store.load(key),
    saveSnapshot: (key, tar) => store.save(key, tar),
  };
}
