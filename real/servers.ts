/**
 * Real servers on this machine, started and stopped by PID: PostgreSQL (initdb, a base backup for a
 * standby), PgBouncer and Redis, each on 127.0.0.1 and a free port, with its files under one scratch
 * directory. PostgreSQL refuses to run as root, so when this process is root the servers run as the
 * `postgres` user (setpriv, which execs: the PID is the server's own).
 *
 * Invariants:
 * - Every process started is in `Servers.pids` until it has exited; `stop()` sends SIGTERM to each
 *   (postgres: a fast shutdown), waits, then SIGKILL, and removes the scratch directory.
 * - Ctrl+C, SIGTERM and an uncaught failure stop them too (handlers installed by `Servers.create`).
 */
import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The newest installed PostgreSQL's bin directory (Debian: /usr/lib/postgresql/N/bin), or undefined. */
export function postgresBin(): string | undefined {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root).filter((v) => /^\d+$/.test(v) && existsSync(join(root, v, 'bin', 'postgres')));
  return versions.length > 0 ? join(root, versions.sort((a, b) => Number(b) - Number(a))[0], 'bin') : undefined;
}

const which = (cmd: string) => ['/usr/sbin', '/usr/bin', '/sbin', '/bin', '/usr/local/bin'].map((d) => join(d, cmd)).find(existsSync);

/** What is missing to run real servers here, with how to install it; empty when all is there. */
export function missingTools(need: { postgres?: boolean; pgbouncer?: boolean; redis?: boolean } = { postgres: true, pgbouncer: true, redis: true }): string[] {
  const out: string[] = [];
  if (need.postgres && !postgresBin()) out.push('PostgreSQL server (apt-get install -y postgresql)');
  if (need.pgbouncer && !which('pgbouncer')) out.push('PgBouncer (apt-get install -y pgbouncer)');
  if (need.redis && !which('redis-server')) out.push('Redis (apt-get install -y redis-server)');
  if (process.getuid?.() === 0 && !which('setpriv')) out.push('setpriv, to run PostgreSQL as the postgres user (apt-get install -y util-linux)');
  return out;
}

/** A TCP port free on 127.0.0.1 now. */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Whether something listens on 127.0.0.1:port. */
export function portTaken(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const asRoot = () => process.getuid?.() === 0;

/** The command line that runs `cmd` as the postgres user when this process is root. */
function asPostgres(cmd: string, args: string[]): [string, string[]] {
  return asRoot() ? [which('setpriv')!, ['--reuid=postgres', '--regid=postgres', '--init-groups', cmd, ...args]] : [cmd, args];
}

export interface Started {
  name: string;
  pid: number;
  port: number;
}

export class Servers {
  /** Running processes by PID. */
  readonly pids = new Map<number, { name: string; child: ChildProcess }>();
  private readonly logs: Record<string, string> = {};
  private stopping: Promise<void> | undefined;
  private readonly onSignal = (sig: NodeJS.Signals) => {
    void this.stop().then(() => process.exit(sig === 'SIGINT' ? 130 : 143));
  };
  private readonly onCrash = (e: Error) => {
    console.error(`error: ${e.stack ?? e}`);
    void this.stop().then(() => process.exit(1));
  };

  private constructor(readonly dir: string) {}

  /** A scratch directory (owned by postgres when root) and the signal handlers that stop everything. */
  static create(): Servers {
    const dir = mkdtempSync(join(tmpdir(), 'pg-lab-real-'));
    chmodSync(dir, 0o755);
    if (asRoot()) chownSync(dir, uidOf('postgres'), gidOf('postgres'));
    const s = new Servers(dir);
    process.once('SIGINT', s.onSignal);
    process.once('SIGTERM', s.onSignal);
    process.once('uncaughtException', s.onCrash);
    return s;
  }

  /** A file under the scratch directory, readable by the servers. */
  write(name: string, text: string): string {
    const path = join(this.dir, name);
    writeFileSync(path, text);
    chmodSync(path, 0o644);
    return path;
  }

  /** Runs a command to its end as the postgres user (initdb, pg_basebackup); throws with its output when it fails. */
  run(cmd: string, args: string[]): string {
    const [c, a] = asPostgres(cmd, args);
    try {
      return execFileSync(c, a, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], cwd: this.dir });
    } catch (e) {
      const err = e as { stderr?: string; stdout?: string; message: string };
      throw new Error(`${cmd.split('/').pop()} failed: ${(err.stderr || err.stdout || err.message).trim()}`);
    }
  }

  /** Starts a server process as the postgres user and waits until its port accepts connections. */
  async start(name: string, cmd: string, args: string[], port: number, timeoutMs = 30_000): Promise<Started> {
    if (await portTaken(port)) throw new Error(`port ${port} is taken: ${name} cannot listen on it`);
    const [c, a] = asPostgres(cmd, args);
    const child = spawn(c, a, { stdio: ['ignore', 'pipe', 'pipe'], cwd: this.dir });
    if (child.pid === undefined) throw new Error(`${name} did not start`);
    const pid = child.pid;
    this.pids.set(pid, { name, child });
    this.logs[name] = '';
    const log = (d: Buffer) => void (this.logs[name] = (this.logs[name] + d.toString()).slice(-4000));
    child.stdout!.on('data', log);
    child.stderr!.on('data', log);
    child.on('exit', () => this.pids.delete(pid));
    const t0 = Date.now();
    while (!(await portTaken(port))) {
      if (!this.pids.has(pid)) throw new Error(`${name} exited at start:\n${this.logs[name].trim()}`);
      if (Date.now() - t0 > timeoutMs) throw new Error(`${name} did not listen on port ${port} within ${timeoutMs / 1000} s:\n${this.logs[name].trim()}`);
      await sleep(50);
    }
    return { name, pid, port };
  }

  /** PostgreSQL: a new cluster (initdb) with the fragment included, or a standby cloned from `from`. */
  async postgres(name: string, port: number, fragment: string, from?: { port: number; user: string }): Promise<Started> {
    const bin = postgresBin()!;
    const data = join(this.dir, name);
    if (from) {
      this.run(join(bin, 'pg_basebackup'), ['-h', '127.0.0.1', '-p', String(from.port), '-U', from.user, '-D', data, '-R', '-X', 'stream', '-c', 'fast']);
      // -R wrote standby.signal and a primary_conninfo without application_name: the fragment's (which has it) is the one
      writeFileSync(join(data, 'postgresql.auto.conf'), '');
    } else {
      this.run(join(bin, 'initdb'), ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8', '--locale=C']);
      writeFileSync(join(data, 'pg_hba.conf'), 'local all all trust\nhost all all 127.0.0.1/32 trust\nhost replication all 127.0.0.1/32 trust\n');
    }
    // the cluster's own lines (placed after whatever a base backup copied: the last line of a name wins)
    const conf = `${fragment}\n# real mode: this machine\nlisten_addresses = '127.0.0.1'\nport = ${port}\nunix_socket_directories = '${this.dir}'\nfsync = off\n`;
    writeFileSync(join(data, 'lab.conf'), conf);
    if (asRoot()) chownSync(join(data, 'lab.conf'), uidOf('postgres'), gidOf('postgres'));
    if (!from) writeFileSync(join(data, 'postgresql.conf'), "include 'lab.conf'\n", { flag: 'a' });
    const started = await this.start(name, join(bin, 'postgres'), ['-D', data], port);
    // the port opens before the server accepts connections ("the database system is starting up")
    for (let t = 0; spawnSync(join(bin, 'pg_isready'), ['-q', '-h', '127.0.0.1', '-p', String(port)]).status !== 0; t++) {
      if (t > 600 || !this.pids.has(started.pid)) throw new Error(`${name} did not accept connections:\n${this.log(name).trim()}`);
      await sleep(50);
    }
    return started;
  }

  /** Stops every process started (SIGTERM, then SIGKILL after 10 s) and removes the scratch directory. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      for (const pid of this.pids.keys()) signal(pid, 'SIGTERM');
      const t0 = Date.now();
      while (this.pids.size > 0 && Date.now() - t0 < 10_000) await sleep(50);
      for (const pid of this.pids.keys()) signal(pid, 'SIGKILL');
      while (this.pids.size > 0 && Date.now() - t0 < 15_000) await sleep(50);
      process.off('SIGINT', this.onSignal);
      process.off('SIGTERM', this.onSignal);
      process.off('uncaughtException', this.onCrash);
      rmSync(this.dir, { recursive: true, force: true });
    })();
    return this.stopping;
  }

  /** The last lines a server wrote, for an error message. */
  log(name: string): string {
    return this.logs[name] ?? '';
  }
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // already gone
  }
}

/** Whether a process with this PID exists. */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function uidOf(user: string): number {
  return Number(execFileSync('id', ['-u', user], { encoding: 'utf8' }).trim());
}

function gidOf(user: string): number {
  return Number(execFileSync('id', ['-g', user], { encoding: 'utf8' }).trim());
}

/** A directory under the scratch one, owned by the servers' user. */
export function serverDir(s: Servers, name: string): string {
  const d = join(s.dir, name);
  mkdirSync(d, { recursive: true });
  if (asRoot()) chownSync(d, uidOf('postgres'), gidOf('postgres'));
  return d;
}
