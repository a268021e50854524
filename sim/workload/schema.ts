/** The workload part of a scenario: who sends requests, how often, which SQL, with which parameters. */
import { z } from 'zod';
import { enumSetting, intSetting, numberSetting, timeSetting } from '../scenario/settings.ts';

const paramSchema = z.discriminatedUnion('dist', [
  z.strictObject({
    dist: z.literal('uniform'),
    min: z.number(),
    max: z.number(),
    integer: z.boolean().default(true).meta({ help: 'Draw whole numbers (default) or decimals.' }),
  }),
  z.strictObject({
    dist: z.literal('zipf'),
    min: z.number().int(),
    max: z.number().int(),
    s: z.number().min(0).max(5).default(1).meta({ help: 'Skew: 0 is uniform, 1 is classic zipf (a few hot keys).' }),
  }),
  z.strictObject({
    dist: z.literal('sequential'),
    start: z.number().int().default(1),
    step: z.number().int().default(1),
  }),
  z.strictObject({
    dist: z.literal('list'),
    values: z.array(z.union([z.string(), z.number(), z.boolean(), z.null()])).min(1).max(10000),
  }),
]).refine((p) => !('max' in p) || p.max >= p.min, { message: 'max must be >= min' });

export type ParamSpec = z.output<typeof paramSchema>;

/** A cache key with the operation's parameters in it: `user:{$1}`. */
const keyTemplate = z.string().regex(/^[^\s]{1,200}$/, 'a key such as user:{$1} (no spaces)');

const operationCacheSchema = z.strictObject({
  key: keyTemplate,
  ttl: timeSetting('60s', 's', '1ms', '30d', { context: 'user', help: 'How long the value stays in Redis (SET ... PX); L1 keeps it at most 60 s.' }),
  value_bytes: intSetting(200, 1, 1 << 20, { context: 'user', help: 'Size of the cached value (the row as JSON).' }),
});

export const operationSchema = z.strictObject({
  name: z.string().regex(/^[a-z][a-z0-9_]{0,39}$/, 'a lower-case name such as get_user'),
  weight: z.number().min(0).max(1e6).default(1),
  sql: z
    .union([z.string().min(1).max(20000), z.array(z.string().min(1).max(20000)).min(1).max(50)])
    // every $n is a parameter (sim/workload/operations.ts), numbered from $1 as PostgreSQL numbers them
    .refine((sql) => ![sql].flat().some((s) => /\$0+(?!\d)/.test(s)), { message: 'parameters are numbered from $1: $0 is no parameter' })
    .meta({ help: 'One statement, or a list of statements run as one transaction (BEGIN ... COMMIT).' }),
  params: z.array(paramSchema).max(50).default([]),
  read_only: z.boolean().optional().meta({ help: 'Whether the operation only reads; guessed from the SQL when omitted.' }),
  cache: operationCacheSchema.optional().meta({ help: "A read the app caches (the seed's CacheService): its key and TTL." }),
  invalidates: z
    .array(keyTemplate)
    .max(20)
    .optional()
    .meta({ help: 'A write: the cache keys it makes stale (deleted on write with app cache_strategy delete-on-write).' }),
});

export type OperationSpec = z.output<typeof operationSchema>;

/**
 * The default data set's size. Every node's engine holds it in memory and it is loaded in one statement
 * before the run (then cached): a million users load in about four minutes on two busy cores; orders are
 * capped at MAX_DATA_ROWS. Beyond that, `scale` stands for a larger data set than the real rows.
 */
const MAX_DATA_ROWS = 2_000_000;
/**
 * `MAX_DATA_ROWS` as toLocaleString('en-US') writes it (2,000,000), without Intl: this runs at import, and
 * a page's first use of Intl loads ICU's data (15-20 ms of the page's main thread, issue 14).
 */
const MAX_DATA_ROWS_TEXT = String(MAX_DATA_ROWS).replace(/\B(?=(\d{3})+(?!\d))/g, ',');

export const dataSchema = z
  .strictObject({
    users: intSetting(10000, 0, 1_000_000, {
      context: 'postmaster',
      help: 'Rows in the default users table (at most 1,000,000: the data set is loaded before the run, a few minutes for a million, then cached).',
    }),
    orders_per_user: intSetting(5, 0, 100, {
      context: 'postmaster',
      help: `Orders per user in the default orders table (users × orders_per_user at most ${MAX_DATA_ROWS_TEXT}).`,
    }),
    scale: numberSetting(1, 1, 100_000, {
      context: 'postmaster',
      help:
        'The data set stands for this many times its real rows: relation sizes in the buffer cache, and sequential scans (pages, rows, ' +
        'sorts, spills) are multiplied by it in the cost model and the statistics views; plans and results stay the real rows\'.',
    }),
  })
  .refine((d) => d.users * d.orders_per_user <= MAX_DATA_ROWS, {
    message: `users × orders_per_user is more than ${MAX_DATA_ROWS_TEXT} orders: a data set that large takes many minutes to load`,
    path: ['orders_per_user'],
  });

/**
 * One step of a scripted client: a pause, or a statement (or a list run as one transaction) sent through
 * the app, optionally to one endpoint the app has an edge to (`on`), optionally holding its transaction
 * open (`hold`) before COMMIT.
 */
const scriptStepSchema = z.union([
  z.strictObject({
    // required (no default): an empty step is no pause
    wait: timeSetting('100ms', 'ms', '0ms', '1h', { context: 'user', help: 'A pause before the next step (virtual time).' })
      .unwrap()
      .meta({ help: 'A pause before the next step (virtual time).' }),
  }),
  z.strictObject({
    name: z.string().regex(/^[a-z][a-z0-9_]{0,39}$/, 'a lower-case name such as read_back').optional().meta({
      help: "The step's name in the report and traces (default: the script's name and the step's number).",
    }),
    sql: operationSchema.shape.sql,
    params: z.array(z.union([z.string(), z.number(), z.boolean(), z.null()])).max(50).default([]).meta({ help: 'The values of $1, $2 ...' }),
    on: z
      .string()
      .regex(/^[a-z][a-z0-9_-]{0,31}$/)
      .optional()
      .meta({ help: "The node the app sends it to (one it has an edge to: a primary, a replica, a pooler); default: the app's read_policy decides." }),
    hold: timeSetting('0ms', 'ms', '0ms', '1h', {
      context: 'user',
      help: 'A transaction (a list of statements) kept open this long after its last statement, before its COMMIT.',
    }),
  }),
]);

export type ScriptStep = z.output<typeof scriptStepSchema>;

/**
 * A scripted client: one exact sequence of steps, for a lesson that shows one race rather than a statistic
 * (write on the primary, wait 100 ms, read on a replica; hold a transaction open for 10 s).
 */
export const scriptSchema = z.strictObject({
  name: z.string().regex(/^[a-z][a-z0-9_]{0,39}$/, 'a lower-case name such as read_your_writes'),
  start: timeSetting('0ms', 'ms', '0ms', '24h', { context: 'user', help: 'When the client starts, after the start of the run.' }),
  repeat: intSetting(1, 1, 1_000_000, { context: 'user', help: 'How many times it runs its steps, one run after the other.' }),
  steps: z.array(scriptStepSchema).min(1).max(100),
});

export type ScriptSpec = z.output<typeof scriptSchema>;

export const workloadSchema = z.strictObject({
  mode: z.enum(['closed', 'open']).default('closed').meta({
    help: 'closed: a fixed number of clients, each waiting for its reply and thinking before the next; open: requests arrive at a rate, whatever the replies.',
  }),
  clients: intSetting(50, 0, 100_000, { context: 'user', help: 'Closed loop: concurrent clients, spread over the app instances.' }),
  think_time: timeSetting('50ms', 'ms', '0ms', '1h', { context: 'user', help: 'Closed loop: mean pause between a reply and the next request (see think_time_dist).' }),
  think_time_dist: enumSetting(['exponential', 'constant', 'none'], 'exponential', {
    context: 'user',
    help:
      'Closed loop: exponential: pauses drawn around think_time (memoryless users, staggered starts); constant: exactly think_time ' +
      "each time, every client starting at once; none: no pause at all, as pgbench's clients (think_time is ignored).",
  }),
  transactions: intSetting(0, 0, 1_000_000_000, {
    context: 'user',
    help: "Closed loop: transactions (requests) each client runs before it disconnects, as pgbench's -t; 0: no limit.",
  }),
  duration: timeSetting('0s', 's', '0s', '30d', {
    context: 'user',
    help: "Closed loop: time after the start when every client disconnects at its next reply or pause, as pgbench's -T; 0: the whole run.",
  }),
  connect: enumSetting(['app_pool', 'per_client', 'per_transaction'], 'app_pool', {
    context: 'user',
    help:
      "Closed loop: app_pool: requests use the app's connection_mode (its pool, or a connection per request); per_client: each " +
      "client opens its own connection on its first request and holds it until it disconnects (pgbench's default); " +
      "per_transaction: a new connection for every request, closed after it (pgbench's -C, PHP).",
  }),
  arrival_rate: numberSetting(200, 0, 1_000_000, { context: 'user', help: 'Open loop: requests per second (Poisson arrivals).' }),
  max_in_flight: intSetting(10_000, 1, 1_000_000, { context: 'user', help: 'Open loop: requests outstanding at once; arrivals beyond it are dropped and counted.' }),
  data: dataSchema.prefault({}),
  setup_sql: z.string().max(1_000_000).optional().meta({
    help: 'Custom schema and data (SQL run once, before the run). Replaces the default users/orders data set.',
  }),
  operations: z
    .array(operationSchema)
    .max(100)
    .refine((ops) => ops.length === 0 || ops.some((o) => o.weight > 0), { message: 'every operation has weight 0: the workload would send no request' })
    .optional()
    .meta({ help: 'The operation mix; the default mix on users/orders when omitted.' }),
  scripts: z
    .array(scriptSchema)
    .max(50)
    .optional()
    .meta({
      help:
        'Scripted clients, besides the mix (clients: 0 for none): each runs its steps in order, in virtual time, ' +
        "with the workload's connect mode, as one user (read-your-writes follows it).",
    }),
});

export type WorkloadSpec = z.output<typeof workloadSchema>;
