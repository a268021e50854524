/**
 * Scripted scenes for a talk: data, never code, like a lesson. A scene names a start scenario and lists
 * steps, each a caption (Markdown, no raw HTML) and the commands that play when the presenter moves to it
 * (PageDown on a clicker): the sim's own (faults, settings, workload, console SQL, pacing) and the scene's
 * time and trace moves (go back to a moment, fork there, follow requests, show a tab). `keys` name the nodes
 * the K (kill) and P (promote) keys act on, for what the audience asks.
 */
import { z } from 'zod';
import { commandSchemas } from '../sim/index.ts';
import { durationSchema, runSqlCommand } from './schema.ts';

const id = z.string().regex(/^[a-z][a-z0-9_-]{0,31}$/, 'an id of lower-case letters, digits, - and _, starting with a letter');
const nodeId = z.string().min(1).max(64);

/** Markdown without raw HTML, as in lessons: the player shows it as text. */
const caption = z
  .union([z.string().min(1).max(1000), z.array(z.string().max(400)).min(1).max(12)])
  .transform((t) => (Array.isArray(t) ? t.join('\n') : t))
  .refine((t) => !/<\/?[A-Za-z!][^>]*>/.test(t), 'raw HTML is not allowed in a caption (write Markdown)');

const sim = commandSchemas;
/** Run (paced as set); with `for`, for that much simulated time, then pause. */
const run = z.strictObject({ do: z.literal('run'), for: durationSchema.optional() });
/** Show the run as it was at `to` (the time scrubber); `live` goes back to now. */
const rewind = z.strictObject({ do: z.literal('rewind'), to: durationSchema });
const live = z.strictObject({ do: z.literal('live') });
/** Fork the run at the moment shown (after a rewind): what follows is the fork, the original dashed beside it. */
const fork = z.strictObject({ do: z.literal('fork') });
/** Follow requests from now on (or stop). */
const follow = z.strictObject({ do: z.literal('follow'), on: z.boolean() });
/** Show the path of the slowest followed request. */
const followSlowest = z.strictObject({ do: z.literal('followSlowest') });
const show = z.strictObject({ do: z.literal('show'), tab: z.enum(['metrics', 'console', 'events', 'stale', 'trace']) });

export const sceneCommandSchema = z.union([
  sim.fault,
  sim.setNodeSetting,
  sim.setWorkload,
  sim.stopWorkload,
  sim.pause,
  sim.setSpeed,
  sim.step,
  runSqlCommand,
  run,
  rewind,
  live,
  fork,
  follow,
  followSlowest,
  show,
]);
export type SceneCommand = z.output<typeof sceneCommandSchema>;

export const sceneSchema = z.strictObject({
  id,
  title: z.string().min(1).max(120),
  /** A scenario file in lessons/scenarios/. */
  scenario: z.string().regex(/^[a-z0-9_-]+\.json$/, 'a file name in lessons/scenarios/, such as pgbouncer-replicas.json'),
  /** The nodes the K (kill) and P (promote) keys act on. */
  keys: z.strictObject({ kill: nodeId.optional(), promote: nodeId.optional() }).default({}),
  steps: z.array(z.strictObject({ caption, do: z.array(sceneCommandSchema).max(20).default([]) })).min(1).max(60),
});
export type Scene = z.output<typeof sceneSchema>;

export type SceneResult = { ok: true; scene: Scene } | { ok: false; errors: string[] };

/**
 * Validates a scene file's text; `scenarioNodes` are the node ids of the scenario it names (undefined: no
 * such scenario), so a command or a key naming a node that is not there is an error of the file.
 */
export function parseScene(text: string, scenarioNodes: (file: string) => string[] | undefined): SceneResult {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    return { ok: false, errors: [`not JSON: ${(e as Error).message}`] };
  }
  const r = sceneSchema.safeParse(raw);
  if (!r.success) return { ok: false, errors: r.error.issues.map((i) => `${i.path.join('.') || 'scene'}: ${i.message}`) };
  const scene = r.data;
  const nodes = scenarioNodes(scene.scenario);
  if (!nodes) return { ok: false, errors: [`scenario: no lessons/scenarios/${scene.scenario}`] };
  const errors: string[] = [];
  const check = (where: string, node: string | undefined) => {
    if (node !== undefined && !nodes.includes(node)) errors.push(`${where}: no node "${node}" in ${scene.scenario} (it has ${nodes.join(', ')})`);
  };
  check('keys.kill', scene.keys.kill);
  check('keys.promote', scene.keys.promote);
  // a fork needs a moment shown: a rewind earlier in the scene
  let rewound = false;
  for (const [i, step] of scene.steps.entries()) {
    for (const [j, c] of step.do.entries()) {
      const where = `steps.${i}.do.${j}`;
      if (c.do === 'fault') check(where, c.fault.node);
      else if (c.do === 'setNodeSetting' || c.do === 'runSql') check(where, c.node);
      else if (c.do === 'rewind') rewound = true;
      else if (c.do === 'live') rewound = false;
      else if (c.do === 'fork') {
        if (!rewound) errors.push(`${where}: fork comes after a rewind (it forks at the moment shown)`);
        rewound = false;
      }
    }
  }
  return errors.length ? { ok: false, errors } : { ok: true, scene };
}
