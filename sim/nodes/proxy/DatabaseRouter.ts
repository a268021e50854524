/**
 * The seed's application-level DatabaseRouter (here with the proxy base: an app and a shard router use it): `write()` goes to the primary, `read()` to a replica, and
 * better read policies to compare it with (the app's `read_policy` setting):
 * - `random`: a uniformly random replica, whatever its state. What the seed's code really does (its
 *   comment says round-robin, its code calls Math.random), and what Prisma's read-replicas extension does.
 * - `round-robin`: what the seed's comment promises.
 * - `least-connections`: the replica with the fewest requests this app has outstanding on it (PgCat's
 *   least-outstanding-connections; HAProxy's leastconn).
 * - `lag-aware`: skip replicas whose replay is more than `max_replica_lag_ms` behind (PgDog); none left:
 *   the primary.
 * - `read-your-writes`: a client reads from a replica only once it has replayed that client's last write
 *   (PgDog's LSN floor); else from the primary.
 * - `primary`: every read to the primary.
 * Writes and transactions always go to the primary. The policies that look at replicas (least-connections,
 * lag-aware, read-your-writes) skip replicas that are down; random and round-robin do not, like the seed.
 * The router knows a replica's replay position and lag at once (an ideal router; real ones poll).
 *
 * Roles come from the cluster (a promoted replica is the primary after a failover). Endpoints that are not
 * in a replicated cluster keep the original rule: the first database endpoint is the primary.
 */
import type { Rng } from '../../core/rng.ts';
import type { SettingValue } from '../../core/units.ts';
import { timeUs } from '../../scenario/settings.ts';
import type { PreparedOperation } from '../../workload/operations.ts';
import { isSqlEndpoint, type ReplicationState, type SimContext } from '../types.ts';

export const READ_POLICIES = ['random', 'round-robin', 'least-connections', 'lag-aware', 'read-your-writes', 'primary'] as const;

/** What the router reads of its node's settings, per request (the app's own; a shard router maps its own onto them). */
export interface ReadRouting {
  read_policy: (typeof READ_POLICIES)[number];
  max_replica_lag_ms: SettingValue;
}

export class DatabaseRouter {
  private next = 0;
  private readonly outstanding = new Map<string, number>();
  private readonly byRequest = new Map<number, string>();
  /** Each client's last write: its position in the replication stream. */
  private readonly lastWrite = new Map<number, number>();

  constructor(
    private readonly ctx: SimContext,
    private readonly endpoints: () => string[],
    private readonly settings: () => ReadRouting,
    private readonly rng: Rng,
  ) {}

  private state(id: string): ReplicationState | undefined {
    const n = this.ctx.node(id);
    return isSqlEndpoint(n) ? n.replicationState?.() : undefined;
  }

  /** The primary and the replicas this app can reach now. */
  roles(): { primary: string | undefined; replicas: string[] } {
    const all = this.endpoints();
    const states = all.map((id) => ({ id, s: this.state(id) }));
    if (states.every((x) => !x.s)) return { primary: all[0], replicas: all.slice(1) };
    const primaries = states.filter((x) => x.s?.role === 'primary');
    const primary = (primaries.find((x) => x.s!.up) ?? primaries[0])?.id ?? all[0];
    return { primary, replicas: states.filter((x) => x.id !== primary && x.s?.role !== 'primary').map((x) => x.id) };
  }

  get primary(): string | undefined {
    return this.roles().primary;
  }

  /** The endpoint for a request, or undefined when the app is connected to none. */
  route(req: { id: number; op: PreparedOperation; session?: number }): string | undefined {
    const target = this.pick(req.op, req.session);
    if (target) {
      this.byRequest.set(req.id, target);
      this.outstanding.set(target, (this.outstanding.get(target) ?? 0) + 1);
    }
    return target;
  }

  /** The request ended (for least-connections). */
  release(requestId: number): void {
    const t = this.byRequest.get(requestId);
    if (t === undefined) return;
    this.byRequest.delete(requestId);
    this.outstanding.set(t, (this.outstanding.get(t) ?? 1) - 1);
  }

  /** A client's write committed at stream position `position` (read-your-writes). */
  wrote(session: number | undefined, position: number): void {
    if (session === undefined) return;
    if (position > (this.lastWrite.get(session) ?? 0)) this.lastWrite.set(session, position);
  }

  private pick(op: PreparedOperation, session: number | undefined): string | undefined {
    const { primary, replicas } = this.roles();
    const policy = this.settings().read_policy;
    if (replicas.length === 0 || !op.readOnly || op.transaction || policy === 'primary') return primary;
    switch (policy) {
      case 'random':
        return replicas[Math.floor(this.rng.next() * replicas.length)];
      case 'round-robin':
        return replicas[this.next++ % replicas.length];
      case 'least-connections': {
        const up = replicas.filter((r) => this.state(r)?.up !== false);
        if (up.length === 0) return primary;
        let best = up[0];
        for (const r of up) if ((this.outstanding.get(r) ?? 0) < (this.outstanding.get(best) ?? 0)) best = r;
        return best;
      }
      case 'lag-aware': {
        const maxUs = timeUs(this.settings().max_replica_lag_ms);
        const ok = replicas.filter((r) => {
          const s = this.state(r);
          return s ? s.up && s.lagUs <= maxUs : true;
        });
        return ok.length > 0 ? ok[this.next++ % ok.length] : primary;
      }
      case 'read-your-writes': {
        const floor = session === undefined ? 0 : (this.lastWrite.get(session) ?? 0);
        const ok = replicas.filter((r) => {
          const s = this.state(r);
          return s ? s.up && s.replayedPosition >= floor : floor === 0;
        });
        return ok.length > 0 ? ok[this.next++ % ok.length] : primary;
      }
    }
  }
}
