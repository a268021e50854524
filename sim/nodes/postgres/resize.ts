/**
 * Resizing a postgres node during a run: a new shared_buffers is a restart of PostgreSQL (the OS page cache
 * stays warm), new cores or RAM (or an instance that sets them) a new machine (both caches start cold). A
 * running server goes down for it: every connection is terminated with PostgreSQL's FATAL, clients reconnect
 * once it is up, and the cache warms up again.
 */
import type { SimContext } from '../types.ts';
import type { Cpu } from './Cpu.ts';
import { NodeStatistics } from './NodeStatistics.ts';
import type { PostgresSettings } from './settings.ts';

/** A restart of PostgreSQL, until it accepts connections again. */
export const RESTART_US = 2e6;
/**
 * Moving to another machine shape (cores, RAM): a cloud resize stops the instance and starts it on another
 * host (minutes in reality; 10 s here, so a run shows the downtime and the warm-up without waiting).
 */
const RESIZE_US = 10e6;
/** Settings that change the server's memory or machine: PostgreSQL (or the machine) restarts to apply them. */
export const RESIZE_SETTINGS: ReadonlySet<string> = new Set(['instance', 'cores', 'ram', 'shared_buffers']);

/** The node a resize applies to; its lifecycle stays its own. */
export interface ResizedNode {
  readonly id: string;
  readonly settings: PostgresSettings;
  readonly cpu: Cpu;
  readonly stats: NodeStatistics;
  /** Stops a running server for the restart (connections terminated, replication down): the connections it had; undefined when it was not running. */
  stop(): number | undefined;
  /** Starts it after the restart, unless something else took the restart over (a crash's recovery): whether it did. */
  start(): boolean;
}

/** Applies the resize setting `name` (already in the node's settings) to the model, and restarts a running server for it. */
export function resize(ctx: SimContext, node: ResizedNode, name: string): void {
  const newMachine = name !== 'shared_buffers';
  const s = node.settings;
  node.cpu.cores = s.cores;
  ctx.metrics.node(node.id).cores = s.cores;
  node.stats.cache.resize(node.stats.relationPages, ...NodeStatistics.memoryPages(s));
  node.stats.cache.cold(newMachine);
  const lost = node.stop();
  if (lost === undefined) return;
  ctx.emit({ type: 'node-stopped', node: node.id, message: `${node.id} restarts to apply ${name}: ${lost} connection(s) terminated` });
  ctx.scheduler.after(newMachine ? RESIZE_US : RESTART_US, () => {
    if (!node.start()) return;
    ctx.emit({ type: 'node-restarted', node: node.id, message: `${node.id} is up again with ${name} = ${String(node.settings[name as keyof PostgresSettings])}; its cache is cold` });
  });
}
