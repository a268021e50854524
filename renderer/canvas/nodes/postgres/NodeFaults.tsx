/**
 * Faults for a selected postgres node of the running simulation, the sim's fault commands: stop and start
 * (a clean shutdown; a replica stops replaying and catches up after), kill (the machine dies: a primary's
 * replicas lose their stream), promote a replica, and a lag spike on a replica (replay 20× slower for 5 s).
 * Also the node's place in replication, live.
 */
import '../../../components/replicasPooling.css';
import { isReplicationEdge, type PostgresSnapshot } from '../../../../sim/index.ts';
import { appStore, useApp } from '../../../store/appStore.ts';
import { FaultActions } from '../FaultActions.tsx';
import { lagText } from './ReplicationEdge.tsx';
import { replicaFigures } from './replicaFigures.ts';

export function NodeFaults({ nodeId }: { nodeId: string }) {
  const snap = useApp((s) => s.snapshot?.nodes.find((n) => n.id === nodeId)) as PostgresSnapshot | undefined;
  const replica = replicaFigures(snap);
  const repl = snap?.replication;
  const up = !snap || snap.status === 'up';
  return (
    <FaultActions
      testId="node-faults"
      buttons={(live, fault) => (
        <>
          <button type="button" data-testid="fault-stop" disabled={!live || !up} onClick={() => fault({ kind: 'stop', node: nodeId })} title="pg_ctl stop -m fast: connections end, data stays">
            Stop
          </button>
          <button type="button" data-testid="fault-start" disabled={!live || up} onClick={() => fault({ kind: 'start', node: nodeId })} title="start the stopped server; a replica reconnects and catches up">
            Start
          </button>
          <button type="button" className="danger" data-testid="fault-kill" disabled={!live || !up} onClick={() => fault({ kind: 'kill', node: nodeId })} title="the machine dies: in-flight work is lost; a primary's replicas lose their stream">
            Kill
          </button>
          {(!live || replica) && (
            <>
              <button type="button" data-testid="fault-promote" disabled={!live || !replica} onClick={() => fault({ kind: 'promote', node: nodeId })} title="pg_promote(): replay what was received and become the primary; the other replicas follow">
                Promote
              </button>
              <button
                type="button"
                data-testid="fault-lag-spike"
                disabled={!live || !replica}
                onClick={() => fault({ kind: 'lag-spike', node: nodeId, applyFactor: 20, duration: '5s' })}
                title="replay 20× slower for 5 s (a slow disk, a busy replica)"
              >
                Lag spike
              </button>
            </>
          )}
        </>
      )}
    >
      {replica && (
        <p data-testid="node-replication">
          replica of <b>{replica.upstream}</b> · {replica.state} · {replica.syncState ?? 'async'} · replay_lag {lagText(replica.replayLagMs)} ·{' '}
          {replica.recordsBehind} behind · replay_lsn <code>{replica.replayLsn ?? '–'}</code>
        </p>
      )}
      {repl?.role === 'primary' && <Repoint nodeId={nodeId} />}
      {repl?.role === 'primary' && (
        <p data-testid="node-replication">
          primary
          {(repl.standbys ?? []).length > 0 ? ' of ' : ''}
          {(repl.standbys ?? []).map((s) => `${s.id} (${s.state}, ${s.syncState ?? 'async'})`).join(', ')}
        </p>
      )}
    </FaultActions>
  );
}

/**
 * After a failover, the nodes still linked to a database node that is down (a pooler behind a VIP that did
 * not move) can be re-pointed at this primary: the sim's repoint command, journaled like any other.
 */
function Repoint({ nodeId }: { nodeId: string }) {
  const stranded = useApp((s) => {
    const down = new Set((s.snapshot?.nodes ?? []).filter((n) => n.status === 'down').map((n) => n.id));
    const kind = (id: string) => s.doc.nodes.find((n) => n.id === id)?.kind;
    const repl = new Set(s.doc.edges.filter((e) => isReplicationEdge(kind(e.from), kind(e.to))).map((e) => `${e.from}->${e.to}`));
    return s.doc.edges
      .filter((e) => down.has(e.to) && !repl.has(`${e.from}->${e.to}`) && !s.doc.edges.some((x) => x.from === e.from && x.to === nodeId))
      .map((e) => `${e.from}->${e.to}`)
      .join(',');
  });
  if (!stranded) return null;
  return (
    <div className="repoint" data-testid="repoint">
      {stranded.split(',').map((link) => {
        const [from, old] = link.split('->');
        return (
          <p key={link}>
            <b>{from}</b> still points at <b>{old}</b>, which is down.{' '}
            <button type="button" data-testid={`repoint-${from}`} onClick={() => void appStore.getState().repoint(from, old, nodeId)} title="As moving a VIP, a DNS name or an HAProxy backend does: its link and its host= go to this primary">
              Re-point {from} → {nodeId}
            </button>
          </p>
        );
      })}
    </div>
  );
}
