/**
 * The commands that drive a simulation: one union for the app, the lessons, the CLI and the tests.
 * Plain data (structured-cloneable, JSON) validated by zod, so a run is its scenario, its seed and its
 * journal of (virtual time, command). A bad command (an unknown kind, a value out of range, NaN) is
 * refused with a clear error and changes nothing.
 *
 * Who applies what:
 * - `SimCommand`s change the model: topology edits, settings, workload, faults, console SQL.
 *   `Simulation.apply` is their only way in; it applies each at the current virtual time, between
 *   events, and journals it (`JournalEntry`).
 * - `RunCommand`s pace virtual time to the wall clock: run, pause, step, setSpeed. They are the runner's
 *   (sim/runner/Runner.ts), which passes every other command on to `Simulation.apply`. They change when
 *   things happen on the wall clock, never what happens, so they are not journaled: the journal's times
 *   say when each command applied, and a replay advances virtual time itself.
 */
import { z } from 'zod';
import type { ConsoleResult } from './contracts.ts';
import { type SimError, simError } from './errors.ts';
import { parseTime } from './units.ts';

/** A node id; whether the node exists is the simulation's to check. */
const node = z.string().min(1).max(64);
const settingName = z.string().min(1).max(60);

/** A time: a number in `unit`, or a string with its unit (`50ms`, `2s`), from 0 to `maxUs`. */
function time(baseUs: number, unit: string, maxUs: number) {
  const error = `a time such as 50ms or 2s (a bare number is in ${unit}), at most ${maxUs / 1e6} s`;
  return z.union([z.number(), z.string().max(40)], { error }).refine((v) => (parseTime(v, baseUs) ?? Number.POSITIVE_INFINITY) <= maxUs, error);
}

export const faultSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.enum(['stop', 'start', 'kill', 'promote']), node }),
  /**
   * Replay `applyFactor` times slower (a slow disk, a busy replica) and/or `linkDelay` more one-way latency
   * on the replica's link (a congested network), for `duration` (a time such as 5s) or until the next spike.
   */
  z.strictObject({
    kind: z.literal('lag-spike'),
    node,
    applyFactor: z.number().min(1, 'applyFactor: at least 1 (1 is the normal replay speed)').max(10_000, 'applyFactor: at most 10000 times slower').optional(),
    linkDelay: time(1e3, 'ms', 60e6).optional(),
    duration: time(1e6, 's', 3600e6).optional(),
  }),
]);

/** A fault on a node: stop/start a postgres node, kill it, promote a replica, or a lag spike on a replica. */
export type FaultCommand = z.output<typeof faultSchema>;

const position = z.strictObject({ x: z.number(), y: z.number() });
const json = z.json();
/** A value a command carries (a setting's): plain JSON, so a journal is a file. */
export type JsonValue = z.output<typeof json>;

/** Every command's schema, by its `do`. */
export const commandSchemas = {
  // ---- topology edits: a running simulation answers restart-required (see Simulation.apply) ----
  addNode: z.strictObject({
    do: z.literal('addNode'),
    id: node,
    kind: z.string().min(1).max(40),
    label: z.string().max(60).optional(),
    position: position.optional(),
    settings: z.record(z.string(), json).default({}),
  }),
  removeNode: z.strictObject({ do: z.literal('removeNode'), id: node }),
  addEdge: z.strictObject({ do: z.literal('addEdge'), from: node, to: node, latency: z.union([z.number(), z.string().max(40)]).optional() }),
  removeEdge: z.strictObject({ do: z.literal('removeEdge'), from: node, to: node }),
  // ---- settings, workload, faults, console ----
  /** A node's setting, validated by its kind's schema: applied at once, or restart-required (PostgreSQL's `postmaster` context). */
  setNodeSetting: z.strictObject({ do: z.literal('setNodeSetting'), node, name: settingName, value: json }),
  /** Workload fields (clients, think_time, mode, arrival_rate ...), merged into the workload. */
  setWorkload: z.strictObject({ do: z.literal('setWorkload'), set: z.record(z.string(), json) }),
  /** The workload sends no new requests; those in flight finish. */
  stopWorkload: z.strictObject({ do: z.literal('stopWorkload') }),
  fault: z.strictObject({ do: z.literal('fault'), fault: faultSchema }),
  /**
   * Re-points `node` (a pooler, an app) from the database node `from` to `to`, as moving a VIP, a DNS name
   * or an HAProxy backend does after a failover: its link goes to `to` now (same latency), and a pooler's
   * [databases] entries whose host= was `from` name `to`, so its server connections reconnect there.
   */
  repoint: z.strictObject({ do: z.literal('repoint'), node, from: node, to: node }),
  /**
   * Reshards a sharded run onto `shards` (each a shard or spare shard of its map): the map's rule follows the
   * new shards (modulo, hash partitions, a ring; virtual shards rebalanced), or `strategy` replaces it (new
   * range boundaries, a placement). The rows move for real after the copy's modelled time (sim/sharding/reshard.ts).
   */
  reshard: z.strictObject({ do: z.literal('reshard'), shards: z.array(node).min(1).max(64), strategy: z.record(z.string(), json).optional() }),
  /** A console statement on a node (SQL, or the admin console's language on a pooler). */
  runSql: z.strictObject({ do: z.literal('runSql'), node, sql: z.string().min(1).max(20_000) }),
  // ---- run control: the runner's ----
  /** Run paced to the wall clock until the scenario's duration (or a pause). */
  run: z.strictObject({ do: z.literal('run') }),
  pause: z.strictObject({ do: z.literal('pause') }),
  /** Advance `us` microseconds of virtual time (default 100 ms), paused. */
  step: z.strictObject({ do: z.literal('step'), us: z.number().positive().max(3600e6).optional() }),
  /** Virtual seconds per wall second, or as fast as the engines go. */
  setSpeed: z.strictObject({ do: z.literal('setSpeed'), speed: z.union([z.literal('max'), z.number().min(0.1).max(1000)], { error: 'max, or a number from 0.1 to 1000' }) }),
};

type Schemas = typeof commandSchemas;
/** The one command union. */
export type Command = { [K in keyof Schemas]: z.output<Schemas[K]> }[keyof Schemas];
export type CommandKind = Command['do'];
export const RUN_COMMANDS = ['run', 'pause', 'step', 'setSpeed'] as const;
/** Run control: pacing virtual time to the wall clock (the runner's). */
export type RunCommand = Extract<Command, { do: (typeof RUN_COMMANDS)[number] }>;
/** What `Simulation.apply` takes: everything that changes the model. */
export type SimCommand = Exclude<Command, RunCommand>;
/** The commands that edit a scenario as data (sim/scenario/edit.ts). */
export type ScenarioEditCommand = Extract<SimCommand, { do: 'addNode' | 'removeNode' | 'addEdge' | 'removeEdge' | 'setNodeSetting' | 'setWorkload' }>;

export function isRunCommand(c: unknown): c is RunCommand {
  return (RUN_COMMANDS as readonly unknown[]).includes((c as { do?: unknown } | null)?.do);
}

/** What an applied command answers: it took effect, or it is recorded for when the run restarts. */
export interface CommandOutcome {
  outcome: 'applied' | 'restart-required';
  /** What happened, in a sentence for a student. */
  message: string;
}

/** What `Simulation.apply` answers: a console statement's result, or whether the command took effect now. */
export type CommandResult<C extends SimCommand> = C extends { do: 'runSql' } ? ConsoleResult : CommandOutcome;

/** A command refused: not valid, a node that is not there, or refused by the model (it changed nothing). */
export class CommandError extends Error {
  readonly error: SimError;
  constructor(code: 'invalid_command' | 'unknown_node' | 'command_refused', message: string) {
    super(message);
    this.error = simError(code, { message });
  }
}

/** Validates a command (its shape and values; not whether its nodes exist). Throws a CommandError. */
export function parseCommand(input: unknown): Command {
  const kind = (input as { do?: unknown } | null)?.do;
  if (typeof kind !== 'string') throw new CommandError('invalid_command', 'a command is an object with a "do" field, such as {"do": "runSql", ...}');
  if (!Object.hasOwn(commandSchemas, kind)) {
    throw new CommandError('invalid_command', `unknown command "${kind.slice(0, 40)}"; expected one of ${Object.keys(commandSchemas).join(', ')}`);
  }
  const r = commandSchemas[kind as CommandKind].safeParse(input);
  if (r.success) return r.data as Command;
  const issues = r.error.issues.map((i) => {
    const where = i.path.join('.');
    const message = i.code === 'unrecognized_keys' ? `unknown key${i.keys.length > 1 ? 's' : ''} ${i.keys.map((k) => `"${k}"`).join(', ')}` : i.message;
    return where ? `${where}: ${message}` : message;
  });
  throw new CommandError('invalid_command', `${kind}: ${issues.join('; ')}`);
}

/** One command the simulation applied, and when. */
export interface JournalEntry {
  /** Virtual time it took effect, microseconds. */
  at: number;
  command: SimCommand;
  /**
   * Set when the command was scheduled before the run started (in the journal a simulation was created
   * with): it ran as an event at `at`, before the events the run itself put at that microsecond. Unset,
   * it applied between events, after every event due at `at`, as a command of the app, a lesson, the CLI
   * or a test does between two stretches of virtual time.
   */
  scheduled?: true;
}

const entrySchema = z.strictObject({
  /** Microseconds, or a time with its unit (`1.5s`). */
  at: z.union([z.number(), z.string().max(40)]).refine((v) => (parseTime(v, 1) ?? Number.POSITIVE_INFINITY) <= 86_400e6, 'a virtual time: microseconds, or a time such as 1.5s (at most 24h)'),
  command: z.unknown(),
  scheduled: z.literal(true).optional(),
});

/** Validates a journal (a run's, or one written by hand): entries in time order, each a valid SimCommand. Throws a CommandError. */
export function parseJournal(input: unknown): JournalEntry[] {
  if (!Array.isArray(input)) throw new CommandError('invalid_command', 'a journal is a list of {"at": ..., "command": {...}}');
  let last = 0;
  return input.map((raw, i) => {
    const where = `journal entry ${i + 1}`;
    const e = entrySchema.safeParse(raw);
    if (!e.success) throw new CommandError('invalid_command', `${where}: ${e.error.issues.map((x) => `${x.path.join('.') || 'entry'}: ${x.message}`).join('; ')}`);
    const at = parseTime(e.data.at, 1)!;
    if (at < last) throw new CommandError('invalid_command', `${where}: at ${at / 1e6} s is before the entry above it (a journal is in time order)`);
    last = at;
    let command: Command;
    try {
      command = parseCommand(e.data.command);
    } catch (err) {
      throw new CommandError('invalid_command', `${where}: ${(err as Error).message}`);
    }
    if (isRunCommand(command)) throw new CommandError('invalid_command', `${where}: ${command.do} is run control (the runner's), not a journaled command`);
    return { at, command, ...(e.data.scheduled ? { scheduled: true as const } : {}) };
  });
}
