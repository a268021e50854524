import type { ReshardPlan } from './reshard.ts';

/** What a sharded run counts for the report's `sharding` block (sim/report.ts). */
export class ShardFigures {
  /** Requests routed to each shard (a scatter counts on every shard it reached). */
  readonly requests = new Map<string, number>();
  /** Requests that scattered to more than one shard. */
  scatter = 0;
  /** Requests that needed several shards and committed them with two-phase commit (transaction_mode TWOPC). */
  twoPhase = 0;
  /** Requests refused because they needed two shards in one transaction. */
  crossShard = 0;
  /** Statements without a key refused because their result cannot be merged. */
  unmergeable = 0;
  /** A reshard's copy is running (its cutover not yet done). */
  reshardUnderWay = false;
  /** Rows and bytes reshards moved between shards, and each reshard's plan, in order. */
  rowsMoved = 0;
  bytesMoved = 0;
  readonly reshards: ReshardPlan[] = [];

  constructor(
    readonly shards: readonly string[],
    /** Rows of each distributed table on each shard at load (sim/sharding/split.ts). */
    public rowsAtLoad: Record<string, Record<string, number>> = {},
  ) {
    for (const s of shards) this.requests.set(s, 0);
  }

  /** A reshard's cutover: its rows moved. */
  resharded(plan: ReshardPlan): void {
    this.reshardUnderWay = false;
    this.rowsMoved += plan.rows;
    this.bytesMoved += plan.bytes;
    this.reshards.push(plan);
  }

  /** A request went to `shards`: a scatter, or the parts of a two-phase commit. */
  routed(shards: readonly string[], twoPhase = false): void {
    for (const s of shards) this.requests.set(s, (this.requests.get(s) ?? 0) + 1);
    if (shards.length > 1 && twoPhase) this.twoPhase++;
    else if (shards.length > 1) this.scatter++;
  }
}
