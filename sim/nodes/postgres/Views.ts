/**
 * A postgres node's monitoring views as the model has them: before a console statement (or a real client's
 * look at pg_stat_*) the engine's shadow views (sim_catalog) are set from the model's backends, auxiliary
 * processes, statistics and replication, at the current virtual time.
 */
import type { DbEngine } from '../../engine/DbEngine.ts';
import { type ActivityRow, auxiliaryProcesses, onStandby, refreshActivitySql } from '../../monitoring/activity.ts';
import type { Membership } from '../../replication/ports.ts';
import type { SimContext } from '../types.ts';
import type { Backends } from './Backends.ts';
import { NodeStatistics } from './NodeStatistics.ts';
import type { Recovery } from './Recovery.ts';
import type { PostgresSettings } from './settings.ts';

/** The node's parts the views show, as they are at a refresh. */
export interface ViewSources {
  backends: Backends;
  stats: NodeStatistics;
  settings: PostgresSettings;
  recovery: Recovery | undefined;
  replication: Membership | undefined;
  isReplica: boolean;
}

export class MonitoringViews {
  /** The server's auxiliary processes since its last start. */
  private auxiliary: ActivityRow[] = [];

  constructor(
    private readonly ctx: SimContext,
    private readonly node: () => ViewSources,
  ) {}

  /** The server (re)started now: its auxiliary processes start with pids from `firstPid`. */
  started(firstPid: number): void {
    this.auxiliary = auxiliaryProcesses(this.ctx.scheduler.now, firstPid);
  }

  /** Rows of pg_stat_activity as the model has them now (plus the console's own session). */
  activity(consoleQuery?: string): ActivityRow[] {
    const { backends, replication, isReplica } = this.node();
    const rows = backends.rows(consoleQuery);
    if (!replication) return [...rows, ...this.auxiliary];
    return [...rows, ...replication.processes(), ...(isReplica ? onStandby(this.auxiliary) : this.auxiliary)];
  }

  /** Sets the views on `engine` as the model has them now, for a console statement (`consoleQuery`: its own session's row) or a real client's. */
  async refresh(engine: DbEngine, consoleQuery?: string): Promise<void> {
    const { backends, stats, settings, recovery, replication } = this.node();
    // what pg_buffercache counts besides the cache's contents: its size, the pins of running statements, the pages dirtied since the checkpoint
    const buffers = { nbuffers: NodeStatistics.memoryPages(settings)[0], running: backends.active, written: recovery?.pagesWritten ?? 0 };
    this.ctx.metrics.realQueries += 1;
    await engine.request({ op: 'exec', sql: `${refreshActivitySql(this.ctx.scheduler.now, this.activity(consoleQuery))}; ${stats.refreshSql(backends.size, buffers)}` });
    const views = await replication?.refreshSql();
    if (views !== undefined) {
      this.ctx.metrics.realQueries += 1;
      await engine.request({ op: 'exec', sql: views });
    }
  }
}
