/**
 * The real servers' configuration files of a scenario, each node's from its kind's `deploy`
 * (sim/nodes/<kind>/deploy.ts): postgresql.conf fragments, pgbouncer.ini, redis.conf, pgdog.toml; and the
 * docker-compose.yml that starts the same topology from the official images, a service per node.
 */
import { nodeKind } from '../nodes/index.ts';
import { type PgBouncerListen, pgbouncerIniText } from '../nodes/pgbouncer/deploy.ts';
import type { PgBouncerSettings } from '../nodes/pgbouncer/settings.ts';
import { postgresConfFragment } from '../nodes/postgres/deploy.ts';
import type { PostgresSettings } from '../nodes/postgres/settings.ts';
import { REPLICATION_USER } from '../nodes/deploy.ts';
import type { Scenario } from '../scenario/schema.ts';
import { deployed, type Placement } from './topology.ts';

export { DATABASE, REPLICATION_USER } from '../nodes/deploy.ts';

const node = (s: Scenario, id: string) => s.nodes.find((n) => n.id === id)!;

/** A postgres node's fragment (its non-default settings, replication), with its upstream reached through `host` (real mode's ports). */
export function postgresFragment(s: Scenario, p: Placement, id: string, host?: (id: string) => { host: string; port: number }): string {
  return postgresConfFragment(node(s, id).settings as PostgresSettings, deployed(s, p, id, host));
}

/** A pooler's pgbouncer.ini: the node's settings, its [databases] pointing at the database nodes' hosts, and where it listens. */
export function pgbouncerIni(s: Scenario, id: string, listen?: PgBouncerListen): string {
  return pgbouncerIniText(node(s, id).settings as PgBouncerSettings, id, listen);
}

const yamlString = (v: string) => JSON.stringify(v);

/** docker-compose.yml: each node's service from its kind's `deploy`, mounting the files export wrote for it. */
export function dockerCompose(s: Scenario, p: Placement): string {
  const out = ['# docker-compose.yml exported by PG Scaling Lab: the topology of ' + yamlString(s.name), 'services:'];
  for (const n of s.nodes) {
    const deploy = nodeKind(n.kind)?.deploy;
    if (deploy) out.push(`  ${n.id}:`, ...deploy.compose(n.settings, deployed(s, p, n.id)).map((l) => `    ${l}`));
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
