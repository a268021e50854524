/**
 * Request and node figures, in total and in one-second buckets of virtual time.
 * Requests: latency histogram (p50/p95/p99/max), completions, failures, errors by code.
 * Nodes: statements run, errors, busy core-time, connections.
 */
import { Histogram } from './Histogram.ts';

export interface SecondBucket {
  /** Second index since the start of the run. */
  t: number;
  completed: number;
  failed: number;
  latency: Histogram;
  nodes: Map<string, NodeSecond>;
}

export interface NodeSecond {
  queries: number;
  errors: number;
  busyUs: number;
  connectionsMax: number;
}

export interface NodeTotals {
  queries: number;
  errors: number;
  busyUs: number;
  connections: number;
  connectionsMax: number;
  cores: number;
}

export class Metrics {
  completed = 0;
  failed = 0;
  readonly latency = new Histogram();
  readonly errors = new Map<string, number>();
  readonly seconds: SecondBucket[] = [];
  readonly nodes = new Map<string, NodeTotals>();
  /** Statements sent to real PGlite engines (workload, profiles, monitoring, console); a reused read counts as sent. */
  realQueries = 0;
  /** Workload reads answered by an identical earlier execution instead of their engine (nodes/postgres/Reuse.ts); not a figure of the report. */
  reusedReads = 0;

  /** Each node's connections at the start of every second up to the last one its count changed in. */
  private readonly starts = new Map<string, number[]>();

  constructor(private readonly clock: () => number) {}

  private bucket(atUs = this.clock()): SecondBucket {
    return this.at(Math.floor(atUs / 1e6));
  }

  private pending = new Set<Promise<unknown>>();

  /**
   * Records `record` when `outcome` settles (a statement's reply that nobody had to wait for). The
   * figures go to the virtual time captured by the caller, so when it settles does not matter.
   */
  defer<T>(outcome: Promise<T>, record: (value: T) => void): void {
    const p = outcome.then(record);
    this.pending.add(p);
    void p.finally(() => this.pending.delete(p));
  }

  /** Waits until every deferred figure is recorded. */
  async settled(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }

  private at(sec: number): SecondBucket {
    while (this.seconds.length <= sec) {
      this.seconds.push({ t: this.seconds.length, completed: 0, failed: 0, latency: new Histogram(), nodes: new Map() });
    }
    return this.seconds[sec];
  }

  private nodeSecond(id: string, atUs = this.clock()): NodeSecond {
    const sec = Math.floor(atUs / 1e6);
    const b = this.at(sec);
    let s = b.nodes.get(id);
    if (!s) {
      s = { queries: 0, errors: 0, busyUs: 0, connectionsMax: this.connectionsAtStart(id, sec) };
      b.nodes.set(id, s);
    }
    return s;
  }

  /**
   * A node's connections at the start of second `sec`. Not its count now: a deferred figure (an engine's
   * answer) is recorded whenever the engine answers, later in virtual time by a wall-clock-dependent amount,
   * and a second it opens would otherwise start from the count of that moment.
   */
  private connectionsAtStart(id: string, sec: number): number {
    const starts = this.starts.get(id);
    return starts && sec < starts.length ? starts[sec] : this.node(id).connections;
  }

  node(id: string): NodeTotals {
    let n = this.nodes.get(id);
    if (!n) {
      n = { queries: 0, errors: 0, busyUs: 0, connections: 0, connectionsMax: 0, cores: 1 };
      this.nodes.set(id, n);
    }
    return n;
  }

  requestDone(latencyUs: number, errorCode?: string, atUs?: number): void {
    const b = this.bucket(atUs);
    if (errorCode) {
      this.failed++;
      b.failed++;
      this.errors.set(errorCode, (this.errors.get(errorCode) ?? 0) + 1);
    } else {
      this.completed++;
      b.completed++;
      this.latency.record(latencyUs);
      b.latency.record(latencyUs);
    }
  }

  query(nodeId: string, error: boolean, atUs?: number): void {
    const n = this.node(nodeId);
    const s = this.nodeSecond(nodeId, atUs);
    n.queries++;
    s.queries++;
    if (error) {
      n.errors++;
      s.errors++;
    }
  }

  /** Adds busy core-time, split over the seconds it spans. */
  busy(nodeId: string, fromUs: number, toUs: number, cores: number): void {
    if (toUs <= fromUs || cores <= 0) return;
    this.node(nodeId).busyUs += (toUs - fromUs) * cores;
    for (let t = fromUs; t < toUs; ) {
      const end = Math.min(toUs, (Math.floor(t / 1e6) + 1) * 1e6);
      this.nodeSecond(nodeId, t).busyUs += (end - t) * cores;
      t = end;
    }
  }

  connections(nodeId: string, delta: number): void {
    const n = this.node(nodeId);
    let starts = this.starts.get(nodeId);
    if (!starts) this.starts.set(nodeId, (starts = []));
    // the seconds since the last change started with the count before this one
    for (const sec = Math.floor(this.clock() / 1e6); starts.length <= sec; ) starts.push(n.connections);
    n.connections += delta;
    if (n.connections > n.connectionsMax) n.connectionsMax = n.connections;
    const s = this.nodeSecond(nodeId);
    if (n.connections > s.connectionsMax) s.connectionsMax = n.connections;
  }
}
