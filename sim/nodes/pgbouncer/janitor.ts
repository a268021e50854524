/**
 * Housekeeping, as PgBouncer's janitor.c does it: do_full_maint every 1/3 s of virtual time. Per pool,
 * pool_server_maint (close_needed, server_idle_timeout never below min_pool_size, server_lifetime,
 * pause mode, query_timeout and idle_transaction_timeout on active servers, server_connect_timeout on
 * logins, check_pool_size, then min_pool_size while the pool has clients), pool_client_maint
 * (client_idle_timeout, and query_timeout / query_wait_timeout on waiting clients) and
 * per_loop_activate; then the stats_period averages. So every timeout fires up to 1/3 s late.
 */
import { simError } from '../../core/errors.ts';
import type { ScheduledEvent, Scheduler } from '../../core/Scheduler.ts';
import type { Pool } from './pools.ts';
import type { Pooler } from './pooler.ts';
import { minPoolSize, poolSize, reservePoolSize, serverLifetimeUs, settingUs } from './settings.ts';

/** Full maintenance 3x per second (janitor.c). */
const JANITOR_US = 1e6 / 3;

/** Starts the janitor over the pooler; returns what stops it. */
export function startJanitor(scheduler: Scheduler, pooler: Pooler): () => void {
  let tick = 0;
  let event: ScheduledEvent | undefined;
  const schedule = () => {
    tick++;
    event = scheduler.at(Math.round(tick * JANITOR_US), () => {
      fullMaint(pooler);
      schedule();
    });
  };
  schedule();
  return () => scheduler.cancel(event);
}

/** do_full_maint: pool_server_maint, pool_client_maint, then per_loop_activate; stats_period. */
function fullMaint(pooler: Pooler): void {
  const now = pooler.now;
  for (const pool of [...pooler.pools]) {
    serverMaint(pooler, pool, now);
    clientMaint(pooler, pool, now);
    pooler.activate(pool);
  }
  pooler.figures.refreshAverages(pooler.pools, now, settingUs(pooler.settings, 'stats_period'));
  pooler.touch();
}

function serverMaint(pooler: Pooler, pool: Pool, now: number): void {
  const settings = pooler.settings;
  const idleTimeout = settingUs(settings, 'server_idle_timeout');
  const minPool = minPoolSize(settings, pool);
  for (const s of [...pool.servers]) {
    if (s.closed || s.state === 'active' || s.state === 'login' || s.state === 'tested') continue;
    const age = now - s.connectTime;
    const idle = now - s.requestTime;
    if (s.closeNeeded) pooler.disconnectServer(s, 'database configuration changed');
    else if (idleTimeout > 0 && idle > idleTimeout && (minPool === 0 || pool.connectedCount > minPool)) {
      pooler.disconnectServer(s, 'server idle timeout');
    } else if (age >= serverLifetimeUs(settings, pool)) {
      if (pooler.lifeOver(s)) {
        pooler.disconnectServer(s, 'server lifetime over');
        pool.lastLifetimeDisconnect = now;
      }
    } else if (pooler.pauseMode === 'pause') pooler.disconnectServer(s, 'pause mode');
  }
  const qt = settingUs(settings, 'query_timeout');
  const itt = settingUs(settings, 'idle_transaction_timeout');
  if (qt > 0 || itt > 0) {
    for (const s of [...pool.servers]) {
      if (s.closed || s.state !== 'active' || s.ready || !s.client) continue;
      if (qt > 0 && now - s.client.requestTime > qt) pooler.disconnectServer(s, 'query timeout');
      else if (itt > 0 && s.idleTx && !s.outstanding && now - s.requestTime > itt) pooler.disconnectServer(s, 'idle transaction timeout');
    }
  }
  const sct = settingUs(settings, 'server_connect_timeout');
  if (sct > 0) {
    for (const s of [...pool.servers]) {
      if (s.state === 'login' && now - s.connectTime > sct) {
        pooler.loginFailed(s, simError('pooler_connection_closed', { message: 'connect timeout' }));
      }
    }
  }
  // check_pool_size: too many servers (pool_size lowered), then min_pool_size while there are clients.
  const size = poolSize(settings, pool);
  let many = pool.connectedCount - (size + reservePoolSize(settings, pool));
  while (many > 0) {
    const s = [...pool.servers].find((x) => x.state === 'used') ?? pool.idle[0];
    if (!s) break;
    pooler.disconnectServer(s, 'too many servers in the pool');
    many--;
  }
  const cur = pool.connectedCount;
  if (cur < minPool && cur < size && pooler.pauseMode === 'none' && !pool.db.paused && pool.clientCount > 0) {
    pooler.launch(pool, false);
  }
}

function clientMaint(pooler: Pooler, pool: Pool, now: number): void {
  const settings = pooler.settings;
  const cit = settingUs(settings, 'client_idle_timeout');
  if (cit > 0) {
    for (const c of [...pool.active]) {
      if (!c.server && now - c.requestTime > cit) pooler.disconnectClient(c, simError('client_idle_timeout'));
    }
  }
  const qt = settingUs(settings, 'query_timeout');
  const qwt = settingUs(settings, 'query_wait_timeout');
  if (qt > 0 || qwt > 0) {
    for (const c of [...pool.waiting]) {
      const age = now - (c.waitForWelcome ? c.connectTime : c.requestTime);
      if (qt > 0 && age > qt) pooler.disconnectClient(c, simError('query_timeout'));
      else if (qwt > 0 && age > qwt) pooler.disconnectClient(c, simError('query_wait_timeout'));
    }
  }
}
