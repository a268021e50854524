/**
 * Property tests of the scenario schema: whatever a scenario file holds, parsing gives a scenario or a
 * list of issues with paths, never a crash; unknown keys are refused; defaults are filled in.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { applyOverrides, edgeProblem, parseScenario, parseScenarioText, type Scenario } from '../../sim/index.ts';

type ParseResult = ReturnType<typeof parseScenario>;
type Path = (string | number)[];

/** A valid scenario like lessons/scenarios/single-primary.json, with an operation and a label too. */
const BASE = {
  name: 'Single primary',
  description: 'Two app server instances talking to one PostgreSQL primary.',
  nodes: [
    { id: 'app', kind: 'app', label: 'App servers', position: { x: 0, y: 0 }, settings: { instances: 2, pool_size: 10 } },
    {
      id: 'primary',
      kind: 'postgres',
      position: { x: 320, y: 0 },
      settings: { cores: 4, ram: '16GB', shared_buffers: '4GB', work_mem: '4MB', effective_cache_size: '12GB' },
    },
  ],
  edges: [{ from: 'app', to: 'primary', latency: '0.5ms' }],
  workload: {
    mode: 'closed',
    clients: 40,
    think_time: '20ms',
    data: { users: 10000, orders_per_user: 5 },
    operations: [
      { name: 'get_user', weight: 1, sql: 'SELECT * FROM users WHERE id = $1', params: [{ dist: 'uniform', min: 1, max: 10000 }] },
    ],
  },
  run: { seed: 1, duration: '30s' },
};

/** Keys the schema accepts that may be absent from a parsed scenario (optional, no default). */
const OPTIONAL_KEYS = new Set(['label', 'position', 'description', 'setup_sql', 'operations', 'read_only']);

const clone = <T>(v: T): T => structuredClone(v);

function parsedBase(): Scenario {
  const r = parseScenario(clone(BASE));
  if (!r.ok) throw new Error(`the base scenario does not parse: ${JSON.stringify(r.issues)}`);
  return r.scenario;
}

/** Whether no object with defaults (a node's settings, workload, run) came out empty. */
function defaultsFilled(s: Scenario): boolean {
  const filled = (o: object) => Object.keys(o).length > 0;
  return filled(s.workload) && filled(s.run) && s.nodes.every((n) => filled(n.settings));
}

/** The shape every parse result must have, valid input or not. */
function expectWellFormed(r: ParseResult): void {
  expect(typeof r.ok).toBe('boolean');
  if (r.ok) {
    expect(r.scenario).toBeTypeOf('object');
    expect(Array.isArray(r.scenario.nodes)).toBe(true);
    expect(r.scenario.nodes.length).toBeGreaterThan(0);
    // A parsed scenario parses again. With its defaults filled in it is a fixed point of the parser and
    // survives JSON. (An omitted settings, workload or run object comes out empty, unfilled: a known bug,
    // see 'KNOWN BUG: omitted objects ...' below; so the fixed point is checked when none is empty.)
    const again = parseScenario(r.scenario);
    expect(again.ok).toBe(true);
    if (!again.ok) return;
    if (defaultsFilled(r.scenario)) expect(again.scenario).toEqual(r.scenario);
    expect(defaultsFilled(again.scenario)).toBe(true);
    const third = parseScenario(again.scenario);
    expect(third.ok && third.scenario).toEqual(again.scenario);
    const text = parseScenarioText(JSON.stringify(again.scenario));
    expect(text.ok).toBe(true);
    if (text.ok) expect(JSON.stringify(text.scenario)).toBe(JSON.stringify(again.scenario));
  } else {
    expect(Array.isArray(r.issues)).toBe(true);
    expect(r.issues.length).toBeGreaterThan(0);
    const bad = r.issues.filter((i) => typeof i.path !== 'string' || i.path.length === 0 || typeof i.message !== 'string' || i.message.length === 0);
    expect(bad).toEqual([]);
  }
}

/** parseScenario, failing the test (with the input) if it throws. */
function parseNeverThrows(input: unknown): ParseResult {
  try {
    return parseScenario(input);
  } catch (e) {
    throw new Error(`parseScenario threw: ${(e as Error)?.stack ?? e}`);
  }
}

function get(root: unknown, path: Path): unknown {
  let v = root as any;
  for (const p of path) v = v?.[p];
  return v;
}

/** Every path in a JSON value, root first, with what sits there. */
function paths(v: unknown, at: Path = []): { path: Path; kind: 'object' | 'array' | 'leaf' }[] {
  if (Array.isArray(v)) return [{ path: at, kind: 'array' }, ...v.flatMap((x, i) => paths(x, [...at, i]))];
  if (v !== null && typeof v === 'object') {
    return [{ path: at, kind: 'object' }, ...Object.entries(v).flatMap(([k, x]) => paths(x, [...at, k]))];
  }
  return [{ path: at, kind: 'leaf' }];
}

const BASE_PATHS = paths(BASE);
const NON_ROOT = BASE_PATHS.filter((p) => p.path.length > 0);
const OBJECTS = BASE_PATHS.filter((p) => p.kind === 'object');

/**
 * Whether an issue path names each segment of `path`, in order ('(file)' for the root). A node may be
 * named by its index or its id (`nodes.1 (primary).settings` today).
 */
function mentions(text: string, path: Path): boolean {
  if (path.length === 0) return text === '(file)';
  let from = 0;
  for (const [k, seg] of path.entries()) {
    const names = [String(seg)];
    if (k === 1 && path[0] === 'nodes') names.push(BASE.nodes[seg as number].id);
    const found = names.map((n) => [text.indexOf(n, from), n.length]).filter(([i]) => i >= 0);
    if (found.length === 0) return false;
    from = Math.min(...found.map(([i, len]) => i + len));
  }
  return true;
}

const ADVERSARIAL = fc.anything({
  maxDepth: 4,
  withBigInt: true,
  withBoxedValues: true,
  withDate: true,
  withMap: true,
  withNullPrototype: true,
  withObjectString: true,
  withSet: true,
  withSparseArray: true,
  withTypedArray: true,
});

/** Scenario-shaped garbage: the real keys, mostly plausible values, so validation gets past the root. */
const junk = fc.jsonValue({ maxDepth: 2 });
/** Mostly `good`, sometimes `bad`. */
const mostly = <T, U>(good: fc.Arbitrary<T>, bad: fc.Arbitrary<U>) =>
  fc.oneof({ arbitrary: good, weight: 20 }, { arbitrary: bad, weight: 1 }) as fc.Arbitrary<T | U>;
const nodeish = fc.record(
  {
    id: mostly(fc.constantFrom('app', 'primary', 'replica'), fc.oneof(fc.constantFrom('Bad Id', '', 'x'.repeat(40)), junk)),
    kind: mostly(fc.constantFrom('app', 'postgres'), fc.oneof(fc.constant('mysql'), junk)),
    label: mostly(fc.string({ maxLength: 70 }), junk),
    position: mostly(fc.record({ x: fc.double(), y: fc.double() }), junk),
    settings: mostly(
      fc.dictionary(
        fc.constantFrom('cores', 'ram', 'shared_buffers', 'work_mem', 'max_connections', 'superuser_reserved_connections', 'instances', 'pool_size', 'pool_timeout', 'disk_latency'),
        mostly(fc.integer({ min: 1, max: 8 }), fc.oneof(fc.integer({ min: -5, max: 20000 }), fc.constantFrom('128MB', '1GB', '4MB', 'lots', '10s', '-1', ''), junk)),
        { maxKeys: 3 },
      ),
      junk,
    ),
  },
  { requiredKeys: ['id', 'kind'] },
);
const scenarioish = fc.record(
  {
    name: mostly(fc.string({ minLength: 1, maxLength: 110 }), junk),
    nodes: mostly(fc.array(nodeish, { minLength: 1, maxLength: 4 }), junk),
    edges: mostly(
      fc.array(fc.record({ from: fc.constantFrom('app', 'primary', 'replica', 'ghost'), to: fc.constantFrom('app', 'primary', 'replica', 'ghost'), latency: mostly(fc.constantFrom('0.5ms', 1, '2s'), fc.oneof(fc.constant('20s'), junk)) }, { requiredKeys: ['from', 'to'] }), { maxLength: 2 }),
      junk,
    ),
    workload: mostly(
      fc.record(
        {
          mode: mostly(fc.constantFrom('closed', 'open'), fc.constant('other')),
          clients: mostly(fc.integer({ min: 0, max: 1000 }), fc.integer({ min: -10, max: 200_000 })),
          operations: fc.array(
            fc.record({
              name: mostly(fc.constantFrom('op', 'other_op'), fc.constant('Bad')),
              sql: mostly(fc.constantFrom('SELECT $1', 'SELECT $1, $2', 'SELECT 1'), fc.constant('')),
              params: fc.array(mostly(fc.record({ dist: fc.constantFrom('uniform', 'zipf'), min: fc.integer({ max: 0 }), max: fc.nat() }), fc.record({ dist: fc.constantFrom('uniform', 'zipf', 'list', 'sequential'), min: fc.integer(), max: fc.integer() })), { maxLength: 2 }),
            }),
            { maxLength: 2 },
          ),
        },
        { requiredKeys: [] },
      ),
      junk,
    ),
    run: mostly(fc.record({ seed: mostly(fc.nat(), fc.double()), duration: mostly(fc.constantFrom('30s', '1min', 1), fc.oneof(fc.constant('50ms'), junk)) }, { requiredKeys: [] }), junk),
  },
  { requiredKeys: [] },
);

describe('parseScenario on arbitrary input', () => {
  it('the base scenario is valid', () => {
    expect(parseScenario(clone(BASE)).ok).toBe(true);
  });

  it('never throws on arbitrary values, and gives a scenario or issues with paths', () => {
    fc.assert(
      fc.property(ADVERSARIAL, (v) => {
        expectWellFormed(parseNeverThrows(v));
      }),
      { numRuns: 2000 },
    );
  });

  it('never throws on the text of arbitrary JSON values', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        // A throw fails the property, with the counterexample.
        expectWellFormed(parseScenarioText(JSON.stringify(v)));
      }),
      { numRuns: 2000 },
    );
  });

  it('never throws on random text, and reports bad JSON at (file)', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.string({ unit: fc.constantFrom('{', '}', '[', ']', '"', ':', ',', 'n', '1', ' ') })), (text) => {
        const r = parseScenarioText(text);
        expectWellFormed(r);
        let isJson = true;
        try {
          JSON.parse(text);
        } catch {
          isJson = false;
        }
        if (!isJson) {
          expect(r.ok).toBe(false);
          if (!r.ok) expect(r.issues).toEqual([{ path: '(file)', message: expect.stringMatching(/^not valid JSON/) }]);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('never throws on scenario-shaped garbage, and never mutates its input', () => {
    fc.assert(
      fc.property(scenarioish, (v) => {
        const before = JSON.stringify(v);
        expectWellFormed(parseNeverThrows(v));
        expect(JSON.stringify(v)).toBe(before);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('mutations of a valid scenario', () => {
  const parsed = parsedBase();

  it('setting a random path to a random value never throws', () => {
    fc.assert(
      fc.property(fc.constantFrom(...NON_ROOT), fc.oneof(fc.jsonValue(), ADVERSARIAL), ({ path }, value) => {
        const v = clone(BASE) as any;
        const parent = get(v, path.slice(0, -1)) as any;
        parent[path[path.length - 1]] = value;
        expectWellFormed(parseNeverThrows(v));
      }),
      { numRuns: 2000 },
    );
  });

  it('deleting a random key or array element never throws', () => {
    fc.assert(
      fc.property(fc.constantFrom(...NON_ROOT), ({ path }) => {
        const v = clone(BASE) as any;
        const parent = get(v, path.slice(0, -1)) as any;
        const last = path[path.length - 1];
        if (Array.isArray(parent)) parent.splice(last as number, 1);
        else delete parent[last];
        expectWellFormed(parseNeverThrows(v));
      }),
      { numRuns: 2000 },
    );
  });

  it('an unknown key added to any object is refused, naming the key and where it is', () => {
    const key = fc.oneof(
      fc.string({ maxLength: 12 }),
      fc.constantFrom('__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf', '', ' ', 'cores', 'instances', 'kind', 'shared_bufers', 'Name', 'seed '),
    );
    fc.assert(
      fc.property(fc.constantFrom(...OBJECTS), key, fc.jsonValue(), ({ path }, k, value) => {
        const known = new Set([...Object.keys(get(parsed, path) as object), ...OPTIONAL_KEYS]);
        fc.pre(!known.has(k));
        const v = clone(BASE) as any;
        // defineProperty, so __proto__ becomes an own key as JSON.parse would make it.
        Object.defineProperty(get(v, path), k, { value, enumerable: true, writable: true, configurable: true });
        const r = parseNeverThrows(v);
        expectWellFormed(r);
        expect(r.ok).toBe(false);
        if (r.ok) return;
        const hit = r.issues.find((i) => i.message.includes(`"${k}"`) && mentions(i.path, path));
        expect(hit, `no issue names "${k}" at ${JSON.stringify(path)}: ${JSON.stringify(r.issues)}`).toBeDefined();
        expect(hit!.message).toMatch(/unknown key/);
      }),
      { numRuns: 2000 },
    );
  });

  it('a random combination of mutations never throws', () => {
    const mutation = fc.oneof(
      fc.record({ op: fc.constant('set' as const), at: fc.nat(), value: fc.jsonValue() }),
      fc.record({ op: fc.constant('delete' as const), at: fc.nat() }),
    );
    fc.assert(
      fc.property(fc.array(mutation, { minLength: 1, maxLength: 5 }), (mutations) => {
        const v = clone(BASE) as any;
        for (const m of mutations) {
          const all = paths(v).filter((p) => p.path.length > 0);
          if (all.length === 0) break;
          const { path } = all[m.at % all.length];
          const parent = get(v, path.slice(0, -1)) as any;
          const last = path[path.length - 1];
          if (m.op === 'set') parent[last] = m.value;
          else if (Array.isArray(parent)) parent.splice(last as number, 1);
          else delete parent[last];
        }
        expectWellFormed(parseNeverThrows(v));
      }),
      { numRuns: 2000 },
    );
  });
});

describe('scenario examples', () => {
  const withPrimarySettings = (settings: Record<string, unknown>) => {
    const v = clone(BASE) as any;
    Object.assign(v.nodes[1].settings, settings);
    return parseScenario(v);
  };
  const issuesOf = (r: ParseResult) => {
    expect(r.ok).toBe(false);
    return r.ok ? [] : r.issues;
  };

  it('refuses an unknown setting name, with a path to the settings', () => {
    const issues = issuesOf(withPrimarySettings({ shared_bufers: '1GB' }));
    const hit = issues.find((i) => i.message.includes('shared_bufers'));
    expect(hit).toBeDefined();
    expect(hit!.path).toContain('settings');
    expect(hit!.path).toContain('nodes');
    expect(hit!.path).toMatch(/1|primary/);
  });

  it('refuses an unknown setting of another kind (cores on an app node)', () => {
    const v = clone(BASE) as any;
    v.nodes[0].settings.cores = 4;
    const issues = issuesOf(parseScenario(v));
    expect(issues.some((i) => i.message.includes('"cores"') && i.path.includes('settings'))).toBe(true);
  });

  it.each([0, -1, 10_001, 1.5, '100'])('refuses max_connections = %j', (value) => {
    const issues = issuesOf(withPrimarySettings({ max_connections: value }));
    expect(issues.some((i) => i.path.endsWith('max_connections'))).toBe(true);
  });

  it('accepts max_connections at the ends of its range', () => {
    expect(withPrimarySettings({ max_connections: 10_000 }).ok).toBe(true);
    expect(withPrimarySettings({ max_connections: 4, superuser_reserved_connections: 3 }).ok).toBe(true);
  });

  it('refuses superuser_reserved_connections >= max_connections', () => {
    const issues = issuesOf(withPrimarySettings({ max_connections: 3, superuser_reserved_connections: 3 }));
    expect(issues.some((i) => i.path.endsWith('superuser_reserved_connections') && /less than max_connections/.test(i.message))).toBe(true);
  });

  it.each(['lots', '4 gigabytes', '-1MB', '4gb', ''])('refuses shared_buffers = %j as not a size', (value) => {
    const issues = issuesOf(withPrimarySettings({ shared_buffers: value }));
    const hit = issues.find((i) => i.path.endsWith('shared_buffers'));
    expect(hit?.message).toMatch(/expected a size/);
  });

  it('refuses a size outside the range, and accepts one inside it in base units', () => {
    const issues = issuesOf(withPrimarySettings({ work_mem: '32kB' }));
    expect(issues.some((i) => i.path.endsWith('work_mem') && /outside the allowed range 64kB to 2GB/.test(i.message))).toBe(true);
    // 16384 blocks of 8kB are 128MB.
    expect(withPrimarySettings({ shared_buffers: 16384 }).ok).toBe(true);
    // 8 blocks of 8kB are 64kB, under the 128kB minimum.
    expect(withPrimarySettings({ shared_buffers: 8 }).ok).toBe(false);
  });

  it('refuses duplicate node ids', () => {
    const v = clone(BASE) as any;
    v.nodes.push({ id: 'primary', kind: 'postgres' });
    const issues = issuesOf(parseScenario(v));
    const hit = issues.find((i) => /duplicate node id primary/.test(i.message));
    expect(hit).toBeDefined();
    expect(hit!.path).toMatch(/nodes.*2.*id/);
  });

  it('refuses an edge from postgres to app, with the reason edgeProblem gives', () => {
    const why = edgeProblem('postgres', 'app');
    expect(why).toBeTruthy();
    expect(edgeProblem('app', 'postgres')).toBeUndefined();
    const v = clone(BASE) as any;
    v.edges.push({ from: 'primary', to: 'app' });
    const issues = issuesOf(parseScenario(v));
    expect(issues).toContainEqual({ path: 'edges[1]', message: why });
  });

  it('refuses a self loop and a duplicate edge', () => {
    const v = clone(BASE) as any;
    v.edges.push({ from: 'app', to: 'app' }, { from: 'app', to: 'primary' });
    const issues = issuesOf(parseScenario(v));
    expect(issues).toContainEqual({ path: 'edges[1]', message: edgeProblem('app', 'app', true) });
    expect(issues.some((i) => i.path === 'edges[2]' && /duplicate edge app->primary/.test(i.message))).toBe(true);
  });

  it('refuses an edge to a missing node', () => {
    const v = clone(BASE) as any;
    v.edges.push({ from: 'app', to: 'ghost' });
    const issues = issuesOf(parseScenario(v));
    expect(issues).toContainEqual({ path: 'edges[1].to', message: 'no node ghost' });
  });

  it('refuses an unknown node kind, listing the kinds', () => {
    const v = clone(BASE) as any;
    v.nodes.push({ id: 'other', kind: 'mysql' });
    const issues = issuesOf(parseScenario(v));
    expect(issues.some((i) => /app/.test(i.message) && /postgres/.test(i.message) && i.path.includes('nodes'))).toBe(true);
  });

  it('refuses SQL that uses $2 with one parameter, and accepts it with two', () => {
    const v = clone(BASE) as any;
    v.workload.operations[0].sql = ['SELECT * FROM users WHERE id = $1', 'UPDATE users SET name = $2 WHERE id = $1'];
    const issues = issuesOf(parseScenario(v));
    expect(issues).toContainEqual({ path: 'workload.operations[0].params', message: 'the SQL uses $2 but only 1 parameter(s) are given' });
    v.workload.operations[0].params.push({ dist: 'list', values: ['x', 'y'] });
    expect(parseScenario(v).ok).toBe(true);
  });

  it('refuses a parameter with max < min', () => {
    const v = clone(BASE) as any;
    v.workload.operations[0].params[0] = { dist: 'uniform', min: 10, max: 1 };
    const issues = issuesOf(parseScenario(v));
    expect(issues.some((i) => i.path.startsWith('workload.operations[0].params[0]') && /max must be >= min/.test(i.message))).toBe(true);
  });

  it('fills in the documented defaults inside empty settings, workload and run objects', () => {
    const r = parseScenario({ nodes: [{ id: 'app', kind: 'app', settings: {} }, { id: 'primary', kind: 'postgres', settings: {} }], workload: {}, run: {} });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const s = r.scenario;
    // toMatchObject: kinds may gain settings; these are the documented defaults of the ones they have.
    expect(s.nodes[0].settings).toMatchObject({ instances: 2, pool_size: 10, pool_timeout: '10s' });
    expect(s.nodes[1].settings).toMatchObject({
      cores: 4,
      ram: '16GB',
      disk_latency: '0.1ms',
      disk_throughput: 1000,
      shared_buffers: '128MB',
      work_mem: '4MB',
      effective_cache_size: '4GB',
      max_connections: 100,
      superuser_reserved_connections: 3,
    });
    expect(s.run).toMatchObject({ seed: 1, duration: '30s' });
    expect(s.workload).toMatchObject({
      mode: 'closed',
      clients: 50,
      think_time: '50ms',
      arrival_rate: 200,
      max_in_flight: 10000,
      data: { users: 10000, orders_per_user: 5 },
    });
  });

  // zod 4's .default(v) returns v without parsing it: the schema uses .prefault({}) so defaults are filled.
  it('omitted objects get their defaults (settings, workload, run)', () => {
    const r = parseScenario({ nodes: [{ id: 'app', kind: 'app' }, { id: 'primary', kind: 'postgres' }] });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const s = r.scenario;
    expect(s.name).toBe('Untitled scenario');
    expect(s.edges).toEqual([]);
    expect(s.nodes[0].settings).toMatchObject({ instances: 2, pool_size: 10, pool_timeout: '10s' });
    expect(s.nodes[1].settings).toMatchObject({
      cores: 4,
      ram: '16GB',
      shared_buffers: '128MB',
      work_mem: '4MB',
      effective_cache_size: '4GB',
      max_connections: 100,
      superuser_reserved_connections: 3,
    });
    expect(s.run).toMatchObject({ seed: 1, duration: '30s' });
    expect(s.workload).toMatchObject({ mode: 'closed', clients: 50, think_time: '50ms', data: { users: 10000, orders_per_user: 5 } });
    expect(s.workload.operations).toBeUndefined();
  });

  it('keeps given settings as written', () => {
    const s = parsedBase();
    expect(s.nodes[1].settings.shared_buffers).toBe('4GB');
    expect(s.nodes[1].settings.max_connections).toBe(100);
    expect(s.workload.operations?.[0].params[0]).toEqual({ dist: 'uniform', min: 1, max: 10000, integer: true });
  });

  it('refuses bad JSON text at (file)', () => {
    const r = parseScenarioText('{"nodes": [');
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.issues).toEqual([{ path: '(file)', message: expect.stringMatching(/^not valid JSON/) }]);
  });
});

describe('applyOverrides', () => {
  const base = parsedBase();

  it('sets a node setting, without touching the scenario it was given', () => {
    const r = applyOverrides(base, ['primary.work_mem=64MB']);
    expect(r.ok).toBe(true);
    if (r.ok) expect(r.scenario.nodes[1].settings.work_mem).toBe('64MB');
    expect(base.nodes[1].settings.work_mem).toBe('4MB');
  });

  it('parses values as JSON where they are JSON', () => {
    const r = applyOverrides(base, ['primary.shared_buffers=16384', 'primary.cores=8', 'primary.cores=16']);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.scenario.nodes[1].settings.shared_buffers).toBe(16384);
    expect(r.scenario.nodes[1].settings.cores).toBe(16);
  });

  it('refuses an unknown setting', () => {
    const r = applyOverrides(base, ['primary.nope=1']);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.issues.some((i) => i.message.includes('"nope"') && i.path.includes('settings'))).toBe(true);
  });

  it('refuses an unknown node, naming the nodes there are', () => {
    const r = applyOverrides(base, ['ghost.x=1']);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.issues).toHaveLength(1);
      expect(r.issues[0].message).toContain('ghost');
      expect(r.issues[0].message).toContain('app, primary');
    }
  });

  it('sets workload and run fields, nested ones too', () => {
    const r = applyOverrides(base, ['workload.clients=5', 'workload.data.users=7', 'run.seed=42', 'workload.mode=open']);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.scenario.workload.clients).toBe(5);
    expect(r.scenario.workload.data.users).toBe(7);
    expect(r.scenario.workload.mode).toBe('open');
    expect(r.scenario.run.seed).toBe(42);
  });

  it('refuses an invalid workload value with its path', () => {
    const r = applyOverrides(base, ['workload.clients=-1']);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.issues.map((i) => i.path)).toContain('workload.clients');
  });

  it.each(['garbage', 'primary.work_mem', '=1', 'Primary.cores=1'])('refuses the malformed override %j', (o) => {
    const r = applyOverrides(base, [o]);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.issues[0].message).toMatch(/NODE\.SETTING=VALUE/);
  });

  it('a field path through a number or string gives issues, not a crash', () => {
    expect(() => applyOverrides(base, ['workload.clients.x=1'])).not.toThrow();
  });

  it('workload.__proto__.FIELD=VALUE is refused and never writes to Object.prototype', () => {
    try {
      applyOverrides(base, ['workload.__proto__.polluted_by_test=1']);
      expect(({} as Record<string, unknown>).polluted_by_test).toBeUndefined();
    } finally {
      delete (Object.prototype as Record<string, unknown>).polluted_by_test;
    }
  });
});
