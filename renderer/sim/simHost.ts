/**
 * The sim host, the sim worker's body: one Simulation and its Runner (sim/runner/Runner.ts, the one pacing
 * loop, which the CLI uses too), driven by commands from the sim client, reporting snapshots every
 * ~200 ms while it runs. No DOM, no React. simWorker.ts wires it to the worker's messages with each node's
 * PGlite in a Web Worker; tests wire it to PGlite in Node.
 *
 * Invariant: only one thing touches the Simulation at a time: the Simulation runs stretches of virtual
 * time, commands, reports and its close one after another (its own lock). A command arriving during a
 * stretch waits for it (at most ~100 ms of virtual time at full speed), so a run and an edit never
 * interleave inside the models.
 */
import { buildReport, ERROR_CATALOGUE, type EngineFactory, nodeKind, parseCommand, Runner, ScenarioError, type SimEvent, Simulation, Timeline } from '../../sim/index.ts';
import { createHeadless } from './headless.ts';
import type { ClientMessage, RunEvent, RunStatus, SeriesPoint, SpeedSetting, WorkerCommand, WorkerMessage, WorkerResult } from './protocol.ts';

export interface SimHostOptions {
  engines: EngineFactory;
  post: (m: WorkerMessage) => void;
}

export interface SimHost {
  handle<C extends WorkerCommand>(command: C): Promise<WorkerResult<C>>;
  /** Answers a client message with a reply message. */
  receive(message: ClientMessage): Promise<void>;
}

const SNAPSHOT_MS = 200;

/**
 * One event per error code whose count of failed requests grew since it was last told, at most one a
 * simulated second per code (so a storm of refusals does not push the other events out), in the real
 * system's words: connection errors happen in the sim's models, not as its events, and a student told to
 * watch for "sorry, too many clients already" must find it. `sent` holds what was told, and is updated.
 */
export function requestErrorEvents(sent: Map<string, { n: number; at: number }>, errors: ReadonlyMap<string, number>, at: number): RunEvent[] {
  const out: RunEvent[] = [];
  for (const [code, n] of errors) {
    const told = sent.get(code);
    const grew = n - (told?.n ?? 0);
    if (grew <= 0 || (told && at - told.at < 1e6)) continue;
    sent.set(code, { n, at });
    const e = (ERROR_CATALOGUE as Record<string, { severity: string; message: string; sqlstate?: string }>)[code];
    const text = e ? `${e.severity}: ${e.message}${e.sqlstate ? ` (SQLSTATE ${e.sqlstate})` : ''}` : code;
    out.push({ at, type: 'request-error', message: `${text}: ${grew} request${grew === 1 ? '' : 's'} failed (${code})` });
  }
  return out;
}

export function createSimHost({ engines, post }: SimHostOptions): SimHost {
  let runner: Runner | undefined;
  let status: RunStatus = 'idle';
  let speed: SpeedSetting = 1;
  let sentSeconds = 0;
  let sentEvents = 0;
  /** The scenario's duration: how far a Continue takes a finished run. */
  let durationUs = 0;
  /** Failed requests by error code already told as events. */
  const sentErrors = new Map<string, { n: number; at: number }>();
  let lastPost = 0;
  /** The host's own events (the run finished), posted with the sim's next ones. */
  let notes: SimEvent[] = [];
  /** A warm start under way: a load waits for it instead of making the same snapshot beside it. */
  let warming: Promise<void> = Promise.resolve();
  /** Bumped by load/reset: a load replaced by a newer one closes its sim. */
  let generation = 0;
  /** Requests are followed (their paths recorded): kept for the next load and fork. */
  let following = false;
  const headless = createHeadless(engines);

  function setStatus(s: RunStatus, message?: string) {
    status = s;
    post({ type: 'state', status, speed, message });
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
        if (nodeKind(model.kind)?.counts === 'requests') nodes[id] = { qps: b.completed + b.failed, cpu: 0, errors: b.failed };
        else nodes[id] = { qps: ns?.queries ?? 0, cpu: ns ? ns.busyUs / 1e6 / cores : 0, errors: ns?.errors ?? 0 };
      }
      const ms = (p: number) => Math.round(b.latency.percentile(p)) / 1000;
      out.push({ t: b.t, throughput: b.completed, failed: b.failed, p50: ms(50), p95: ms(95), p99: ms(99), nodes });
    }
    sentSeconds = Math.max(sentSeconds, Math.min(complete, seconds.length));
    return out;
  }

  function postSnapshot() {
    const sim = runner?.sim;
    if (!sim) return;
    lastPost = performance.now();
    const events: RunEvent[] = [...sim.events.slice(sentEvents), ...requestErrorEvents(sentErrors, sim.metrics.errors, sim.now), ...notes];
    sentEvents = sim.events.length;
    notes = [];
    const snapshot = sim.snapshot();
    post({ type: 'snapshot', snapshot: { ...snapshot, events: [] }, series: seriesSince(sim), events, status });
  }

  function loaded(): Runner {
    if (!runner) throw new Error('no scenario is loaded: press Run first');
    return runner;
  }

  async function closeSim() {
    generation++;
    const r = runner;
    runner = undefined;
    sentSeconds = 0;
    sentEvents = 0;
    sentErrors.clear();
    notes = [];
    if (r) await r.close().catch(() => undefined);
  }

  /** The pacing loop of `sim`, up to `untilUs` (the scenario's duration by default). */
  function pacer(sim: Simulation, untilUs?: number): Runner {
    const r: Runner = new Runner(sim, {
      speed,
      untilUs,
      onTick: () => {
        if (performance.now() - lastPost >= SNAPSHOT_MS) postSnapshot();
      },
      onStatus: (s, message) => {
        if (r !== runner) return;
        if (s === 'running') return setStatus(s, message);
        // A pause takes effect after the loop's stretch under way: the state and the snapshot of the moment it
        // stopped at go together once it has, or the app would show a paused moment the sim then runs past
        // (and a dot clicked there would be another request). A Run meanwhile keeps the loop: nothing is posted.
        void r.stopped().then(() => {
          if (r !== runner || r.status !== s) return;
          if (s === 'finished') {
            const at = `${(sim.now / 1e6).toFixed(1)} s`;
            notes.push({ type: 'run-finished', at: sim.now, message: `run finished at ${at}: the scenario's duration. Continue runs it as long again.` });
          }
          // the snapshot carries the state: the app shows the moment and the state together
          status = s;
          postSnapshot();
          setStatus(s, message);
        });
      },
    });
    return r;
  }

  async function load(scenario: unknown): Promise<{ nodes: string[] }> {
    await closeSim();
    const gen = generation;
    setStatus('booting');
    try {
      await warming;
      const sim = await Simulation.create(scenario, { engines, onProgress: (phase, fraction) => post({ type: 'progress', phase, fraction }) });
      if (gen !== generation) {
        await sim.close();
        throw new Error('the load was replaced by a newer one');
      }
      sim.followRequests(following);
      runner = pacer(sim);
      durationUs = runner.untilUs;
      setStatus('ready');
      postSnapshot();
      return { nodes: [...sim.nodes.keys()] };
    } catch (e) {
      setStatus('idle');
      throw e;
    }
  }

  /**
   * The run becomes its own replay at `atUs` (sim/timeline.ts: the scenario and the journal up to then,
   * from the seed), paused there, with the same figures as the run had then: commands from now on fork it.
   * The run is closed first (its scenario and journal are plain data), so two runs never hold engines at once.
   */
  async function fork(atUs: number): Promise<null> {
    const old = loaded();
    const sim = old.sim;
    if (!(atUs >= 0 && atUs <= sim.now)) throw new Error(`fork at ${atUs / 1e6} s: a moment of this run, from 0 to ${(sim.now / 1e6).toFixed(1)} s`);
    const run = { scenario: sim.scenario, journal: [...sim.journal] };
    await closeSim();
    const gen = generation;
    setStatus('booting');
    const timeline = new Timeline(run, { engines, onProgress: (phase, fraction) => post({ type: 'progress', phase: `replaying to ${(atUs / 1e6).toFixed(1)} s: ${phase}`, fraction }) }, 1);
    try {
      const replay = await timeline.fork(atUs);
      if (gen !== generation) {
        await replay.close();
        throw new Error('the fork was replaced by a newer load');
      }
      replay.followRequests(following);
      runner = pacer(replay, old.untilUs);
      // the client has the run's figures up to the fork point: send only what comes after
      sentSeconds = Math.floor(atUs / 1e6);
      sentEvents = replay.events.length;
      for (const [code, n] of replay.metrics.errors) sentErrors.set(code, { n, at: replay.now });
      // forked at the run's end, it is finished there as the run was: Continue takes it on
      setStatus(runner.status === 'finished' ? 'finished' : 'paused');
      postSnapshot();
      return null;
    } catch (e) {
      setStatus('idle');
      throw e;
    } finally {
      await timeline.close();
    }
  }

  async function handle(command: WorkerCommand): Promise<unknown> {
    switch (command.do) {
      case 'load':
        return load(command.scenario);
      case 'warm':
        warming = Simulation.prepare(command.scenario, engines).catch(() => undefined);
        await warming;
        return null;
      case 'fork':
        return fork(command.at);
      case 'follow':
        following = command.on;
        runner?.sim.followRequests(command.on);
        return null;
      case 'explainRoute': {
        const sim = loaded().sim;
        return sim.between(() => sim.explainRoute(command.node, command.sql, command.params));
      }
      case 'reshardPlan': {
        const sim = loaded().sim;
        return sim.between(() => sim.reshardPlan(command.shards, command.strategy));
      }
      case 'requestPath':
        return runner?.sim.requestPath(command.which) ?? null;
      case 'headless':
        return headless.run(command.scenario, (fraction) => post({ type: 'progress', phase: 'headless run', fraction }));
      case 'cancelHeadless':
        await headless.cancel();
        return null;
      case 'reset':
        await closeSim();
        setStatus('idle');
        return null;
      case 'continue': {
        // the same sim, paced again: a fault experiment is not cut short by the duration set for a report
        const done = loaded();
        if (done.status !== 'finished') return null;
        runner = pacer(done.sim, done.sim.now + durationUs);
        setStatus('paused');
        return null;
      }
      case 'report': {
        // between stretches of time, so the report is of one moment of virtual time
        const sim = loaded().sim;
        return sim.between(() => ({ report: buildReport(sim, [], 0), console: [...sim.consoleHistory.entries] }));
      }
      case 'setSpeed': {
        // kept for the next load when nothing is loaded yet
        const c = parseCommand(command) as typeof command;
        speed = c.speed;
        await runner?.apply(c);
        post({ type: 'state', status, speed });
        return null;
      }
      default: {
        const result = await loaded().apply(command);
        if (command.do !== 'run') postSnapshot();
        return result;
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

  return { handle: handle as SimHost['handle'], receive };
}
