/**
 * TestSim: readable model tests in virtual time. A topology in one line, time advanced by a duration,
 * figures read by name:
 *
 *   const t = await TestSim.start('app -> pgbouncer -> primary -> replica1', {
 *     settings: { pgbouncer: { pool_mode: 'transaction' } },
 *     workload: { clients: 20 },
 *   });
 *   await t.advance('2s');
 *   expect(t.node('primary').connections).toBe(20);
 *
 * A topology is chains of node ids joined by `->`, separated by commas (`app -> primary, app -> replica1`).
 * A kind comes from the id (app*, pgbouncer* or pgb*, primary*, replica*, pg*, shard* and postgres* are
 * postgres, and any registered kind's name) or is given after a colon (`db:postgres`).
 *
 * The engine is the stand-in (sim/engine/StandInEngine.ts: no SQL run, fixed costs, instant) unless
 * `engine: 'pglite'` asks for real PGlite. TESTSIM_ENGINE=pglite runs every TestSim on PGlite, to check
 * that model tests hold on the real engine and to compare their wall time. Simulations close after the
 * file's tests (harness.ts).
 */
import type { z } from 'zod';
import { standInEngineFactory } from '../../sim/engine/StandInEngine.ts';
import {
  buildReport,
  type NodeSnapshot,
  nodeKinds,
  parseDuration,
  type Report,
  type SimEvent,
  type Simulation,
  type workloadSchema,
} from '../../sim/index.ts';
import { engines, scenario, startSim } from './harness.ts';

export interface TestSimOptions {
  /** The run's seed (default 1). */
  seed?: number;
  /** Settings per node id: `{ primary: { max_connections: 50 } }`. */
  settings?: Record<string, Record<string, unknown>>;
  /** The scenario's workload (its defaults for what is left out). */
  workload?: z.input<typeof workloadSchema>;
  /** One-way latency of every edge (default: the scenario's, 0.5ms). */
  latency?: string;
  /** Jitter of every edge and its shape (default: none). */
  jitter?: string;
  distribution?: 'uniform' | 'normal' | 'pareto' | 'paretonormal';
  engine?: 'stand-in' | 'pglite';
  /** The stand-in's pg_database_size() (see StandInOptions). */
  databaseBytes?: number;
}

const ALIASES: [RegExp, string][] = [
  [/^(pgbouncer|pgb)/, 'pgbouncer'],
  [/^(primary|replica|pg|shard|postgres)/, 'postgres'],
];

function kindOf(id: string): string {
  const kind = ALIASES.find(([re]) => re.test(id))?.[1] ?? nodeKinds().find((k) => id.startsWith(k.kind))?.kind;
  if (!kind) throw new Error(`TestSim: no kind for node "${id}": name it after its kind or write "${id}:kind"`);
  return kind;
}

/** Nodes (in order of first mention) and edges of a one-line topology. */
export function parseTopology(line: string): { nodes: { id: string; kind: string }[]; edges: { from: string; to: string }[] } {
  const kinds = new Map<string, string>();
  const edges: { from: string; to: string }[] = [];
  for (const chain of line.split(',')) {
    const ids = chain.split('->').map((part) => {
      const [id, kind] = part.trim().split(':');
      if (!kinds.has(id) || kind) kinds.set(id, kind ?? kindOf(id));
      return id;
    });
    for (let i = 1; i < ids.length; i++) edges.push({ from: ids[i - 1], to: ids[i] });
  }
  return { nodes: [...kinds].map(([id, kind]) => ({ id, kind })), edges };
}

export class TestSim {
  private constructor(
    /** The simulation itself, for the rest of its public API (faults, settings, snapshots). */
    readonly sim: Simulation,
  ) {}

  static async start(topology: string, o: TestSimOptions = {}): Promise<TestSim> {
    const { nodes, edges } = parseTopology(topology);
    const s = scenario({
      name: `TestSim: ${topology}`,
      nodes: nodes.map((n) => ({ ...n, settings: o.settings?.[n.id] ?? {} })),
      edges: edges.map((e) => ({
        ...e,
        ...(o.latency !== undefined ? { latency: o.latency } : {}),
        ...(o.jitter !== undefined ? { jitter: o.jitter } : {}),
        ...(o.distribution !== undefined ? { distribution: o.distribution } : {}),
      })),
      workload: o.workload ?? {},
      run: { seed: o.seed ?? 1 },
    });
    const engine = process.env.TESTSIM_ENGINE ?? o.engine ?? 'stand-in';
    return new TestSim(await startSim(s, { engines: engine === 'pglite' ? engines : standInEngineFactory({ databaseBytes: o.databaseBytes }) }));
  }

  /** Runs the simulation for a duration of virtual time (`'2s'`, `'500ms'`). */
  async advance(duration: string): Promise<void> {
    const us = parseDuration(duration);
    if (us === undefined) throw new Error(`TestSim: not a duration: ${duration}`);
    await this.sim.runUntil(this.sim.now + us);
  }

  /** A node's figures now: its snapshot, typed as its kind's (`t.node<PgBouncerSnapshot>('pgbouncer')`). */
  node<T extends NodeSnapshot = NodeSnapshot>(id: string): T {
    const n = this.sim.nodes.get(id);
    if (!n) throw new Error(`TestSim: no node "${id}"`);
    return n.snapshot() as T;
  }

  /** The run's report so far (latency percentiles, errors by code, per-node figures). */
  report(): Report {
    return buildReport(this.sim, [], 0);
  }

  /** Events of the run, of one type if given. */
  events(type?: SimEvent['type']): SimEvent[] {
    return type ? this.sim.events.filter((e) => e.type === type) : this.sim.events;
  }

  /** A console statement on a node, now (real SQL needs `engine: 'pglite'`; a pooler's admin console works on both). */
  sql(node: string, query: string) {
    return this.sim.apply({ do: 'runSql', node, sql: query });
  }
}
