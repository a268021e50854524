/**
 * A node's statement profiles: the EXPLAIN (ANALYZE, BUFFERS, WAL) of an execution of each operation on
 * its engine, rolled back, from which the cost model derives every later execution's service time.
 * Refreshed when older than PROFILE_MAX_AGE_US, and dropped when plans may change (work_mem,
 * effective_cache_size) or the engine restarts.
 */
import { EngineDeadError, type DbEngine } from '../../engine/DbEngine.ts';
import type { ProfileReply } from '../../engine/protocol.ts';
import { boundStatements, type PreparedOperation } from '../../workload/operations.ts';
import type { SimContext } from '../types.ts';
import { BARE_STATEMENT, profileFromPlan, sleepParam, type StatementProfile } from './costModel.ts';

const PROFILE_MAX_AGE_US = 10e6;

export class Profiles {
  private readonly byOperation = new Map<string, StatementProfile[]>();

  constructor(private readonly ctx: SimContext) {}

  clear(): void {
    this.byOperation.clear();
  }

  /**
   * Profiles of an operation's statements, profiled on `engine` when unknown or too old. When the engine
   * is found dead, `crashed` runs and the last known profiles (or bare statements) stand in.
   */
  async of(engine: DbEngine, op: PreparedOperation, params: readonly unknown[], crashed: (reason: string) => Promise<void>): Promise<StatementProfile[]> {
    const key = `${op.name}\u0000${op.statements.map((s) => s.sql).join('\u0000')}`;
    const now = this.ctx.scheduler.now;
    const known = this.byOperation.get(key);
    if (known && now - known[0].at < PROFILE_MAX_AGE_US) return known;
    let reply: ProfileReply;
    try {
      this.ctx.metrics.realQueries += op.statements.length * 3 + 4; // three a statement, BEGIN, ROLLBACK, the sequences before and after
      // a real client's statement (maxRows) as it runs: as the console's role
      reply = (await engine.request({ op: 'profile', statements: boundStatements(op, params), ...(op.maxRows ? { client: true, neutral: op.neutral } : {}) })) as ProfileReply;
    } catch (e) {
      if (e instanceof EngineDeadError) {
        await crashed(e.reason);
        return known ?? op.statements.map(() => BARE_STATEMENT);
      }
      throw e;
    }
    const profiles = reply.statements.map((s, i) => {
      const p = profileFromPlan(s.plan, s.sleptSeconds, now, s.error, this.ctx.dataScale);
      const arg = sleepParam(op.statements[i].sql);
      if (arg !== undefined) {
        const value = Number(params[op.statements[i].paramIndexes[arg - 1]]);
        p.sleepSeconds = value > 0 ? p.sleepSeconds / value : 0; // seconds per unit of the parameter
      }
      return p;
    });
    this.byOperation.set(key, profiles);
    return profiles;
  }
}
