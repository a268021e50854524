/**
 * A standby's replay of a stream record (statement shipping, sim/replication/Replication.ts), as the requests
 * its engine runs, in stream order. Both kinds run at their primary's virtual time (now(), column defaults),
 * so the standby's rows are the primary's.
 */
import type { EngineRequest } from '../../engine/protocol.ts';
import { virtualTimestamp } from '../../monitoring/activity.ts';
import type { ShippedStatements } from '../../replication/ports.ts';
import { boundStatements } from '../../workload/operations.ts';

/**
 * A workload write: one transaction begun read-write (the standby's sessions are read-only). Console SQL: as
 * it ran on the primary, in a console session of its own as the console's role (its objects are the role's),
 * so what it leaves in the session (temporary tables) stays out of the workload's. `queries`: the statements
 * they run.
 */
export function replayRequests(rec: ShippedStatements): { requests: EngineRequest[]; queries: number } {
  const clock = virtualTimestamp(rec.sentUs);
  if (rec.op) {
    // BEGIN, the clock, the statements, COMMIT
    return { requests: [{ op: 'run', transaction: true, begin: 'BEGIN READ WRITE', clock, statements: boundStatements(rec.op, rec.params) }], queries: rec.op.statements.length + 3 };
  }
  if (rec.sql === undefined) return { requests: [], queries: 0 };
  return {
    requests: [
      { op: 'exec', sql: 'SET default_transaction_read_only = off' },
      { op: 'console', sql: rec.sql, maxRows: 0, clock },
      { op: 'exec', sql: 'SET default_transaction_read_only = on' },
    ],
    queries: 3,
  };
}
