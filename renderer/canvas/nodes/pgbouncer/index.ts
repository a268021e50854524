/** The `pgbouncer` kind's views: its node with SHOW POOLS badges and its pool charts (pgbouncer.ini in and out comes from the sim's `config`). */
import type { NodeSnapshot } from '../../../../sim/index.ts';
import { PoolerIcon } from '../icons.tsx';
import type { KindView } from '../registry.ts';
import { PgBouncerNodeView } from './PgBouncerNodeView.tsx';
import { PoolCharts } from './PoolCharts.tsx';

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/** SHOW POOLS' columns (and maxwait in ms) from a pgbouncer snapshot, for the pool charts. */
function poolFigures(n: NodeSnapshot): Record<string, number | null> {
  return {
    cl_active: num(n.cl_active),
    cl_waiting: num(n.cl_waiting),
    sv_active: num(n.sv_active),
    sv_idle: num(n.sv_idle),
    sv_used: num(n.sv_used),
    sv_login: num(n.sv_login),
    serverConnections: num(n.serverConnections),
    maxwait_ms: num(n.maxwait) === null ? null : Math.round((n.maxwait as number) * 1e6) / 1000,
  };
}

export const pgbouncerView: KindView = {
  kind: 'pgbouncer',
  view: PgBouncerNodeView,
  icon: PoolerIcon,
  charts: PoolCharts,
  liveFigures: poolFigures,
};
