/** The sim worker's route explain (the console's Explain route), on the range-sharded example with real PGlite. */
import { afterAll, describe, expect, it } from 'vitest';
import range from '../../lessons/scenarios/sharding-range.json';
import { createSimHost } from '../../renderer/sim/simHost.ts';
import { nodeEngineFactory } from '../../sim/engine/node/platform.ts';

const host = createSimHost({ engines: nodeEngineFactory({ kind: 'in-process' }), post: () => undefined });

afterAll(async () => {
  await host.handle({ do: 'reset' });
});

describe('route explain through the sim host', () => {
  it('answers where a statement goes at the app, and refuses at a node that routes no shards', async () => {
    await expect(host.handle({ do: 'explainRoute', node: 'app', sql: 'SELECT 1' })).rejects.toThrow('no scenario is loaded');
    await host.handle({ do: 'load', scenario: range });
    const e = await host.handle({ do: 'explainRoute', node: 'app', sql: 'SELECT * FROM users WHERE id = $1', params: ['1200'] });
    expect(e).toMatchObject({ route: 'one', shards: ['shard2'], keys: [{ source: '$1', key: '1200', why: '1200 is in FOR VALUES FROM (501) TO (MAXVALUE)' }] });
    await expect(host.handle({ do: 'explainRoute', node: 'shard1', sql: 'SELECT 1' })).rejects.toThrow('shard1 (postgres) routes no shards');
  });
});
