/**
 * Drives requests into the app nodes. Closed loop: `clients` clients, each sends a request, waits for
 * its reply, thinks (think_time_dist: exponential around think_time, exactly think_time, or not at all) and
 * sends the next; a client disconnects after `transactions` requests or once `duration` is over (pgbench's -t
 * and -T), and `connect` says whose connection it uses (the app's pool, its own, or a new one per request:
 * pgbench's default and -C). Open loop: Poisson arrivals at
 * `arrival_rate`, whatever the replies; over `max_in_flight` outstanding, an arrival is dropped.
 * Clients are spread over the app nodes and their instances in turn. Besides either loop, each scripted
 * client (`scripts`) runs its steps in order in virtual time: a statement, its reply, the next step, a wait
 * exactly as long as it says; it draws nothing from the random streams, so it is the same race every run.
 */
import type { SimError } from '../core/errors.ts';
import type { Rng } from '../core/rng.ts';
import type { Scheduler } from '../core/Scheduler.ts';
import type { Metrics } from '../metrics/Metrics.ts';
import { timeUs } from '../scenario/settings.ts';
import { type ParamGenerator, type PreparedOperation, paramGenerator, prepareOperation } from './operations.ts';
import type { OperationSpec, ScriptSpec, WorkloadSpec } from './schema.ts';

/** What the workload needs of the simulation: virtual time, the metrics, named random streams. */
export interface WorkloadContext {
  readonly scheduler: Scheduler;
  readonly metrics: Metrics;
  rng(name: string): Rng;
}

/** One request of the workload, as it enters an app node. */
export interface WorkloadRequest {
  id: number;
  op: PreparedOperation;
  params: readonly unknown[];
  instance: number;
  /** The closed-loop client that sent it (a user), if any. */
  session?: number;
  /** The client's own connection (held until it disconnects) or a new one for this request; else the app's choice. */
  connect?: 'per_client' | 'per_transaction';
  /** The endpoint it goes to (a scripted step's `on`), whatever the app's router would pick. */
  on?: string;
  startUs: number;
}

/** Where requests enter the system (an app node): `done` gets the request's error, if any, when its reply is back. */
export interface RequestSink {
  readonly instances: number;
  submit(req: WorkloadRequest, done: (error?: SimError) => void): void;
  /** The client leaves: the connections it holds close (the Terminate travels the edge to the endpoint). */
  disconnect(session: number): void;
}

/** Whether a node is where requests enter (an app node). */
export function isRequestSink<T extends object>(n: T | undefined): n is T & RequestSink {
  return !!n && typeof (n as RequestSink).submit === 'function';
}

interface Op {
  prepared: PreparedOperation;
  params: ParamGenerator[];
}

/** A scripted client's step, ready to run: a pause, or a request with its own values and endpoint. */
type Step = { waitUs: number } | { op: PreparedOperation; params: readonly unknown[]; on?: string };

export class Workload {
  private ops: Op[];
  private weights: number[];
  private totalWeight: number;
  private nextRequest = 1;
  private inFlight = 0;
  private stopped = false;
  /** `duration` is over: every client disconnects at its next reply or pause. */
  private expired = false;
  private readonly arrivals: Rng;

  constructor(
    private readonly ctx: WorkloadContext,
    private readonly spec: WorkloadSpec,
    operations: OperationSpec[],
    private readonly apps: RequestSink[],
  ) {
    this.ops = operations.map((o) => ({ prepared: prepareOperation(o), params: o.params.map(paramGenerator) }));
    this.weights = this.ops.map((o) => o.prepared.weight);
    this.totalWeight = this.weights.reduce((a, b) => a + b, 0);
    this.arrivals = ctx.rng('workload:arrivals');
  }

  get operations(): readonly PreparedOperation[] {
    return this.ops.map((o) => o.prepared);
  }

  start(): void {
    if (this.apps.length === 0) return;
    if (this.totalWeight <= 0) {
      this.startScripts();
      return;
    }
    if (this.spec.mode === 'closed') {
      const durationUs = timeUs(this.spec.duration, 's');
      if (durationUs > 0) this.ctx.scheduler.after(durationUs, () => {
        this.expired = true;
      });
      for (let c = 0; c < this.spec.clients; c++) {
        const rng = this.ctx.rng(`client:${c}`);
        const app = this.apps[c % this.apps.length];
        const instance = Math.floor(c / this.apps.length) % app.instances;
        const startUs = this.spec.think_time_dist === 'exponential' ? rng.exponential(this.thinkUs()) : 0;
        this.ctx.scheduler.after(startUs, () => this.closedLoop(rng, app, instance, c, 0));
      }
    } else if (this.spec.arrival_rate > 0) {
      this.ctx.scheduler.after(this.arrivals.exponential(1e6 / this.spec.arrival_rate), () => this.arrive(0));
    }
    this.startScripts();
  }

  /** The scripted clients: each a user of its own (sessions after the mix's clients), on the apps in turn. */
  private startScripts(): void {
    (this.spec.scripts ?? []).forEach((script, k) => {
      const app = this.apps[k % this.apps.length];
      const instance = Math.floor(k / this.apps.length) % app.instances;
      const steps = script.steps.map((st, i): Step => {
        if ('wait' in st) return { waitUs: timeUs(st.wait) };
        const op = prepareOperation({ name: st.name ?? `${script.name}_${i + 1}`, weight: 0, sql: st.sql, params: [] });
        const holdUs = timeUs(st.hold);
        // held open: a transaction even of one statement (BEGIN, it, the hold, COMMIT)
        return { op: holdUs > 0 ? { ...op, holdUs, transaction: true } : op, params: st.params, ...(st.on ? { on: st.on } : {}) };
      });
      this.ctx.scheduler.after(timeUs(script.start), () => this.scriptStep(script, steps, app, instance, this.spec.clients + k, 0, 1));
    });
  }

  /** Step `i` of round `round` of a scripted client; after its last round it disconnects. */
  private scriptStep(script: ScriptSpec, steps: Step[], app: RequestSink, instance: number, session: number, i: number, round: number): void {
    if (this.stopped) return;
    if (this.expired || (i >= steps.length && round >= script.repeat)) {
      app.disconnect(session);
      return;
    }
    if (i >= steps.length) {
      this.scriptStep(script, steps, app, instance, session, 0, round + 1);
      return;
    }
    const next = () => this.scriptStep(script, steps, app, instance, session, i + 1, round);
    const step = steps[i];
    if ('waitUs' in step) {
      this.ctx.scheduler.after(step.waitUs, next);
      return;
    }
    this.inFlight++;
    const connect = this.spec.connect === 'app_pool' ? undefined : this.spec.connect;
    const req = { id: this.nextRequest++, op: step.op, params: step.params, instance, session, connect, on: step.on, startUs: this.ctx.scheduler.now };
    app.submit(req, () => {
      this.inFlight--;
      next();
    });
  }

  stop(): void {
    this.stopped = true;
  }

  /**
   * Takes `next` while running when it differs only in what a running load generator can change: the
   * think time, the backlog cap, and an open loop's arrival rate (not from or to 0, which would start or
   * stop the loop). Anything else (clients, mode, operations, data) needs a restart: then nothing changes
   * and the fields are returned.
   */
  retune(next: WorkloadSpec): string[] {
    const spec = this.spec as unknown as Record<string, unknown>;
    const changed = Object.keys({ ...spec, ...next }).filter((k) => JSON.stringify(spec[k]) !== JSON.stringify((next as unknown as Record<string, unknown>)[k]));
    const live = (k: string) =>
      k === 'think_time' || k === 'think_time_dist' || k === 'max_in_flight' || (k === 'arrival_rate' && this.spec.mode === 'open' && this.spec.arrival_rate > 0 && next.arrival_rate > 0);
    const restart = changed.filter((k) => !live(k));
    if (restart.length === 0) Object.assign(this.spec, next);
    return restart;
  }

  private thinkUs(): number {
    return timeUs(this.spec.think_time);
  }

  /** One pause between a reply and the next request; exponential draws from the client's own stream. */
  private pauseUs(rng: Rng): number {
    const think = this.thinkUs();
    if (this.spec.think_time_dist === 'none') return 0;
    if (this.spec.think_time_dist === 'constant') return think;
    return think > 0 ? rng.exponential(think) : 0;
  }

  /** One client: `sent` requests so far; it leaves when its transactions are done or the duration is over. */
  private closedLoop(rng: Rng, app: RequestSink, instance: number, session: number, sent: number): void {
    if (this.stopped) return;
    if (this.expired) {
      app.disconnect(session);
      return;
    }
    this.send(rng, app, instance, () => {
      if (this.expired || (this.spec.transactions > 0 && sent + 1 >= this.spec.transactions)) {
        app.disconnect(session);
        return;
      }
      this.ctx.scheduler.after(this.pauseUs(rng), () => this.closedLoop(rng, app, instance, session, sent + 1));
    }, session);
  }

  private arrive(n: number): void {
    if (this.stopped) return;
    const app = this.apps[n % this.apps.length];
    const instance = Math.floor(n / this.apps.length) % app.instances;
    if (this.inFlight >= this.spec.max_in_flight) {
      this.ctx.metrics.requestDone(0, 'workload_backlog');
    } else {
      this.send(this.arrivals, app, instance, () => undefined);
    }
    this.ctx.scheduler.after(this.arrivals.exponential(1e6 / this.spec.arrival_rate), () => this.arrive(n + 1));
  }

  /** `session`: the closed-loop client (a user, for read-your-writes); open-loop arrivals have none. */
  private send(rng: Rng, app: RequestSink, instance: number, then: () => void, session?: number): void {
    const op = this.ops[rng.weighted(this.weights, this.totalWeight)];
    const params = op.params.map((g) => g(rng));
    this.inFlight++;
    const connect = session === undefined || this.spec.connect === 'app_pool' ? undefined : this.spec.connect;
    app.submit({ id: this.nextRequest++, op: op.prepared, params, instance, session, connect, startUs: this.ctx.scheduler.now }, () => {
      this.inFlight--;
      then();
    });
  }
}
