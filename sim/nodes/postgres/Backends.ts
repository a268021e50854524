/**
 * A server's client backends: one per connection, from its arrival until it is closed, with the state,
 * wait event and query pg_stat_activity shows; statements cancelled (recovery conflicts) or every backend
 * terminated at once (a shutdown, a death, a crash).
 */
import type { SimError } from '../../core/errors.ts';
import type { RunReply } from '../../engine/protocol.ts';
import type { ActivityRow } from '../../monitoring/activity.ts';
import type { WriteRecord } from '../../replication/ports.ts';
import { footprint } from '../../replication/footprint.ts';
import type { ClientInfo, Connection, Reply, SimContext } from '../types.ts';
import type { RedoEntry } from './Recovery.ts';
import type { TxBlock } from './TxBlock.ts';

export interface Backend {
  pid: number;
  conn: Connection;
  client: ClientInfo;
  backendStart: number;
  xactStart: number | null;
  queryStart: number | null;
  stateChange: number;
  state: 'starting' | 'active' | 'idle' | 'idle in transaction' | 'idle in transaction (aborted)';
  waitEventType: string | null;
  waitEvent: string | null;
  query: string;
  /** The write statements of the open transaction need a WAL flush at COMMIT. */
  txWrites: boolean;
  /** The engine's reply to the operation in progress. */
  batch?: Promise<RunReply>;
  /** The statement in service, to fail if the node crashes. */
  inFlight?: (r: Reply) => void;
  /** The replication stream record of the open write (a primary with replicas). */
  record?: WriteRecord;
  /** The open write in the node's redo log (Recovery.ts). */
  redo?: RedoEntry;
  /** A real client's open transaction block (TxBlock.ts), and its COMMIT's run on the engine. */
  block?: TxBlock;
  blockCommit?: Promise<RunReply>;
}

export class Backends {
  private readonly byPid = new Map<number, Backend>();
  private readonly byConn = new Map<number, Backend>();

  /** `ended`: a backend is gone (its client closed it, or it was terminated), before its statement fails. */
  constructor(
    private readonly ctx: SimContext,
    private readonly nodeId: string,
    private readonly ended: (b: Backend) => void,
  ) {}

  get size(): number {
    return this.byPid.size;
  }

  /** Backends running a statement now. */
  get active(): number {
    let n = 0;
    for (const b of this.byPid.values()) if (b.state === 'active') n++;
    return n;
  }

  /** A backend starts for a new connection: it counts against max_connections from now. */
  open(pid: number, conn: Connection, client: ClientInfo): Backend {
    const now = this.ctx.scheduler.now;
    const b: Backend = {
      pid,
      conn,
      client,
      backendStart: now,
      xactStart: null,
      queryStart: null,
      stateChange: now,
      state: 'starting',
      waitEventType: null,
      waitEvent: null,
      query: '',
      txWrites: false,
    };
    this.byPid.set(pid, b);
    this.byConn.set(conn.id, b);
    this.ctx.metrics.connections(this.nodeId, +1);
    return b;
  }

  of(conn: Connection): Backend | undefined {
    return this.byConn.get(conn.id);
  }

  /** The client closed its connection. */
  close(conn: Connection): void {
    const b = this.byConn.get(conn.id);
    if (!b) return;
    this.byConn.delete(conn.id);
    this.byPid.delete(b.pid);
    this.ctx.metrics.connections(this.nodeId, -1);
    this.ended(b);
  }

  /** Every backend ends at once: its connection is dead, and its statement fails with `error` (FATAL). */
  terminateAll(error: SimError): void {
    const lost = [...this.byPid.values()];
    this.byPid.clear();
    this.byConn.clear();
    this.ctx.metrics.connections(this.nodeId, -lost.length);
    for (const b of lost) {
      b.conn.dead = true;
      this.ended(b);
      const f = b.inFlight;
      b.inFlight = undefined;
      f?.({ ok: false, error });
    }
  }

  /** The backend waits for its client's next message. */
  idle(b: Backend, state: Backend['state']): void {
    b.state = state;
    b.stateChange = this.ctx.scheduler.now;
    b.waitEventType = 'Client';
    b.waitEvent = 'ClientRead';
  }

  /** Statements running now that read any of `tables` and started before `beforeUs` (recovery conflicts). */
  conflicting(tables: Set<string>, beforeUs: number): number[] {
    const out: number[] = [];
    for (const b of this.byPid.values()) {
      if (b.state !== 'active' || !b.inFlight || b.queryStart === null || b.queryStart >= beforeUs) continue;
      const reads = footprint(b.query);
      if (tables.has('*') || reads.some((f) => f.table === '*' || tables.has(f.table))) out.push(b.pid);
    }
    return out;
  }

  /** Cancels the statement a backend is running with `error` (its connection stays). */
  cancel(pid: number, error: SimError): void {
    const b = this.byPid.get(pid);
    const f = b?.inFlight;
    if (!b || !f) return;
    b.inFlight = undefined;
    this.idle(b, b.xactStart !== null && b.state === 'active' && b.txWrites ? 'idle in transaction (aborted)' : 'idle');
    this.ctx.metrics.query(this.nodeId, true);
    f({ ok: false, error });
  }

  /** Their rows of pg_stat_activity, and the console's own session running `consoleQuery`. */
  rows(consoleQuery?: string): ActivityRow[] {
    const rows: ActivityRow[] = [];
    for (const b of this.byPid.values()) {
      rows.push({
        pid: b.pid,
        datname: 'postgres',
        usename: 'postgres',
        applicationName: b.client.applicationName,
        clientAddr: `10.0.${b.client.instance >> 8}.${(b.client.instance & 255) + 1}`,
        clientPort: 40000 + (b.pid % 20000),
        backendStart: b.backendStart,
        xactStart: b.xactStart,
        queryStart: b.queryStart,
        stateChange: b.stateChange,
        waitEventType: b.waitEventType,
        waitEvent: b.waitEvent,
        state: b.state === 'starting' ? null : b.state,
        query: b.query,
        backendType: 'client backend',
      });
    }
    if (consoleQuery === undefined) return rows;
    const now = this.ctx.scheduler.now;
    rows.push({
      pid: 999,
      datname: 'postgres',
      usename: 'postgres',
      applicationName: 'psql',
      clientAddr: null,
      clientPort: -1,
      backendStart: now,
      xactStart: now,
      queryStart: now,
      stateChange: now,
      waitEventType: null,
      waitEvent: null,
      state: 'active',
      query: consoleQuery,
      backendType: 'client backend',
    });
    return rows;
  }
}
