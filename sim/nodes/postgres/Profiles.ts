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
import { copyInProfile, copyProfileSql } from './copyCost.ts';
import { BARE_STATEMENT, profileFromPlan, sleepParam, type StatementProfile } from './costModel.ts';

const PROFILE_MAX_AGE_US = 10e6;

export class Profiles {
  private readonly byOperation = new Map<string, StatementProfile[]>();

  constructor(
    private readonly ctx: SimContext,
    /** Called when an operation is profiled for real, before it runs. */
    private readonly profiling: (op: PreparedOperation) => void = () => {},
  ) {}

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
    // a COPY FROM STDIN's cost is its data's, which changes with every one: not profiled, not kept
    const copying = op.statements.some((s) => s.copy);
    const known = copying ? undefined : this.byOperation.get(key);
    if (known && now - known[0].at < PROFILE_MAX_AGE_US) return known;
    const profiled = boundStatements(op, params).filter((s) => !s.copy);
    let reply: ProfileReply = { statements: [] };
    if (profiled.length > 0) this.profiling(op);
    try {
      // a real client's statement (maxRows) as it runs: as the console's role; a COPY TO as the query it runs
      const statements = profiled.map((s) => ({ ...s, sql: copyProfileSql(s.sql) }));
      // three a statement, BEGIN, ROLLBACK, the sequences before and after
      if (statements.length > 0) this.ctx.metrics.realQueries += statements.length * 3 + 4;
      if (statements.length > 0) reply = (await engine.request({ op: 'profile', statements, ...(op.maxRows ? { client: true, neutral: op.neutral } : {}) })) as ProfileReply;
    } catch (e) {
      if (e instanceof EngineDeadError) {
        await crashed(e.reason);
        return known ?? op.statements.map(() => BARE_STATEMENT);
      }
      throw e;
    }
    const replies = reply.statements.values();
    const profiles = op.statements.map((st) => {
      if (st.copy) return copyInProfile(st.sql, st.copy, now);
      const s = replies.next().value!;
      const p = profileFromPlan(s.plan, s.sleptSeconds, now, s.error, this.ctx.dataScale);
      const arg = sleepParam(st.sql);
      if (arg !== undefined) {
        const value = Number(params[st.paramIndexes[arg - 1]]);
        p.sleepSeconds = value > 0 ? p.sleepSeconds / value : 0; // seconds per unit of the parameter
      }
      return p;
    });
    if (!copying) this.byOperation.set(key, profiles);
    return profiles;
  }
}
