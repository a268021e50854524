/** The `pgbouncer` kind's views: its node with SHOW POOLS badges and its pool charts (pgbouncer.ini in and out comes from the sim's `config`). */
import type { NodeSnapshot, PgBouncerSnapshot } from '../../../../sim/index.ts';
import { PoolerIcon } from '../icons.tsx';
import type { KindView } from '../registry.ts';
import { PgBouncerNodeView } from './PgBouncerNodeView.tsx';
import { PoolCharts } from './PoolCharts.tsx';

/** SHOW POOLS' columns (and maxwait in ms, and the work queued for its core) from a pgbouncer snapshot, for the pool charts. */
function poolFigures(snap: NodeSnapshot): Record<string, number | null> {
  const n = snap as PgBouncerSnapshot;
  return {
    cl_active: n.cl_active,
    cl_waiting: n.cl_waiting,
    sv_active: n.sv_active,
    sv_idle: n.sv_idle,
    sv_used: n.sv_used,
    sv_login: n.sv_login,
    serverConnections: n.serverConnections,
    maxwait_ms: Math.round(n.maxwait * 1e6) / 1000,
    cpu_backlog_ms: n.cpuBacklogMs,
  };
}

export const pgbouncerView: KindView = {
  kind: 'pgbouncer',
  view: PgBouncerNodeView,
  icon: PoolerIcon,
  charts: PoolCharts,
  liveFigures: poolFigures,
};
