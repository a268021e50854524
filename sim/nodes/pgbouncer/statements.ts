/**
 * A client's statement on its server and back, as PgBouncer's client.c and server.c handle it: the
 * statement forwarded over the server's link (with SET application_name first when the server last
 * served another application, and rewritten for the backend's session state), the reply counted and
 * handed back, the server released per pool_mode on ReadyForQuery, a transaction block refused in
 * statement mode, and server_reset_query run on a server released in session mode. Session-state leaks
 * (sessionState.ts) are noted here, as the statement that leaves them completes.
 */
import { simError } from '../../core/errors.ts';
import type { Reply, StatementCall } from '../types.ts';
import type { Pending, PoolClient, PoolServer } from './pools.ts';
import type { Pooler } from './pooler.ts';
import { backendOperation, clientMessage, type LeakKind, resetSession } from './sessionState.ts';
import { poolMode } from './settings.ts';

/** Round-trip work of a tiny statement PgBouncer sends itself (SET application_name, DISCARD ALL). */
const TINY_STATEMENT_US = 25;

/** Sends a client's statement to its server and its reply back; releases the server per pool_mode. */
export function forward(pooler: Pooler, c: PoolClient, p: Pending): void {
  const s = c.server!;
  const pool = c.pool;
  const { call } = p;
  const now = pooler.now;
  // varcache_apply: a server last used with another application_name gets SET application_name first.
  let setVars = 0;
  if (s.info.applicationName !== c.info.applicationName) {
    setVars = 2 * s.link!.latencyUs + TINY_STATEMENT_US;
    s.info.applicationName = c.info.applicationName;
  }
  s.ready = false;
  s.outstanding = true;
  s.requestTime = now;
  c.inFlight = p;
  if (call.kind === 'begin' || (call.kind === 'sql' && !call.op.transaction)) c.xactStart = now;
  let calls: StatementCall[];
  let mainIndex = 0;
  let wrapped = false;
  if (call.kind === 'sql') {
    if (call.index === 0 || c.backendOpFor?.kind !== 'sql' || c.backendOpFor.op !== call.op) {
      c.backendOp = backendOperation(call.op, s.id, s.session);
      c.backendOpFor = call;
    }
    const bo = c.backendOp;
    const sql = call.op.statements[call.index].sql;
    pool.stats.received += sql.length + 5 + call.params.reduce<number>((n, v) => n + String(v ?? '').length + 4, 0);
    if (!bo) calls = [call];
    else {
      calls = [];
      if (call.index === 0) {
        if (bo.wrapped) calls.push({ kind: 'begin' });
        for (let i = 0; i < bo.prefix; i++) calls.push({ kind: 'sql', op: bo.op, index: i, params: call.params });
      }
      mainIndex = calls.length;
      calls.push({ kind: 'sql', op: bo.op, index: call.index + bo.prefix, params: call.params });
      wrapped = bo.wrapped;
    }
  } else {
    calls = [call];
    pool.stats.received += call.kind.length + 5;
  }
  const queryStart = now + setVars + s.link!.latencyUs;
  s.link!.roundTrip(
    call.trace,
    (respond) => runChain(pooler, s, calls, 0, mainIndex, wrapped, undefined, respond),
    // the result takes its turn on the pooler's core before it goes on to the client
    (reply) =>
      pooler.core.handle(() => {
        if (s.closed) return;
        serverReplied(pooler, c, s, p, reply, queryStart);
        pooler.touch();
      }),
    setVars,
  );
}

/**
 * Runs the backend calls one after another on the server; the reply is the main call's. Each call
 * is made from an event of its own whose handler awaits it (the scheduler's rule for engine calls).
 */
async function runChain(
  pooler: Pooler,
  s: PoolServer,
  calls: StatementCall[],
  i: number,
  mainIndex: number,
  wrapped: boolean,
  main: Reply | undefined,
  done: (r: Reply) => void,
): Promise<void> {
  const ep = pooler.ctx.net.endpoint<StatementCall, Reply>(s.target);
  const conn = s.link?.conn;
  if (!ep || !conn) {
    done({ ok: false, error: simError('crash_shutdown') });
    return;
  }
  const next = (j: number, m: Reply | undefined) => {
    pooler.ctx.scheduler.after(0, () => (s.closed ? undefined : runChain(pooler, s, calls, j, mainIndex, wrapped, m, done)));
  };
  if (i >= calls.length) {
    if (!wrapped) {
      done(main!);
      return;
    }
    // close the transaction that scoped the backend's settings
    const end: StatementCall = { kind: main!.ok ? 'commit' : 'rollback' };
    await ep.execute(conn, end, (r) => done(main!.ok && !r.ok ? r : main!));
    return;
  }
  await ep.execute(conn, calls[i], (r) => {
    if (s.closed) return;
    if (i === mainIndex) next(i + 1, r);
    else if (!r.ok) next(calls.length, r);
    else next(i + 1, main);
  });
}

/** handle_server_work: the reply is counted and goes back; ReadyForQuery releases the server per pool_mode. */
function serverReplied(pooler: Pooler, c: PoolClient, s: PoolServer, p: Pending, reply: Reply, queryStart: number): void {
  const pool = s.pool;
  const now = pooler.now;
  const figures = pooler.figures;
  const { call } = p;
  s.outstanding = false;
  s.requestTime = now;
  pool.stats.query++;
  pool.stats.queryTime += now - queryStart;
  pool.stats.sent += 64;
  figures.queries++;
  if (!reply.ok) figures.errors++;
  pooler.ctx.metrics.query(pooler.nodeId, !reply.ok);
  if (!reply.ok && reply.error.severity !== 'ERROR') {
    // The backend is gone (crash, FATAL): PgBouncer closes the server and the client (c.inFlight gets the error).
    pooler.disconnectServer(s, 'server conn crashed?', reply.error);
    return;
  }
  const inTx = call.kind === 'sql' ? call.op.transaction : call.kind === 'begin';
  if (call.kind === 'sql' && c.backendOp && reply.ok) {
    const bo = c.backendOp;
    bo.effects[call.index]?.(s.session);
    const leak = bo.leaks[call.index];
    if (leak) noteLeak(pooler, c, s, leak, call.op.statements[call.index].sql);
  }
  if (!inTx && c.xactStart > 0) {
    pool.stats.xact++;
    pool.stats.xactTime += now - c.xactStart;
    c.xactStart = 0;
  }
  s.idleTx = inTx;
  s.ready = !inTx;
  const mode = poolMode(pooler.settings, pool);
  if (mode === 'statement' && inTx) {
    // server.c: ReadyForQuery 'T' in statement mode closes the server; the client gets the error.
    pooler.disconnectServer(s, 'transaction blocks not allowed in statement pooling mode');
    return;
  }
  c.inFlight = undefined;
  const out: Reply = reply.ok ? reply : { ok: false, error: { ...reply.error, message: clientMessage(reply.error.message) } };
  if ((mode === 'transaction' && !inTx) || mode === 'statement') pooler.releaseServer(s);
  p.done(out);
}

/** A client left session state on its server that the next client there inherits (no reset query clears it). */
function noteLeak(pooler: Pooler, c: PoolClient, s: PoolServer, kind: LeakKind, sql: string): void {
  const mode = poolMode(pooler.settings, s.pool);
  if (mode === 'session' && pooler.settings.server_reset_query.trim()) return;
  const leaks = ++pooler.figures.sessionLeaks;
  s.leakedBy = { client: c.id, kind, sql };
  if (leaks <= 20 || leaks % 1000 === 0) {
    const id = pooler.nodeId;
    pooler.ctx.emit({
      type: 'console',
      node: id,
      message: `${id}: session state leak in ${mode} mode: client C-${c.id} left "${sql}" (${kind}) on server S-${s.id}; the next client on S-${s.id} inherits it`,
    });
  }
}

/**
 * reset_on_release: in session mode (any mode with server_reset_query_always = 1) a released server
 * runs server_reset_query, in state `tested`, one round trip to the database, before it is idle.
 * False when there is no reset to run: the server is idle at once.
 */
export function resetOnRelease(pooler: Pooler, s: PoolServer): boolean {
  const settings = pooler.settings;
  const reset = settings.server_reset_query.trim();
  if (!reset || (settings.server_reset_query_always !== 1 && poolMode(settings, s.pool) !== 'session')) return false;
  pooler.setServerState(s, 'tested');
  s.requestTime = pooler.now;
  // One round trip: DISCARD ALL drops what the client left on the backend.
  const rtt = 2 * s.link!.latencyUs + TINY_STATEMENT_US;
  pooler.ctx.scheduler.after(rtt, () => {
    if (s.closed) return;
    resetSession(s.session);
    s.leakedBy = undefined;
    s.requestTime = pooler.now;
    pooler.toIdle(s, false);
    pooler.touch();
  });
  return true;
}
