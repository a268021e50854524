/**
 * The one schema of a scenario file: topology (nodes with their kind's settings, edges), workload and
 * run settings. Built from the node-kind registry, so a new kind adds its settings here by registering.
 * Unknown keys are errors; omitted settings get their documented defaults.
 */
import { z } from 'zod';
import { JITTER_DISTRIBUTIONS } from '../net/Link.ts';
import { isReplicationEdge, nodeKind, nodeKinds } from '../nodes/registry.ts';
import { replicationProblem } from '../replication/topology.ts';
import { DEFAULT_REGION_ROUND_TRIPS, regionRoundTrip, regionRoundTripsSchema, regionSchema } from '../sharding/regions.ts';
import { shardMapSchema } from '../sharding/shardMap.ts';
import { maxPlaceholder } from '../workload/operations.ts';
import { workloadSchema } from '../workload/schema.ts';
import { enumSetting, intSetting, timeSetting } from './settings.ts';
import { shardingIssues } from './sharding.ts';

export const nodeIdSchema = z
  .string()
  .regex(/^[a-z][a-z0-9_-]{0,31}$/, 'an id of lower-case letters, digits, - and _, starting with a letter (at most 32)');

export const edgeSchema = z.strictObject({
  from: nodeIdSchema,
  to: nodeIdSchema,
  latency: timeSetting('0.5ms', 'ms', '0ms', '10s', { context: 'user', help: 'One-way network latency of the link.' }),
  jitter: timeSetting('0ms', 'ms', '0ms', '10s', {
    context: 'user',
    help: "Spread of each message's one-way delay around the latency, as netem's `delay LATENCY JITTER`: each message draws its own (0: none).",
  }),
  distribution: enumSetting(JITTER_DISTRIBUTIONS, 'uniform', {
    context: 'user',
    help: "Shape of the jitter, as netem's `distribution`: uniform (latency ± jitter, netem's default), normal (jitter is the standard deviation), pareto (a long tail of late messages), paretonormal (a mix).",
  }),
});

export const runSchema = z.strictObject({
  seed: intSetting(1, 0, 2 ** 32 - 1, { context: 'user', help: 'Seed of every random stream: same scenario and seed, same result.' }),
  duration: timeSetting('30s', 's', '100ms', '24h', { context: 'user', help: 'Simulated time a headless run covers.' }),
});

const positionSchema = z.strictObject({ x: z.number().finite(), y: z.number().finite() });

function buildScenarioSchema() {
  const kinds = nodeKinds();
  if (kinds.length === 0) throw new Error('no node kinds registered: import sim/nodes/index.ts first');
  const nodeSchemas = kinds.map((k) =>
    z.strictObject({
      id: nodeIdSchema,
      kind: z.literal(k.kind),
      label: z.string().max(60).optional(),
      position: positionSchema.optional(),
      /** Its region (sim/sharding/regions.ts): an edge between two nodes with regions has their round trip. */
      region: regionSchema.optional(),
      // prefault: an omitted object is parsed as {}, so its own defaults are filled in
      settings: k.settings.prefault({} as never),
    }),
  );
  const nodeSchema = z.discriminatedUnion('kind', nodeSchemas as unknown as [z.ZodObject, ...z.ZodObject[]], {
    error: (iss) =>
      iss.code === 'invalid_union' ? `unknown node kind; expected one of ${kinds.map((k) => k.kind).join(', ')}` : undefined,
  });
  return z
    .strictObject({
      name: z.string().min(1).max(100).default('Untitled scenario'),
      description: z.string().max(5000).optional(),
      nodes: z.array(nodeSchema).min(1).max(64),
      edges: z.array(edgeSchema).max(512).default([]),
      workload: workloadSchema.prefault({} as never),
      run: runSchema.prefault({} as never),
      /** The shard map (sim/sharding/shardMap.ts): absent, the scenario is not sharded. */
      sharding: shardMapSchema.optional(),
      /** Round trips between regions, replacing the default table (sim/sharding/regions.ts). */
      regions: regionRoundTripsSchema.optional(),
    })
    .superRefine((s, ctx) => {
      const ids = new Map<string, string>();
      (s.nodes as unknown as { id: string; kind: string }[]).forEach((n, i) => {
        if (ids.has(n.id)) ctx.addIssue({ code: 'custom', path: ['nodes', i, 'id'], message: `duplicate node id ${n.id}` });
        ids.set(n.id, n.kind);
      });
      const seen = new Set<string>();
      const regionOf = new Map((s.nodes as unknown as { id: string; region?: string }[]).map((n) => [n.id, n.region]));
      s.edges.forEach((e, i) => {
        const [a, b] = [regionOf.get(e.from), regionOf.get(e.to)];
        if (a && b && regionRoundTrip(a, b, s.regions ?? DEFAULT_REGION_ROUND_TRIPS) === undefined) {
          ctx.addIssue({ code: 'custom', path: ['edges', i], message: `no round trip between regions ${a} and ${b}: add it to the scenario's regions.between` });
        }
        const from = ids.get(e.from);
        const to = ids.get(e.to);
        if (!from) ctx.addIssue({ code: 'custom', path: ['edges', i, 'from'], message: `no node ${e.from}` });
        if (!to) ctx.addIssue({ code: 'custom', path: ['edges', i, 'to'], message: `no node ${e.to}` });
        if (from && to) {
          const why = edgeProblem(from, to, e.from === e.to);
          if (why) ctx.addIssue({ code: 'custom', path: ['edges', i], message: why });
        }
        const key = `${e.from}->${e.to}`;
        if (seen.has(key)) ctx.addIssue({ code: 'custom', path: ['edges', i], message: `duplicate edge ${key}` });
        seen.add(key);
      });
      const problem = replicationProblem(s.edges, (e) => isReplicationEdge(ids.get(e.from), ids.get(e.to)));
      if (problem) ctx.addIssue({ code: 'custom', path: ['edges', problem.edge], message: problem.message });
      if (s.sharding) {
        for (const issue of shardingIssues(s as unknown as Parameters<typeof shardingIssues>[0], s.sharding)) ctx.addIssue({ code: 'custom', ...issue });
      }
      s.workload.operations?.forEach((op, i) => {
        const need = maxPlaceholder(op);
        if (need > op.params.length) {
          ctx.addIssue({
            code: 'custom',
            path: ['workload', 'operations', i, 'params'],
            message: `the SQL uses $${need} but only ${op.params.length} parameter(s) are given`,
          });
        }
      });
      // a scripted step's endpoint is one an app node has an edge to; its values fill its $n
      const apps = new Set(s.nodes.filter((n) => nodeKind(n.kind as string)?.counts === 'requests').map((n) => n.id as string));
      s.workload.scripts?.forEach((script, i) => {
        script.steps.forEach((step, j) => {
          if ('wait' in step) return;
          const path = ['workload', 'scripts', i, 'steps', j];
          const need = maxPlaceholder({ sql: step.sql } as never);
          if (need > step.params.length) ctx.addIssue({ code: 'custom', path: [...path, 'params'], message: `the SQL uses $${need} but only ${step.params.length} value(s) are given` });
          if (step.on !== undefined && !s.edges.some((e) => e.to === step.on && apps.has(e.from))) {
            ctx.addIssue({ code: 'custom', path: [...path, 'on'], message: `no app node has an edge to ${step.on}` });
          }
        });
      });
    });
}

/** Why a link from a node of kind `from` to one of kind `to` makes no sense, or undefined when it does. */
export function edgeProblem(from: string, to: string, selfLoop = false): string | undefined {
  if (selfLoop) return 'a node cannot connect to itself';
  const def = nodeKind(from);
  if (!def) return `unknown node kind ${from}`;
  if (!def.connectsTo.includes(to)) {
    return def.connectsTo.length === 0
      ? `a ${from} node does not open connections to other nodes`
      : `a ${from} node connects to ${def.connectsTo.join(' or ')} nodes, not to a ${to} node`;
  }
  return undefined;
}

let cached: ReturnType<typeof buildScenarioSchema> | undefined;
let cachedKinds = 0;

export function scenarioSchema() {
  if (!cached || cachedKinds !== nodeKinds().length) {
    cached = buildScenarioSchema();
    cachedKinds = nodeKinds().length;
  }
  return cached;
}

export interface ScenarioNode {
  id: string;
  kind: string;
  label?: string;
  position?: { x: number; y: number };
  region?: string;
  settings: Record<string, unknown>;
}

export type Scenario = Omit<z.output<ReturnType<typeof buildScenarioSchema>>, 'nodes'> & { nodes: ScenarioNode[] };
export type ScenarioEdge = z.output<typeof edgeSchema>;
