/**
 * What node models see of the simulation, and what they offer each other. A node kind is one folder
 * under sim/nodes/ plus one registration (sim/nodes/index.ts).
 */
import type { z } from 'zod';
import type { FaultCommand, JsonValue } from '../core/commands.ts';
import type { ConsoleResult, NodeStatus, SimEvent } from '../core/contracts.ts';
import type { SimError } from '../core/errors.ts';
import type { Rng } from '../core/rng.ts';
import type { Scheduler } from '../core/Scheduler.ts';
import type { EngineFactory } from '../engine/DbEngine.ts';
import type { StatementResult } from '../engine/protocol.ts';
import type { Metrics } from '../metrics/Metrics.ts';
import type { ClientInfo, Connection, ConnectResult, Endpoint, Network, Trace } from '../net/Link.ts';
import type { CacheChecks } from '../replication/cacheChecks.ts';
import type { DeployFormat } from './deploy.ts';
import type { ReplicationState } from '../replication/ports.ts';
import type { ShardFigures } from '../sharding/figures.ts';
import type { ShardMap } from '../sharding/shardMap.ts';
import type { RouteExplain } from './proxy/ShardRouter.ts';
import type { PreparedOperation } from '../workload/operations.ts';

export type { ConsoleResult, NodeStatus, ReplicationState, SimEvent };

export interface SimContext {
  readonly scheduler: Scheduler;
  readonly metrics: Metrics;
  readonly engines: EngineFactory;
  /** How many times the real rows the data set stands for (workload.data.scale): sizes and scans the cost model and statistics see. */
  readonly dataScale?: number;
  /** An independent random stream for `name`. */
  rng(name: string): Rng;
  emit(event: Omit<SimEvent, 'at'>): void;
  node(id: string): NodeModel | undefined;
  /** The edges and the connections over them (sim/net/): every hop's latency and trace. */
  readonly net: Network;
  /** The scenario's shard map (sim/sharding/shardMap.ts) and the run's figures of it, when it is sharded. */
  readonly sharding?: { map: ShardMap; figures: ShardFigures };
  /** The stale-read check of cached values (sim/replication/cacheChecks.ts); absent in bare model tests. */
  readonly cacheChecks?: CacheChecks;
  /** False: every read runs on its engine, none reuses an identical earlier one's reply (nodes/postgres/Reuse.ts). */
  readonly reuseReads?: boolean;
  /** The data set's SQL (what reuse learns its foreign keys and triggers from); without it no read is reused. */
  readonly setupSql?: string;
}

export interface NodeSpec<S = Record<string, unknown>> {
  id: string;
  kind: string;
  settings: S;
}

/** Live figures of one node, for the UI, the lessons and the report. */
export interface NodeSnapshot {
  id: string;
  kind: string;
  status: NodeStatus;
  queries: number;
  errors: number;
  queriesPerSecond: number;
  cpuUtilization: number;
  connections: number;
}

/** A node's block of the JSON report: its kind's own figures, after the figures every node has. */
export interface ReportBlock {
  [figure: string]: unknown;
}

export interface NodeModel {
  readonly id: string;
  readonly kind: string;
  /** Starts the node; `snapshot` is the scenario's data directory, for nodes that hold data. */
  boot?(snapshot: Uint8Array | undefined): Promise<void>;
  /** Applies a validated setting; says whether it took effect now or needs a restart of the node. */
  applySetting(name: string, value: unknown): Promise<'applied' | 'restart-required'>;
  /** Whether applying `name` now takes the running node down and brings it back later in virtual time (a resize). */
  restartsFor?(name: string): boolean;
  snapshot(): NodeSnapshot;
  /** Extra figures for the JSON report. */
  report?(): ReportBlock;
  /** Its settings that name the database node `from`, rewritten to name `to` (its link moved there: a VIP moved). */
  repointSettings?(from: string, to: string): Record<string, JsonValue>;
  /** Runs a console statement now (SQL on a database, the admin language on a pooler). */
  console?(sql: string): Promise<ConsoleResult>;
  /** A node that routes a sharded scenario's statements: where one would go and why, with `params` bound to its `$n`. */
  explainRoute?(sql: string, params?: readonly unknown[]): RouteExplain;
  /** What its endpoint speaks, if it is one: SQL (the default, for a node with `execute`) or Redis' commands. */
  readonly protocol?: 'sql' | 'redis';
  /** Applies a fault now; an error message when it is refused. */
  fault?(f: FaultCommand): Promise<string | undefined> | string | undefined;
  close(): Promise<void>;
}

export type { ClientInfo, Connection, ConnectResult, Trace };

/**
 * A statement's reply. `outcome` is set when the node did not wait for the engine's answer (a statement
 * outside a transaction: what happens next does not depend on it); it resolves to its error, if any.
 */
export type Reply =
  /** `position`: the replication stream position of a write's commit on a primary with replicas (read-your-writes). */
  /** `result`: the statement's rows, for an operation that asks for them (`PreparedOperation.maxRows`: a real client's). */
  | { ok: true; outcome?: Promise<SimError | undefined>; position?: number; result?: Promise<StatementResult | undefined> }
  | { ok: false; error: SimError };

/** One round trip's statement of an operation: BEGIN, one of its SQL statements, COMMIT or ROLLBACK. */
export type StatementCall =
  /** `trace`: the request it belongs to, stamped by every hop (sim/net/). */
  | { kind: 'begin' | 'commit' | 'rollback'; trace?: Trace }
  /** `session`: the workload client that sent it (read-your-writes routing and checks). */
  | { kind: 'sql'; op: PreparedOperation; index: number; params: readonly unknown[]; session?: number; trace?: Trace };

/** Something an app can connect to and run SQL on (a postgres node; later a pooler). */
export interface SqlEndpoint extends NodeModel, Endpoint<StatementCall, Reply> {
  /** Its role in a replicated cluster, for the app's router (undefined: not replicated). */
  replicationState?(): ReplicationState | undefined;
  /** A CancelRequest for the statement `conn` is running (PostgreSQL: canceling statement due to user request). */
  cancel?(conn: Connection): void;
  /**
   * Phase one of a two-phase commit on this primary (sim/nodes/proxy/twoPhaseCommit.ts): `op` with `params`
   * prepared as `gid`; `console`: SQL typed in a console, `maxRows` of its rows back.
   */
  prepareTransaction?(gid: string, op: PreparedOperation, params: readonly unknown[], console?: { maxRows: number }): Promise<PreparedPart>;
}

/** A shard's part of a two-phase commit, prepared: its error (then nothing stays prepared) or its statements' results. */
export interface PreparedPart {
  error?: SimError;
  results: StatementResult[];
  /** Phase two: COMMIT PREPARED (`commit`) or ROLLBACK PREPARED; a commit's stream position, when the node has replicas. */
  finish(commit: boolean): Promise<{ position?: number }>;
}

/** A node that serves connections over links (SQL or Redis), for the network to resolve. */
export function isEndpoint(n: NodeModel | undefined): n is NodeModel & Endpoint {
  return !!n && typeof (n as SqlEndpoint).execute === 'function';
}

export function isSqlEndpoint(n: NodeModel | undefined): n is SqlEndpoint {
  return isEndpoint(n) && (n.protocol ?? 'sql') === 'sql';
}

/** A configuration file's name and its two directions; a bad file is refused with its line numbers. */
export interface ConfigFormat<S> {
  file: string;
  /**
   * Settings the real file never carries that an import keeps when the file does not give them (the
   * simulated machine's cores and RAM in a postgresql.conf); every other setting the file omits takes its
   * default, as the real server's reload does.
   */
  keeps?: readonly (keyof S & string)[];
  format(settings: S, nodeId: string): string;
  parse(text: string): { ok: true; settings: Partial<S>; warnings: ConfigIssue[] } | { ok: false; errors: ConfigIssue[] };
}

export interface ConfigIssue {
  line: number;
  message: string;
}

export interface NodeKindDefinition<S extends z.ZodObject = z.ZodObject> {
  kind: string;
  label: string;
  description: string;
  settings: S;
  /** Kinds this kind may open connections to (the edges it may start). */
  connectsTo: readonly string[];
  /**
   * What its `queries` count: statements (the default), or the workload's requests, each of which may run
   * several statements (an app). The report and the charts take a requests kind's figures from its snapshot.
   */
  counts?: 'statements' | 'requests';
  /** Kinds an edge to which is a replication stream, not a client connection (postgres -> postgres). */
  replicatesTo?: readonly string[];
  /**
   * It routes a sharded scenario's statements to their shards (a shard router in the data path): it
   * connects to every shard, and apps connect to it instead of to the shards.
   */
  routesShards?: boolean;
  /** The language of its console: SQL on a database, PgBouncer's admin commands; none: no console. */
  console?: 'sql' | 'pgbouncer-admin' | 'redis';
  /** What a request does at a node of this kind, in a followed request's timeline (`engine`, `pooler`); default `serve`. */
  served?: string;
  /** Settings advice for a node of this kind (PGTune's rules for postgres), as its configuration file's text. */
  advise?(settings: z.output<S>, nodeId: string): string;
  /** Its configuration file (pgbouncer.ini): settings out as the real file's text, and back in, strictly. */
  config?: ConfigFormat<z.output<S>>;
  /** What a real deployment of it needs (its files, its docker-compose service): `npm run export` writes them. */
  deploy?: DeployFormat<z.output<S>>;
  create(ctx: SimContext, spec: NodeSpec<z.output<S>>): NodeModel;
}
