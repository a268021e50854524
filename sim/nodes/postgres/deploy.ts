/**
 * A postgres node in a real deployment: its postgresql.conf fragment and its docker-compose service
 * (postgres:15; a standby clones its upstream with pg_basebackup -R, then starts).
 */
import { DATABASE, type DeployedNode, type DeployFormat, REPLICATION_USER } from '../deploy.ts';
import { formatPostgresqlConf, LAB_ONLY_SETTINGS } from './conf.ts';
import { type PostgresSettings, postgresSettings } from './settings.ts';

/**
 * The fragment: the settings that differ from PostgreSQL's defaults (formatted as the node's
 * postgresql.conf export formats them), the simulated hardware as `#lab:` comments, and replication:
 * on a primary with standbys wal_level, max_wal_senders and hot_standby; on a standby hot_standby and
 * primary_conninfo (with its application_name, which synchronous_standby_names matches).
 */
export function postgresConfFragment(settings: PostgresSettings, node: DeployedNode): string {
  const defaults = postgresSettings.parse({}) as Record<string, unknown>;
  const changed = new Set(Object.keys(settings).filter((k) => JSON.stringify((settings as Record<string, unknown>)[k]) !== JSON.stringify(defaults[k])));
  const lab = new Set<string>(LAB_ONLY_SETTINGS);
  const lines = formatPostgresqlConf(settings, node.id)
    .split('\n')
    .filter((l) => {
      const m = /^(?:#lab: )?([a-z_]+) = /.exec(l);
      return m && changed.has(m[1]);
    });
  const own = lines.filter((l) => !l.startsWith('#lab:'));
  const hardware = lines.filter((l) => l.startsWith('#lab:') && lab.has(/^#lab: ([a-z_]+)/.exec(l)![1]));
  const out = [`# postgresql.conf fragment of node ${node.id}, exported by PG Scaling Lab (PostgreSQL 15+)`, ''];
  out.push('# settings that differ from the defaults', ...(own.length > 0 ? own : ['# (none)']));
  if (node.standbys.length > 0) {
    out.push('', `# a primary streaming to ${node.standbys.join(', ')}`, 'wal_level = replica', `max_wal_senders = ${Math.max(10, node.standbys.length + 2)}`, 'hot_standby = on');
  }
  const u = node.upstream;
  if (u) {
    out.push(
      '',
      `# a standby of ${u.id} (the data directory also needs standby.signal, as pg_basebackup -R writes)`,
      'hot_standby = on',
      `primary_conninfo = 'host=${u.host} port=${u.port} user=${REPLICATION_USER}${settings.application_name === '' ? '' : ` application_name=${settings.application_name ?? node.id}`}'`,
    );
  }
  if (hardware.length > 0) out.push('', '# the simulated server (comments to PostgreSQL; the simulator reads them back)', ...hardware);
  return `${out.join('\n')}\n`;
}

export const postgresDeploy: DeployFormat<PostgresSettings> = {
  port: 5432,
  files: (settings, node) => [{ name: 'postgresql.conf', text: postgresConfFragment(settings, node) }],
  // The copied postgresql.conf includes the node's own fragment, mounted at the same path in every database container.
  compose: (_, node) => {
    const out = ['image: postgres:15', 'environment:', '  POSTGRES_PASSWORD: postgres', `  POSTGRES_DB: ${DATABASE}`, '  POSTGRES_HOST_AUTH_METHOD: trust'];
    out.push('volumes:', `  - ./${node.id}/postgresql.conf:/etc/postgresql/lab.conf:ro`);
    if (!node.upstream) return [...out, '  - ./initdb:/docker-entrypoint-initdb.d:ro'];
    const up = node.upstream.id;
    return [
      ...out,
      `depends_on: [${up}]`,
      'user: postgres',
      'entrypoint:',
      '  - bash',
      '  - -c',
      '  - |',
      `    until pg_basebackup -h ${up} -U ${REPLICATION_USER} -D /var/lib/postgresql/data/pgdata -R -X stream; do rm -rf /var/lib/postgresql/data/pgdata; sleep 1; done`,
      '    chmod 700 /var/lib/postgresql/data/pgdata',
      '    exec postgres -D /var/lib/postgresql/data/pgdata',
    ];
  },
};
