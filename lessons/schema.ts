/**
 * The lesson format, as a zod schema. A lesson is data (a JSON file in lessons/): a start scenario, and
 * steps, each with its text (Markdown, no raw HTML), an optional demonstration and a solution (lists of
 * commands: plain data), a goal (declarative checks over the running sim) and hints.
 */
import { z } from 'zod';
import { commandSchemas, MONITORING_QUERIES, parseDuration } from '../sim/index.ts';

export const PATTERNS = ['monitoring', 'vertical-scaling', 'read-replicas', 'connection-pooling', 'sharding', 'caching'] as const;
export type Pattern = (typeof PATTERNS)[number];

const id = z.string().regex(/^[a-z][a-z0-9_-]{0,31}$/, 'an id of lower-case letters, digits, - and _, starting with a letter');

/** A simulated duration: `10s`, `500ms`, `2min`, or a number of seconds. */
export const durationSchema = z
  .union([z.number().positive().max(86_400), z.string()])
  .refine((d) => {
    const us = parseDuration(String(d));
    return us !== undefined && us > 0;
  }, 'a duration such as 10s, 500ms or 2min');

/** Seconds of a duration. */
export function seconds(d: number | string): number {
  return (parseDuration(String(d)) ?? 0) / 1e6;
}

/** Markdown without raw HTML: the player renders it as text, so a tag would show or, worse, run. */
const markdown = z
  .union([z.string().min(1).max(4000), z.array(z.string().max(1000)).min(1).max(60)])
  .transform((t) => (Array.isArray(t) ? t.join('\n') : t))
  .refine((t) => !/<\/?[A-Za-z!][^>]*>/.test(t), 'raw HTML is not allowed in lesson text (write Markdown)');

const value = z.union([z.string().max(2000), z.number(), z.boolean()]);

// ---- commands: the sim's own (sim/core/commands.ts), plus the lesson's `run` and `runSql` ----

const sim = commandSchemas;
/** The student presses Run and lets it run for a simulated duration. */
export const runCommand = z.strictObject({ do: z.literal('run'), for: durationSchema });
const monitoringNames = MONITORING_QUERIES.map((q) => q.name) as [string, ...string[]];
/**
 * The shard map's strategy chosen anew before the data is loaded (an edit of the scenario's `sharding` block:
 * the next run splits the data by it), as an architect picks virtual shards before the first reshard.
 */
export const setShardStrategyCommand = z.strictObject({ do: z.literal('setShardStrategy'), strategy: z.record(z.string(), z.unknown()) });
/** SQL (or the admin console's language on a pgbouncer node) in a node's console; `monitoring` names one of the seed's queries. */
export const runSqlCommand = z
  .strictObject({ do: z.literal('runSql'), node: id, sql: z.string().min(1).max(20_000).optional(), monitoring: z.enum(monitoringNames).optional() })
  .refine((c) => (c.sql === undefined) !== (c.monitoring === undefined), 'give either sql or monitoring (one of the seed\'s queries)');

/**
 * A lesson's commands: the sim's topology edits and setWorkload (edits of the scenario: the next run
 * loads it), its setNodeSetting (applied to the running sim, as the inspector does it live) and reshard (on
 * the running sim: the rows move while traffic goes on), and the lesson's own `setShardStrategy` (an edit
 * of the scenario), `run` (for a simulated duration) and `runSql` (which may name a monitoring query).
 */
export const commandSchema = z.union([
  sim.addNode,
  sim.removeNode,
  sim.addEdge,
  sim.removeEdge,
  sim.setWorkload,
  sim.setNodeSetting,
  sim.reshard,
  setShardStrategyCommand,
  runCommand,
  runSqlCommand,
]);
export type LessonCommand = z.output<typeof commandSchema>;
export const SCENARIO_EDITS = ['addNode', 'removeNode', 'addEdge', 'removeEdge', 'setWorkload', 'setShardStrategy'] as const;
export type ScenarioEdit = Extract<LessonCommand, { do: (typeof SCENARIO_EDITS)[number] }>;

export function isScenarioEdit(c: LessonCommand): c is ScenarioEdit {
  return (SCENARIO_EDITS as readonly string[]).includes(c.do);
}

/** The SQL a runSql command sends. */
export function sqlOf(c: Extract<LessonCommand, { do: 'runSql' }>): string {
  return c.sql ?? MONITORING_QUERIES.find((q) => q.name === c.monitoring)!.sql;
}

// ---- goal checks: declarative, evaluated by lessons/goals.ts ----

export const OPS = ['<', '<=', '>', '>=', '==', '!='] as const;
export type Op = (typeof OPS)[number];
const op = z.enum(OPS);

/** Which nodes: an id, or by kind and/or replication role (a postgres node fed by another is a replica). */
export const selectorSchema = z.union([
  id,
  z
    .strictObject({ id: id.optional(), kind: z.string().max(40).optional(), role: z.enum(['primary', 'replica']).optional() })
    .refine((s) => s.id || s.kind || s.role, 'name an id, a kind or a role'),
]);
export type Selector = z.output<typeof selectorSchema>;

/** A path into the JSON report (sim's buildReport), as the CLI's --json writes it. */
const metricPath = z
  .string()
  .regex(
    /^(latencyMs\.(p50|p95|p99|max|mean)|throughputRps|completed|failed|simulatedSeconds|errors\.[a-z0-9_]+|nodes\.[a-z][a-z0-9_-]*(\.[A-Za-z0-9_]+)+|consistency(\.[A-Za-z0-9_]+)+|sharding(\.[A-Za-z0-9_]+)+)$/,
    'a report path such as latencyMs.p95, nodes.primary.cpuUtilization, errors.too_many_connections, consistency.staleReads or sharding.rowsMoved',
  );

const common = {
  label: z.string().max(120).optional(),
  why: z.string().min(1).max(400),
  /** A condition that may already hold when the step starts and that the change must not break (the replicas still serve reads); every other check must be unmet until the student makes the change. */
  guard: z.boolean().optional(),
};

/** A metric of the report compared to a value, optionally held for a simulated duration (from the time series). */
export const metricCheck = z.strictObject({ check: z.literal('metric'), path: metricPath, op, value: z.number(), for: durationSchema.optional(), ...common });
/** How much a cumulative figure of the report grew over the last `over` simulated seconds (errors.*, consistency.staleReads ...). */
export const increaseCheck = z.strictObject({ check: z.literal('increase'), path: metricPath, op, value: z.number(), over: durationSchema, ...common });
/** Every path (along the edges) from each `from` node to each `to` node goes through a `via` node; and there is one. */
export const throughCheck = z.strictObject({ check: z.literal('through'), from: selectorSchema, to: selectorSchema, via: selectorSchema, ...common });
/** How many nodes match. */
export const countCheck = z.strictObject({ check: z.literal('count'), nodes: selectorSchema, op, value: z.number().int().min(0), ...common });
/** A node's setting in the current topology. */
export const settingCheck = z.strictObject({
  check: z.literal('setting'),
  node: id,
  name: z.string().min(1).max(60),
  op: z.enum(['==', '!=', 'in']),
  value: z.union([value, z.array(value).min(1)]),
  ...common,
});
/** The student ran a statement matching `matches` (a case-insensitive regular expression) on the node since the step began, and it returned at least `minRows` rows. */
export const consoleCheck = z.strictObject({
  check: z.literal('console'),
  node: selectorSchema,
  matches: z.string().min(1).max(500).refine((s) => {
    try {
      new RegExp(s, 'i');
      return true;
    } catch {
      return false;
    }
  }, 'not a valid regular expression'),
  minRows: z.number().int().min(0).default(1),
  ...common,
});
/** SHOW POOLS columns a pool check may read (summed over the node's pools; maxwait in seconds). */
export const POOL_COLUMNS = ['cl_active', 'cl_waiting', 'sv_active', 'sv_idle', 'sv_used', 'sv_tested', 'sv_login', 'maxwait'] as const;
/** A `SHOW POOLS` column of a pgbouncer node, optionally held for a simulated duration. */
export const poolsCheck = z.strictObject({
  check: z.literal('pools'),
  node: id,
  column: z.enum(POOL_COLUMNS),
  op,
  value: z.number(),
  for: durationSchema.optional(),
  ...common,
});

/**
 * The strategy of the shard map in force (the report's `sharding.strategy`, which follows a reshard at its
 * cutover): a figure that a workaround can also reach (a range boundary placed just so) counts only with it.
 */
export const shardStrategyCheck = z.strictObject({
  check: z.literal('shardStrategy'),
  op: z.enum(['==', '!=', 'in']),
  value: z.union([z.string().max(40), z.array(z.string().max(40)).min(1)]),
  ...common,
});

/**
 * What a figure check may also require: the change the step teaches (a replica serves reads, PgBouncer
 * carries the traffic, the app reads its own writes). A figure can drift to its target alone (a cache warms up, a database refuses the
 * connections it cannot hold): with `requires` it is met only while the cause holds too.
 */
export const requirementSchema = z.discriminatedUnion('check', [metricCheck, increaseCheck, throughCheck, countCheck, settingCheck, poolsCheck, shardStrategyCheck]);
export type Requirement = z.output<typeof requirementSchema>;
const requires = { requires: z.array(requirementSchema).min(1).max(3).optional() };

export const checkSchema = z.discriminatedUnion('check', [
  metricCheck.extend(requires),
  increaseCheck.extend(requires),
  throughCheck,
  countCheck,
  settingCheck,
  consoleCheck,
  poolsCheck.extend(requires),
  shardStrategyCheck,
]);
export type Check = z.output<typeof checkSchema>;

export const stepSchema = z.strictObject({
  id,
  title: z.string().min(1).max(100),
  text: markdown,
  demonstration: z.array(commandSchema).max(50).default([]),
  goal: z.array(checkSchema).min(1).max(10),
  hints: z.array(z.string().min(1).max(600)).max(10).default([]),
  solution: z.array(commandSchema).min(1).max(50),
});
export type LessonStep = z.output<typeof stepSchema>;

export const lessonSchema = z
  .strictObject({
    id,
    title: z.string().min(1).max(100),
    summary: z.string().min(1).max(400),
    level: z.enum(['beginner', 'intermediate', 'advanced']),
    patterns: z.array(z.enum(PATTERNS)).min(1),
    /** Sort order within the lessons list. */
    order: z.number().int().default(100),
    /** A scenario file next to the lessons (`scenarios/pgbouncer.json`), or a scenario inline. */
    scenario: z.union([z.string().regex(/^scenarios\/[a-z0-9_.-]+\.json$/, 'a file such as scenarios/single-primary.json'), z.record(z.string(), z.unknown())]),
    /** NODE.SETTING=VALUE, workload.FIELD=VALUE or run.FIELD=VALUE applied to the start scenario (sim's applyOverrides). */
    overrides: z.array(z.string().max(500)).max(50).default([]),
    steps: z.array(stepSchema).min(1).max(20),
  })
  .superRefine((l, ctx) => {
    const seen = new Set<string>();
    l.steps.forEach((s, i) => {
      if (seen.has(s.id)) ctx.addIssue({ code: 'custom', path: ['steps', i, 'id'], message: `duplicate step id ${s.id}` });
      seen.add(s.id);
    });
  });
export type Lesson = z.output<typeof lessonSchema>;
