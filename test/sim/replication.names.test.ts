/**
 * A standby's application_name as PostgreSQL picks it (primary_conninfo's application_name, else cluster_name,
 * else walreceiver), which synchronous_standby_names matches. Omitted, a replica's is its node id, as the
 * exported primary_conninfo names it, so existing scenarios list replicas by id.
 */
import { describe, expect, it } from 'vitest';
import { postgresConfFragment } from '../../sim/nodes/postgres/deploy.ts';
import { postgresSettings } from '../../sim/nodes/postgres/settings.ts';
import { walreceiverName } from '../../sim/replication/standbyNames.ts';
import { TestSim } from './TestSim.ts';

describe("a standby's application_name", () => {
  it("is primary_conninfo's, else cluster_name, else walreceiver; omitted, the node id", () => {
    expect(walreceiverName('replica1', { cluster_name: '' })).toBe('replica1');
    expect(walreceiverName('replica1', { application_name: 'east', cluster_name: 'main' })).toBe('east');
    expect(walreceiverName('replica1', { application_name: '', cluster_name: 'main' })).toBe('main');
    expect(walreceiverName('replica1', { application_name: '', cluster_name: '' })).toBe('walreceiver');
  });

  it('is what synchronous_standby_names matches', async () => {
    const t = await TestSim.start('app -> primary -> replica1, primary -> replica2', {
      settings: {
        primary: { synchronous_standby_names: 'FIRST 1 (walreceiver, replica1)' },
        replica2: { application_name: '' },
      },
      workload: { clients: 2 },
    });
    await t.advance('300ms');
    const states = t.sim.replication.streams.get('primary')!.syncStates();
    // replica2 connects as walreceiver, first in the list: it is the synchronous one; replica1 is next
    expect(states.get('replica2')).toEqual({ state: 'sync', priority: 1 });
    expect(states.get('replica1')).toEqual({ state: 'potential', priority: 2 });
  });

  it("is written into the exported primary_conninfo, or left to PostgreSQL's default when empty", () => {
    const node = { id: 'replica1', standbys: [], upstream: { id: 'primary', host: 'primary', port: 5432 } } as never;
    expect(postgresConfFragment(postgresSettings.parse({}), node)).toContain("user=replicator application_name=replica1'");
    expect(postgresConfFragment(postgresSettings.parse({ application_name: 'east' }), node)).toContain('application_name=east');
    expect(postgresConfFragment(postgresSettings.parse({ application_name: '' }), node)).not.toContain('application_name=');
  });
});
