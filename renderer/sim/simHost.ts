/**
 * The sim host, the sim worker's body: one Simulation, driven by commands from the sim client, paced to
 * the wall clock, reporting snapshots every ~200 ms while it runs. No DOM, no React. simWorker.ts wires
 * it to the worker's messages with each node's PGlite in a Web Worker; tests wire it to PGlite in Node.
 *
 * Invariant: only one thing touches the Simulation at a time (`exclusive`): a chunk of virtual time, a
 * setting, a console statement. Commands arriving during a chunk wait for it (at most ~100 ms of
 * virtual time at full speed), so a run and an edit never interleave inside the models.
 */
import { buildReport, type EngineFactory, parseDuration, ScenarioError, type SimEvent, Simulation } from '../../sim/index.ts';
import type { ClientMessage, CommandResults, RunStatus, SeriesPoint, SimCommand, SpeedSetting, WorkerMessage } from './protocol.ts';

export interface SimHostOptions {
  engines: EngineFactory;
  post: (m: WorkerMessage) => void;
}

export interface SimHost {
  handle(command: SimCommand): Promise<unknown>;
  /** Answers a client message with a reply message. */
  receive(message: ClientMessage): Promise<void>;
}

export function createSimHost({ engines, post }: SimHostOptions): SimHost {
let sim: Simulation | undefined;
let status: RunStatus = 'idle';
let speed: SpeedSetting = 1;
let lock: Promise<unknown> = Promise.resolve();
/** The generation (loaded sim) whose run loop is going; a loop of an older one ends at its next check. */
let drivingGen: number | undefined;
let sentSeconds = 0;
let sentEvents = 0;
let lastPost = 0;
/** Bumped by load/reset so a stale drive loop stops. */
let generation = 0;

const SNAPSHOT_MS = 200;
const MAX_CHUNK_US = 100_000;

function exclusive<T>(fn: () => Promise<T>): Promise<T> {
  const next = lock.then(fn, fn);
  lock = next.catch(() => undefined);
  return next;
}

function setStatus(s: RunStatus, message?: string) {
  status = s;
  post({ type: 'state', status, speed, message });
}

function sleep(ms: number) {
  return new Promise((r) => setTimeout(r, ms));
}

function durationUs(s: Simulation): number {
  const d = s.scenario.run.duration;
  if (typeof d === 'number') return d * 1e6;
  return parseDuration(String(d)) ?? 30e6;
}

function seriesSince(s: Simulation): SeriesPoint[] {
  const seconds = s.metrics.seconds;
  const complete = Math.floor(s.now / 1e6);
  const out: SeriesPoint[] = [];
  for (let i = sentSeconds; i < Math.min(complete, seconds.length); i++) {
    const b = seconds[i];
    const nodes: SeriesPoint['nodes'] = {};
    for (const [id, model] of s.nodes) {
      const ns = b.nodes.get(id);
      const spec = s.scenario.nodes.find((n) => n.id === id);
      const cores = Number((spec?.settings as { cores?: unknown })?.cores) || s.metrics.node(id).cores || 1;
      if (model.kind === 'app') nodes[id] = { qps: b.completed + b.failed, cpu: 0, errors: b.failed };
      else nodes[id] = { qps: ns?.queries ?? 0, cpu: ns ? ns.busyUs / 1e6 / cores : 0, errors: ns?.errors ?? 0 };
    }
    const ms = (p: number) => Math.round(b.latency.percentile(p)) / 1000;
    out.push({ t: b.t, throughput: b.completed, failed: b.failed, p50: ms(50), p95: ms(95), p99: ms(99), nodes });
  }
  sentSeconds = Math.max(sentSeconds, Math.min(complete, seconds.length));
  return out;
}

function postSnapshot() {
  if (!sim) return;
  lastPost = performance.now();
  const events = sim.events.slice(sentEvents);
  sentEvents = sim.events.length;
  const snapshot = sim.snapshot();
  post({ type: 'snapshot', snapshot: { ...snapshot, events: [] }, series: seriesSince(sim), events, status });
}

function emit(event: Omit<SimEvent, 'at'>) {
  if (!sim) return;
  sim.events.push({ ...event, at: sim.now });
}

async function drive(gen: number) {
  // Per generation, not one flag: after Reset/Open + Run, the old loop may still be finishing its chunk,
  // and must not stop the new sim's loop from starting (that left a 'running' sim frozen).
  if (drivingGen === gen) return;
  drivingGen = gen;
  try {
    let wall = performance.now();
    while (gen === generation && sim && status === 'running') {
      const s = sim;
      const until = durationUs(s);
      if (s.now >= until) {
        emit({ type: 'run-finished', message: `run finished at ${(s.now / 1e6).toFixed(1)} s` });
        setStatus('finished');
        postSnapshot();
        break;
      }
      let target: number;
      if (speed !== 'max') await sleep(25);
      // Read the speed after the sleep: it may have been switched to max meanwhile ('max' * n is NaN).
      const pace = speed;
      if (pace === 'max') {
        target = s.now + MAX_CHUNK_US;
      } else {
        const now = performance.now();
        target = s.now + Math.min(MAX_CHUNK_US * 5, (now - wall) * 1000 * pace);
      }
      wall = performance.now();
      await exclusive(() => s.runUntil(Math.min(until, target)));
      if (performance.now() - lastPost >= SNAPSHOT_MS) postSnapshot();
      if (speed === 'max') await sleep(0);
    }
  } catch (e) {
    setStatus('error', `the run stopped: ${String((e as Error)?.message ?? e)}`);
  } finally {
    if (drivingGen === gen) drivingGen = undefined;
    if (gen === generation) postSnapshot();
  }
}

async function closeSim() {
  generation++;
  const s = sim;
  sim = undefined;
  sentSeconds = 0;
  sentEvents = 0;
  if (s) await exclusive(() => s.close()).catch(() => undefined);
}

async function handle(command: SimCommand): Promise<unknown> {
  switch (command.type) {
    case 'load': {
      await closeSim();
      const gen = generation;
      setStatus('booting');
      try {
        const created = await Simulation.create(command.scenario, {
          engines,
          onProgress: (phase, fraction) => post({ type: 'progress', phase, fraction }),
        });
        if (gen !== generation) {
          await created.close();
          throw new Error('the load was replaced by a newer one');
        }
        sim = created;
        setStatus('ready');
        postSnapshot();
        return { nodes: [...created.nodes.keys()] } satisfies CommandResults['load'];
      } catch (e) {
        setStatus('idle');
        throw e;
      }
    }
    case 'run': {
      if (!sim) throw new Error('no scenario is loaded');
      if (status === 'finished') return null;
      setStatus('running');
      void drive(generation);
      return null;
    }
    case 'pause':
      if (status === 'running') setStatus('paused');
      return null;
    case 'step': {
      const s = sim;
      if (!s) throw new Error('no scenario is loaded');
      if (status === 'running') setStatus('paused');
      const until = durationUs(s);
      await exclusive(() => s.runUntil(Math.min(until, s.now + (command.us ?? 100_000))));
      if (status !== 'paused') setStatus('paused');
      postSnapshot();
      return null;
    }
    case 'speed':
      speed = command.speed;
      post({ type: 'state', status, speed });
      return null;
    case 'setNodeSetting': {
      const s = sim;
      if (!s) throw new Error('no scenario is loaded');
      const { outcome } = await exclusive(() => s.setNodeSetting(command.node, command.name, command.value));
      postSnapshot();
      return { outcome } satisfies CommandResults['setNodeSetting'];
    }
    case 'runSql': {
      const s = sim;
      if (!s) throw new Error('no scenario is loaded');
      const r = await s.runSql(command.node, command.sql);
      postSnapshot();
      return r;
    }
    case 'reset':
      await closeSim();
      setStatus('idle');
      return null;
    case 'fault': {
      const s = sim;
      if (!s) throw new Error('no scenario is loaded: press Run first');
      const refused = await s.fault(command.fault);
      if (refused) throw new Error(refused);
      postSnapshot();
      return null;
    }
    case 'report': {
      // between chunks, so the report is of one moment of virtual time
      const s = sim;
      if (!s) throw new Error('no scenario is loaded');
      return exclusive(async () => ({ report: buildReport(s, [], 0), console: [...s.consoleHistory.entries] })) satisfies Promise<CommandResults['report']>;
    }
  }
}

async function receive({ id, command }: ClientMessage): Promise<void> {
  try {
    post({ type: 'reply', id, ok: true, value: await handle(command) });
  } catch (err) {
    const issues = err instanceof ScenarioError ? err.issues : undefined;
    post({ type: 'reply', id, ok: false, error: String((err as Error)?.message ?? err), issues });
  }
}

return { handle, receive };
}
