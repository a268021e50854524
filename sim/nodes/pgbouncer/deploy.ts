/**
 * A pgbouncer node in a real deployment: its pgbouncer.ini with userlist.txt, and its docker-compose
 * service (edoburu/pgbouncer: PgBouncer has no Docker official image; that one runs the file as given).
 */
import type { DeployFormat } from '../deploy.ts';
import { formatPgbouncerIni } from './ini.ts';
import type { PgBouncerSettings } from './settings.ts';

const PORT = 6432;

/** Where a pooler listens and the file clients log in with (the simulator does not model them). */
export interface PgBouncerListen {
  addr: string;
  port: number;
  authFile: string;
}

/** The node's pgbouncer.ini (its settings, its [databases]) and where it listens. */
export function pgbouncerIniText(settings: PgBouncerSettings, id: string, listen: PgBouncerListen = { addr: '0.0.0.0', port: PORT, authFile: '/etc/pgbouncer/userlist.txt' }): string {
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

export const pgbouncerDeploy: DeployFormat<PgBouncerSettings> = {
  port: PORT,
  files: (settings, node) => [
    { name: 'pgbouncer.ini', text: pgbouncerIniText(settings, node.id) },
    { name: 'userlist.txt', text: '"postgres" ""\n' },
  ],
  compose: (_, node) => [
    'image: edoburu/pgbouncer:latest',
    `depends_on: [${node.targets.map((t) => t.id).join(', ')}]`,
    'volumes:',
    `  - ./${node.id}/pgbouncer.ini:/etc/pgbouncer/pgbouncer.ini:ro`,
    `  - ./${node.id}/userlist.txt:/etc/pgbouncer/userlist.txt:ro`,
    `ports: ["${PORT}"]`,
  ],
};
