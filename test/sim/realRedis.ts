/**
 * A real redis-server for comparison tests: started on 127.0.0.1 on a free port without persistence,
 * stopped by its PID, and a minimal RESP2 client whose replies are the model's `RedisReply` values.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import net from 'node:net';
import type { RedisReply } from '../../sim/caching/redis/reply.ts';

/** Why the real server cannot be used here, or undefined when `redis-server` 7.x is installed. */
export function redisServerMissing(): string | undefined {
  const r = spawnSync('redis-server', ['--version'], { encoding: 'utf8' });
  if (r.error) return `redis-server is not installed (${r.error.message}); apt-get install -y redis-server`;
  const version = /v=(\d+)\.(\d+)\.(\d+)/.exec(r.stdout);
  if (version?.[1] !== '7') return `redis-server is not 7.x: ${r.stdout.trim()}`;
  return undefined;
}

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export class RealRedis {
  private constructor(
    private readonly proc: ChildProcess,
    private readonly socket: net.Socket,
  ) {
    socket.on('data', (chunk) => this.onData(chunk));
  }

  private buffer = Buffer.alloc(0);
  private readonly waiting: ((reply: RedisReply) => void)[] = [];

  /** Starts a server and connects one client to it. */
  static async start(): Promise<RealRedis> {
    const port = await freePort();
    const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'];
    const proc = spawn('redis-server', args, { stdio: 'ignore' });
    for (let attempt = 0; ; attempt++) {
      try {
        const socket = await new Promise<net.Socket>((resolve, reject) => {
          const s = net.connect(port, '127.0.0.1', () => resolve(s));
          s.once('error', reject);
        });
        socket.setNoDelay(true);
        return new RealRedis(proc, socket);
      } catch (e) {
        if (attempt > 100) {
          proc.kill();
          throw e;
        }
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  }

  /** Closes the client and stops the server by its PID. */
  stop(): void {
    this.socket.destroy();
    if (this.proc.pid !== undefined) process.kill(this.proc.pid, 'SIGTERM');
  }

  /** Sends commands in one write (a pipeline) and resolves with one reply each. */
  pipeline(commands: readonly (readonly string[])[], repliesPerCommand = 1): Promise<RedisReply[]> {
    const replies = commands.flatMap(() =>
      Array.from({ length: repliesPerCommand }, () => new Promise<RedisReply>((resolve) => this.waiting.push(resolve))),
    );
    this.socket.write(commands.map(encode).join(''));
    return Promise.all(replies);
  }

  async call(...argv: string[]): Promise<RedisReply> {
    return (await this.pipeline([argv]))[0];
  }

  /** An INFO field's value. */
  async info(field: string): Promise<string> {
    const reply = await this.call('INFO');
    const m = reply.kind === 'bulk' ? new RegExp(`^${field}:(.*)\r$`, 'm').exec(reply.value) : null;
    if (!m) throw new Error(`INFO has no ${field}`);
    return m[1];
  }

  private onData(chunk: Buffer): void {
    this.buffer = Buffer.concat([this.buffer, chunk]);
    for (;;) {
      const parsed = parse(this.buffer, 0);
      if (!parsed) return;
      this.buffer = this.buffer.subarray(parsed[1]);
      this.waiting.shift()!(parsed[0]);
    }
  }
}

function encode(argv: readonly string[]): string {
  return `*${argv.length}\r\n${argv.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`;
}

/** One RESP2 reply from `at`, with the offset after it, or undefined while incomplete. */
function parse(b: Buffer, at: number): [RedisReply, number] | undefined {
  const eol = b.indexOf('\r\n', at);
  if (eol < 0) return undefined;
  const line = b.toString('utf8', at + 1, eol);
  const next = eol + 2;
  switch (String.fromCharCode(b[at])) {
    case '+':
      return [{ kind: 'status', text: line }, next];
    case '-':
      return [{ kind: 'error', text: line }, next];
    case ':': {
      const n = BigInt(line);
      return [{ kind: 'integer', value: Number.isSafeInteger(Number(n)) ? Number(n) : n }, next];
    }
    case '$': {
      const len = Number(line);
      if (len < 0) return [{ kind: 'nil' }, next];
      if (b.length < next + len + 2) return undefined;
      return [{ kind: 'bulk', value: b.toString('utf8', next, next + len) }, next + len + 2];
    }
    case '*': {
      if (Number(line) < 0) return [{ kind: 'nil' }, next];
      const items: RedisReply[] = [];
      let pos = next;
      for (let i = 0; i < Number(line); i++) {
        const item = parse(b, pos);
        if (!item) return undefined;
        items.push(item[0]);
        pos = item[1];
      }
      return [{ kind: 'array', items }, pos];
    }
    default:
      throw new Error(`unexpected RESP type byte ${b[at]}`);
  }
}
