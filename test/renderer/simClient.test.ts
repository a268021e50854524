import { describe, expect, it } from 'vitest';
import { SimClient, SimCommandError, type WorkerLike } from '../../renderer/sim/simClient.ts';

function fakeWorker(answer: (msg: any) => unknown) {
  let listener: ((e: MessageEvent) => void) | undefined;
  const worker: WorkerLike & { push(m: unknown): void } = {
    postMessage(message) {
      queueMicrotask(() => listener?.({ data: answer(message) } as MessageEvent));
    },
    addEventListener(_type, l) {
      listener = l;
    },
    terminate() {},
    push(m) {
      listener?.({ data: m } as MessageEvent);
    },
  };
  return worker;
}

describe('SimClient', () => {
  it('matches replies to commands by id', async () => {
    const worker = fakeWorker((m) => ({ type: 'reply', id: m.id, ok: true, value: m.command.do === 'runSql' ? { rows: [[m.command.sql]] } : null }));
    const client = new SimClient(worker);
    const [a, b] = await Promise.all([client.apply({ do: 'runSql', node: 'primary', sql: 'SELECT 1' }), client.apply({ do: 'runSql', node: 'primary', sql: 'SELECT 2' })]);
    expect(a.rows).toEqual([['SELECT 1']]);
    expect(b.rows).toEqual([['SELECT 2']]);
  });

  it('rejects with the scenario issues when a load fails', async () => {
    const worker = fakeWorker((m) => ({ type: 'reply', id: m.id, ok: false, error: 'bad', issues: [{ path: 'nodes', message: 'too small' }] }));
    const err = await new SimClient(worker).load({}).catch((e) => e);
    expect(err).toBeInstanceOf(SimCommandError);
    expect(err.issues).toEqual([{ path: 'nodes', message: 'too small' }]);
  });

  it('hands snapshots and progress to subscribers', () => {
    const worker = fakeWorker(() => undefined);
    const client = new SimClient(worker);
    const seen: string[] = [];
    const off = client.subscribe((m) => seen.push(m.type));
    worker.push({ type: 'progress', phase: 'booting nodes', fraction: 0.3 });
    worker.push({ type: 'state', status: 'running', speed: 1 });
    off();
    worker.push({ type: 'state', status: 'paused', speed: 1 });
    expect(seen).toEqual(['progress', 'state']);
  });
});
