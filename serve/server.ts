/**
 * The wire server: one loopback port per node a client can connect to (each postgres, pgbouncer and pgdog
 * node), each connection a `WireSession` (session.ts) that is a client of its node in the running
 * simulation. It listens on 127.0.0.1 only.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { isSqlEndpoint, type Runner } from '../sim/index.ts';
import { WireSession } from './session.ts';

export interface ServeOptions {
  /** The first node's port; the next nodes take the following ones. 0: free ports the system picks. */
  portBase: number;
}

export interface Listening {
  /** Node id -> its port on 127.0.0.1, in the scenario's order. */
  ports: Map<string, number>;
  close(): Promise<void>;
}

export const HOST = '127.0.0.1';

/**
 * How a served simulation runs: at 1x until stopped (a real client comes when it likes), in stretches
 * 2 ms apart, so a reply leaves within a few ms of the virtual time the model completes it at (what
 * pgbench measures is then the model's latency, not the pacing's: test/real/serve.pgbench.test.ts).
 */
export const SERVE_PACE = { speed: 1, untilUs: Number.MAX_SAFE_INTEGER, sleepMs: 2 } as const;

/** Listens for every SQL node of the runner's simulation. */
export async function serve(runner: Runner, options: ServeOptions): Promise<Listening> {
  const sim = runner.sim;
  const nodes = sim.scenario.nodes.filter((n) => isSqlEndpoint(sim.nodes.get(n.id)));
  const servers: Server[] = [];
  const sockets = new Set<Socket>();
  const ports = new Map<string, number>();
  // by process id, for cancel requests (which come on a connection of their own)
  const sessions = new Map<number, WireSession>();
  let pid = 10_000;
  try {
    for (const [i, n] of nodes.entries()) {
      const server = createServer((socket) => {
        sockets.add(socket);
        socket.on('close', () => sockets.delete(socket));
        // a reset by the client is its leaving, not the server's problem
        socket.on('error', () => socket.destroy());
        const id = pid++;
        const cancel = (target: number, key: number) => sessions.get(target)?.cancel(key);
        sessions.set(id, new WireSession(socket, { runner, node: n.id, admin: (db) => n.kind === 'pgbouncer' && db === 'pgbouncer', pid: id, cancel }));
        socket.on('close', () => sessions.delete(id));
      });
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(options.portBase === 0 ? 0 : options.portBase + i, HOST, () => resolve());
      });
      servers.push(server);
      ports.set(n.id, (server.address() as { port: number }).port);
    }
  } catch (e) {
    for (const s of servers) s.close();
    throw e;
  }
  return {
    ports,
    close: async () => {
      for (const s of sockets) s.destroy();
      await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
    },
  };
}
