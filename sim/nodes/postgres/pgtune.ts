/**
 * Settings advice by PGTune's rules (https://pgtune.leopard.in.ua, source le0pard/pgtune
 * src/features/configuration/configurationSlice.js, commit 7d204bd), for its "web application" profile on
 * Linux: shared_buffers = RAM/4, effective_cache_size = 3/4 RAM, maintenance_work_mem = RAM/16 capped at
 * 2GB, work_mem = (RAM - shared_buffers) / ((max_connections + max_worker_processes) x 3), at least 64kB.
 * PGTune takes max_worker_processes = the cores from 4 cores up, and PostgreSQL's default 8 below. Every
 * figure is in kB, rounded down as PGTune does, and printed in the largest unit that divides it.
 */
import { memoryBytes } from '../../scenario/settings.ts';
import type { PostgresSettings } from './settings.ts';

/** What PGTune proposes, in postgresql.conf's names and units. */
export interface PgTuneAdvice {
  max_connections: number;
  shared_buffers: string;
  effective_cache_size: string;
  maintenance_work_mem: string;
  work_mem: string;
  /** The max_worker_processes the work_mem rule assumed. */
  workers: number;
}

/** Sort and hash nodes a query may run at once, each taking up to work_mem (the memory-risk rule of thumb). */
export const SORT_NODES_PER_QUERY = 2;

/** kB in the largest of PostgreSQL's units that divides it exactly, as PGTune prints them (`1GB`, `10082kB`). */
export function formatKb(kb: number): string {
  if (kb % (1024 * 1024) === 0) return `${kb / (1024 * 1024)}GB`;
  if (kb % 1024 === 0) return `${kb / 1024}MB`;
  return `${kb}kB`;
}

type Hardware = Pick<PostgresSettings, 'ram' | 'cores' | 'max_connections'>;

/** PGTune's proposal for a node's RAM, cores and max_connections. */
export function pgtune(s: Hardware): PgTuneAdvice {
  const ramKb = Math.floor(memoryBytes(s.ram, 'MB') / 1024);
  const sharedKb = Math.floor(ramKb / 4);
  const workers = s.cores >= 4 ? s.cores : 8;
  const workMemKb = Math.max(64, Math.floor((ramKb - sharedKb) / ((s.max_connections + workers) * 3)));
  return {
    max_connections: s.max_connections,
    shared_buffers: formatKb(sharedKb),
    effective_cache_size: formatKb(Math.floor((ramKb * 3) / 4)),
    maintenance_work_mem: formatKb(Math.min(Math.floor(ramKb / 16), 2 * 1024 * 1024)),
    work_mem: formatKb(workMemKb),
    workers,
  };
}

/**
 * The memory risk of a node's settings: every connection running SORT_NODES_PER_QUERY sorts or hashes of
 * work_mem each needs more than the RAM shared_buffers leaves (shared_buffers is allocated at start, so
 * sorts cannot use it). Undefined when it fits.
 */
export function memoryRisk(s: Pick<PostgresSettings, 'ram' | 'shared_buffers' | 'work_mem' | 'max_connections'>): string | undefined {
  const mb = (b: number) => Math.round(b / 1024 / 1024);
  const need = memoryBytes(s.work_mem, 'kB') * s.max_connections * SORT_NODES_PER_QUERY;
  const free = memoryBytes(s.ram, 'MB') - memoryBytes(s.shared_buffers, '8kB');
  if (need <= free) return undefined;
  return (
    `work_mem ${s.work_mem} x max_connections ${s.max_connections} x ${SORT_NODES_PER_QUERY} sort/hash nodes = ${mb(need)}MB, ` +
    `more than the ${mb(free)}MB that RAM ${s.ram} less shared_buffers ${s.shared_buffers} leaves: a busy moment can run out of memory`
  );
}

/** The advice as a postgresql.conf fragment, with the memory risk of the node's current settings as a warning comment. */
export function formatAdvice(settings: PostgresSettings, nodeId: string): string {
  const a = pgtune(settings);
  const risk = memoryRisk(settings);
  return [
    `# PGTune's advice (web application, Linux) for node ${nodeId}: ${settings.ram} RAM, ${settings.cores} cores`,
    `# work_mem assumes max_worker_processes = ${a.workers}`,
    ...(risk ? [`# WARNING: current settings: ${risk}`] : []),
    `max_connections = ${a.max_connections}`,
    `shared_buffers = ${a.shared_buffers}`,
    `effective_cache_size = ${a.effective_cache_size}`,
    `maintenance_work_mem = ${a.maintenance_work_mem}`,
    `work_mem = ${a.work_mem}`,
    '',
  ].join('\n');
}
