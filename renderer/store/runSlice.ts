/**
 * The live run: what the sim worker reports (status, boot progress, the latest snapshot, the series the
 * charts plot, events) and the commands that drive it. The sim is loaded from the document when Run
 * (or a console query) needs it; a document that changed since is "stale" until Reset.
 */
import type { ConsoleResult, JsonValue, SimSnapshot } from '../../sim/index.ts';
import type { FaultCommand, RunEvent, RunStatus, SeriesPoint, SpeedSetting } from '../sim/protocol.ts';
import { SimCommandError } from '../sim/simClient.ts';
import type { AppSet, AppState, SimPort } from './appStore.ts';
import { appendLive, type LivePoint } from './liveSeries.ts';
import { type Doc, docToScenario, lastDoc } from './doc.ts';
import { NO_TIME, recordFrame } from './timeSlice.ts';

/**
 * Why a command that acts over virtual time (a fault, a reshard) cannot be given now, or undefined when it
 * can: on a loaded run that has not finished (a finished run's clock never moves again; the runner refuses).
 */
export function whyNotLive(s: Pick<RunSlice, 'loadedKey' | 'status'>, what = 'faults act'): string | undefined {
  if (s.loadedKey === undefined || s.status === 'idle' || s.status === 'booting') return `Press Run: ${what} on the running simulation.`;
  if (s.status === 'finished') return `The run has reached its run.duration: ${what} while it runs. Press Continue.`;
  if (s.status === 'error') return 'The run stopped with an error: Reset, then Run.';
  return undefined;
}

const MAX_POINTS = 3600;
const MAX_EVENTS = 500;

export interface RunSlice {
  status: RunStatus;
  speed: SpeedSetting;
  progress: { phase: string; fraction: number } | undefined;
  snapshot: SimSnapshot | undefined;
  /** Snapshots received: the animation's clock (dots move one step per snapshot). */
  snapshotCount: number;
  series: SeriesPoint[];
  /** Per-snapshot figures of replicas and poolers (liveSeries.ts), for their charts. */
  live: LivePoint[];
  events: RunEvent[];
  /** What the sim was loaded from (the parts that matter to it); undefined when nothing is loaded. */
  loadedKey: string | undefined;
  runError: string | undefined;
  consoleNode: string | undefined;
  consoleResult: ConsoleResult | undefined;
  consoleBusy: boolean;
  ensureLoaded(): Promise<boolean>;
  run(): Promise<void>;
  pause(): Promise<void>;
  step(): Promise<void>;
  setSpeed(speed: SpeedSetting): Promise<void>;
  resetRun(): Promise<void>;
  applySettingLive(node: string, name: string, value: unknown): Promise<void>;
  /** A fault on a node of the running sim (stop/start, kill, promote, lag spike); says so when refused. */
  fault(fault: FaultCommand): Promise<boolean>;
  runSql(node: string, sql: string): Promise<void>;
  /** Re-points `node`'s link from `from` to `to` in the running sim (a VIP moved after a failover) and in the document. */
  repoint(node: string, from: string, to: string): Promise<boolean>;
  /** A run that reached the scenario's duration goes on for as long again. */
  continueRun(): Promise<void>;
  setConsoleNode(node: string): void;
  addEvent(event: Omit<RunEvent, 'at'>): void;
}

const simKeys = lastDoc((d) => {
  const s = docToScenario(d) as { nodes: { id: string; kind: string; settings: unknown; region?: string }[] };
  return JSON.stringify({
    nodes: s.nodes.map((n) => ({ id: n.id, kind: n.kind, settings: n.settings, region: n.region })),
    edges: d.edges,
    workload: d.workload,
    run: d.run,
    // the shard map and the region table: an edit of either applies at the next Run
    sharding: d.sharding,
    regions: d.regions,
  });
});

/**
 * The parts of a document the simulation depends on (not positions, labels or the name), made once for the
 * current document: the toolbar's staleness check asks on every store update (every snapshot of a run).
 */
export function simKey(doc: Doc): string {
  return simKeys.get(doc);
}

/** The ids of the nodes of the sim loaded with this key. */
function loadedNodes(key: string): string[] {
  return (JSON.parse(key) as { nodes: { id: string }[] }).nodes.map((n) => n.id);
}

export function isStale(s: Pick<AppState, 'loadedKey' | 'doc'>): boolean {
  return s.loadedKey !== undefined && s.loadedKey !== simKey(s.doc);
}

export function createRunSlice(set: AppSet, get: () => AppState, sim: () => SimPort): RunSlice {
  let subscribed = false;
  let loading: Promise<boolean> | undefined;
  const client = () => {
    const c = sim();
    if (!subscribed) {
      subscribed = true;
      c.subscribe((m) => {
        if (m.type === 'state') set({ status: m.status, speed: m.speed, ...(m.message ? { runError: m.message } : {}) });
        else if (m.type === 'progress') set({ progress: { phase: m.phase, fraction: m.fraction } });
        else if (m.type === 'snapshot') {
          const s = get();
          // while the scrubber shows a past moment, the present goes on behind it (timeSlice.ts)
          const p = s.present ?? s;
          const next = {
            snapshot: m.snapshot,
            series: m.series.length ? [...p.series, ...m.series].slice(-MAX_POINTS) : p.series,
            live: appendLive(p.live, m.snapshot),
            events: m.events.length ? [...p.events, ...m.events].slice(-MAX_EVENTS) : p.events,
          };
          set({
            snapshotCount: s.snapshotCount + 1,
            status: m.status,
            frames: recordFrame(s.frames, m.snapshot, p.consoleResult),
            ...(s.present ? { present: { ...s.present, ...next } } : next),
          });
        }
      });
    }
    return c;
  };

  const fail = (e: unknown) => {
    const issues = e instanceof SimCommandError ? e.issues : undefined;
    const text = String((e as Error)?.message ?? e);
    set({ runError: text });
    get().notify('error', issues ? 'The scenario cannot run:' : text, issues);
  };

  return {
    status: 'idle',
    speed: 1,
    progress: undefined,
    snapshot: undefined,
    snapshotCount: 0,
    series: [],
    live: [],
    events: [],
    loadedKey: undefined,
    runError: undefined,
    consoleNode: undefined,
    consoleResult: undefined,
    consoleBusy: false,

    async ensureLoaded() {
      const s = get();
      if (s.loadedKey !== undefined && !isStale(s) && s.status !== 'idle' && s.status !== 'error') return true;
      if (loading) return loading;
      loading = (async () => {
        const doc = get().doc;
        set({ progress: { phase: 'starting', fraction: 0 }, snapshot: undefined, series: [], live: [], events: [], runError: undefined, consoleResult: undefined, ...NO_TIME });
        if (get().notice?.ofRun) get().dismissNotice();
        try {
          await client().load(docToScenario(doc));
          set({ loadedKey: simKey(doc), progress: undefined });
          return true;
        } catch (e) {
          set({ loadedKey: undefined, progress: undefined });
          fail(e);
          return false;
        } finally {
          loading = undefined;
        }
      })();
      return loading;
    },

    async run() {
      if (!(await get().ensureLoaded())) return;
      await client().apply({ do: 'setSpeed', speed: get().speed });
      await client().apply({ do: 'run' }).catch(fail);
    },

    async continueRun() {
      await client().continueRun().catch(fail);
      // the loaded run goes on: never a reload, even when the document changed since (that applies at Reset)
      await client().apply({ do: 'run' }).catch(fail);
    },

    async pause() {
      await client().apply({ do: 'pause' }).catch(fail);
    },

    async step() {
      if (!(await get().ensureLoaded())) return;
      await client().apply({ do: 'step' }).catch(fail);
    },

    async setSpeed(speed) {
      set({ speed });
      // told to the sim host even before a first load: it keeps it for the load, whose state messages carry
      // its speed (the store took 1 from them, so max chosen before the first Run ran at 1x)
      await client().apply({ do: 'setSpeed', speed }).catch(fail);
    },

    async resetRun() {
      await client().reset().catch(fail);
      set({ loadedKey: undefined, snapshot: undefined, series: [], live: [], events: [], progress: undefined, runError: undefined, status: 'idle', ...NO_TIME });
      if (get().notice?.ofRun) get().dismissNotice();
    },

    async applySettingLive(node, name, value) {
      const s = get();
      if (s.loadedKey === undefined || s.status === 'idle' || s.status === 'booting') return;
      // a node added since the sim was loaded is only in the document: its settings apply at the next load
      if (!loadedNodes(s.loadedKey).includes(node)) return;
      const before = s.past[s.past.length - 1];
      // the document sent: an edit made while the sim answers is not in the sim
      const sent = s.doc;
      try {
        const { outcome } = await client().apply({ do: 'setNodeSetting', node, name, value: value as JsonValue });
        get().notify(
          'info',
          outcome === 'applied' ? `${name} applied to the running ${node}.` : `${name} on ${node} needs a restart of the node: it applies when you Reset the run.`,
          undefined,
          true,
        );
        // The sim now has what the document has, if it had the document before this edit.
        if (before && simKey(before) === get().loadedKey) set({ loadedKey: simKey(sent) });
      } catch (e) {
        // the document keeps it (Reset runs with it); the running sim does not have it
        get().notify('error', `${name} on ${node} is in the document, not in the running sim (it applies when you Reset): ${String((e as Error)?.message ?? e)}`, undefined, true);
      }
    },

    async fault(fault) {
      const s = get();
      const why = whyNotLive(s);
      if (why) {
        s.notify('error', `${fault.kind} ${fault.node}: ${why}`);
        return false;
      }
      try {
        await client().apply({ do: 'fault', fault });
        return true;
      } catch (e) {
        get().notify('error', `${fault.kind} ${fault.node} refused: ${String((e as Error)?.message ?? e)}`, undefined, true);
        return false;
      }
    },

    async runSql(node, sql) {
      set({ consoleBusy: true, consoleNode: node });
      try {
        if (!(await get().ensureLoaded())) return;
        const result = await client().apply({ do: 'runSql', node, sql });
        // the frame of this moment (the worker sent its snapshot before the result) shows it when scrubbed back to
        const f = get().frames;
        set({ consoleResult: result, frames: f.length ? [...f.slice(0, -1), { ...f[f.length - 1], consoleResult: result }] : f });
      } catch (e) {
        fail(e);
      } finally {
        set({ consoleBusy: false });
      }
    },

    async repoint(node, from, to) {
      const inSync = get().loadedKey === simKey(get().doc);
      try {
        const { message } = await client().apply({ do: 'repoint', node, from, to });
        get().commit((d) => {
          for (const e of d.edges) if (e.from === node && e.to === from) e.to = to;
        });
        if (inSync) set({ loadedKey: simKey(get().doc) });
        get().notify('info', `${message}.`, undefined, true);
        return true;
      } catch (e) {
        get().notify('error', `re-point ${node} refused: ${String((e as Error)?.message ?? e)}`, undefined, true);
        return false;
      }
    },

    setConsoleNode(node) {
      set({ consoleNode: node });
    },

    addEvent(event) {
      const at = (get().snapshot?.time ?? 0) * 1e6;
      set({ events: [...get().events, { ...event, at }].slice(-MAX_EVENTS) });
    },
  };
}
