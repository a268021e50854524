/**
 * The real servers' configuration files of a scenario: a postgresql.conf fragment per database node (its
 * non-default settings, the streaming replication settings of a primary with standbys and of a standby),
 * a pgbouncer.ini per pooler (the node's, plus where it listens and how clients log in), a redis.conf per
 * cache, and a docker-compose.yml that starts the same topology from the official images.
 */
import { formatPgbouncerIni } from '../nodes/pgbouncer/ini.ts';
import type { PgBouncerSettings } from '../nodes/pgbouncer/settings.ts';
import { formatPostgresqlConf, LAB_ONLY_SETTINGS } from '../nodes/postgres/conf.ts';
import { type PostgresSettings, postgresSettings } from '../nodes/postgres/settings.ts';
import type { Scenario } from '../scenario/schema.ts';
import { PORTS, type Placement } from './topology.ts';

/** The role standbys log in with to stream (created on the primary by the compose file and real mode). */
export const REPLICATION_USER = 'replicator';
/** The database the application's data lives in. */
export const DATABASE = 'mydb';

const node = (s: Scenario, id: string) => s.nodes.find((n) => n.id === id)!;

/**
 * A postgres node's fragment: the settings that differ from PostgreSQL's defaults (formatted as the
 * node's postgresql.conf export formats them), the simulated hardware as `#lab:` comments, and replication:
 * on a primary with standbys wal_level, max_wal_senders and hot_standby; on a standby hot_standby and
 * primary_conninfo (with its application_name, which synchronous_standby_names matches).
 */
export function postgresFragment(s: Scenario, p: Placement, id: string, host: (id: string) => { host: string; port: number } = (h) => ({ host: h, port: PORTS.postgres })): string {
  const settings = node(s, id).settings as PostgresSettings;
  const defaults = postgresSettings.parse({}) as Record<string, unknown>;
  const changed = new Set(Object.keys(settings).filter((k) => JSON.stringify((settings as Record<string, unknown>)[k]) !== JSON.stringify(defaults[k])));
  const lab = new Set<string>(LAB_ONLY_SETTINGS);
  const lines = formatPostgresqlConf(settings, id)
    .split('\n')
    .filter((l) => {
      const m = /^(?:#lab: )?([a-z_]+) = /.exec(l);
      return m && changed.has(m[1]);
    });
  const own = lines.filter((l) => !l.startsWith('#lab:'));
  const hardware = lines.filter((l) => l.startsWith('#lab:') && lab.has(/^#lab: ([a-z_]+)/.exec(l)![1]));
  const standbys = [...p.upstreamOf].filter(([, up]) => up === id).map(([st]) => st);
  const upstream = p.upstreamOf.get(id);
  const out = [`# postgresql.conf fragment of node ${id}, exported by PG Scaling Lab (PostgreSQL 15+)`, ''];
  out.push('# settings that differ from the defaults', ...(own.length > 0 ? own : ['# (none)']));
  if (standbys.length > 0) {
    out.push('', `# a primary streaming to ${standbys.join(', ')}`, 'wal_level = replica', `max_wal_senders = ${Math.max(10, standbys.length + 2)}`, 'hot_standby = on');
  }
  if (upstream) {
    const u = host(upstream);
    out.push(
      '',
      `# a standby of ${upstream} (the data directory also needs standby.signal, as pg_basebackup -R writes)`,
      'hot_standby = on',
      `primary_conninfo = 'host=${u.host} port=${u.port} user=${REPLICATION_USER} application_name=${id}'`,
    );
  }
  if (hardware.length > 0) out.push('', '# the simulated server (comments to PostgreSQL; the simulator reads them back)', ...hardware);
  return `${out.join('\n')}\n`;
}

/** A pooler's pgbouncer.ini: the node's settings, its [databases] pointing at the database nodes' hosts, and where it listens. */
export function pgbouncerIni(s: Scenario, id: string, listen: { addr: string; port: number; authFile: string } = { addr: '0.0.0.0', port: PORTS.pgbouncer, authFile: '/etc/pgbouncer/userlist.txt' }): string {
  const settings = node(s, id).settings as PgBouncerSettings;
  return [
    formatPgbouncerIni(settings, id).trimEnd(),
    '',
    '; where it listens and how clients log in (the simulator does not model them)',
    `listen_addr = ${listen.addr}`,
    `listen_port = ${listen.port}`,
    'auth_type = trust',
    `auth_file = ${listen.authFile}`,
    '',
  ].join('\n');
}

/** A cache node's redis.conf: its settings (Redis' own names), no persistence (a cache). */
export function redisConf(s: Scenario, id: string): string {
  const settings = node(s, id).settings as Record<string, unknown>;
  return [`# redis.conf of node ${id}, exported by PG Scaling Lab`, ...Object.entries(settings).map(([k, v]) => `${k} ${v}`), 'save ""', 'appendonly no', ''].join('\n');
}

const yamlString = (v: string) => JSON.stringify(v);

/**
 * docker-compose.yml: postgres:15 per database node (a primary creates the replication role; a standby
 * clones its upstream with pg_basebackup -R, then starts; the copied postgresql.conf includes the node's own
 * fragment, mounted at the same path in every database container), edoburu/pgbouncer per pooler with its ini
 * (PgBouncer has no Docker official image; that one runs the file as given), redis:7 per cache. Each
 * service mounts the file export wrote for it.
 */
export function dockerCompose(s: Scenario, p: Placement): string {
  const out = ['# docker-compose.yml exported by PG Scaling Lab: the topology of ' + yamlString(s.name), 'services:'];
  for (const n of s.nodes) {
    if (n.kind === 'postgres') {
      const upstream = p.upstreamOf.get(n.id);
      out.push(`  ${n.id}:`, '    image: postgres:15', '    environment:', '      POSTGRES_PASSWORD: postgres', `      POSTGRES_DB: ${DATABASE}`, '      POSTGRES_HOST_AUTH_METHOD: trust');
      out.push('    volumes:', `      - ./${n.id}/postgresql.conf:/etc/postgresql/lab.conf:ro`);
      if (!upstream) {
        out.push('      - ./initdb:/docker-entrypoint-initdb.d:ro');
      } else {
        out.push(
          `    depends_on: [${upstream}]`,
          '    user: postgres',
          '    entrypoint:',
          '      - bash',
          '      - -c',
          '      - |',
          `        until pg_basebackup -h ${upstream} -U ${REPLICATION_USER} -D /var/lib/postgresql/data/pgdata -R -X stream; do rm -rf /var/lib/postgresql/data/pgdata; sleep 1; done`,
          '        chmod 700 /var/lib/postgresql/data/pgdata',
          '        exec postgres -D /var/lib/postgresql/data/pgdata',
        );
      }
    } else if (n.kind === 'pgbouncer') {
      out.push(
        `  ${n.id}:`,
        '    image: edoburu/pgbouncer:latest',
        `    depends_on: [${(p.poolerTargets.get(n.id) ?? []).join(', ')}]`,
        '    volumes:',
        `      - ./${n.id}/pgbouncer.ini:/etc/pgbouncer/pgbouncer.ini:ro`,
        `      - ./${n.id}/userlist.txt:/etc/pgbouncer/userlist.txt:ro`,
        `    ports: ["${PORTS.pgbouncer}"]`,
      );
    } else if (n.kind === 'redis') {
      out.push(`  ${n.id}:`, '    image: redis:7', `    command: ["redis-server", "/usr/local/etc/redis/redis.conf"]`, '    volumes:', `      - ./${n.id}/redis.conf:/usr/local/etc/redis/redis.conf:ro`);
    }
  }
  return `${out.join('\n')}\n`;
}

/** The primary's first-boot script (mounted in docker-entrypoint-initdb.d): the replication role, its pg_hba line, the node's fragment included. */
export function primaryInitScript(): string {
  return [
    '#!/bin/bash',
    '# Run once by the postgres image on a primary\'s first boot: the role standbys stream with.',
    'set -e',
    `psql -v ON_ERROR_STOP=1 -U postgres -c "CREATE ROLE ${REPLICATION_USER} WITH REPLICATION LOGIN"`,
    `echo "host replication ${REPLICATION_USER} all trust" >> "$PGDATA/pg_hba.conf"`,
    `echo "include '/etc/postgresql/lab.conf'" >> "$PGDATA/postgresql.conf"`,
    '',
  ].join('\n');
}
