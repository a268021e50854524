/**
 * Faults for a selected redis node of the running simulation: stop (SHUTDOWN: the keys are saved), kill
 * (the process dies: its keys are lost) and start. The apps answer from the database meanwhile, or fail
 * with the seed's CacheService (cache_suppress_l2_errors off).
 */
import type { RedisSnapshot } from '../../../../sim/index.ts';
import { useApp } from '../../../store/appStore.ts';
import { FaultActions } from '../FaultActions.tsx';

export function RedisFaults({ nodeId }: { nodeId: string }) {
  const snap = useApp((s) => s.snapshot?.nodes.find((n) => n.id === nodeId)) as RedisSnapshot | undefined;
  const up = !snap || snap.status === 'up';
  return (
    <FaultActions
      testId="redis-faults"
      buttons={(live, fault) => (
        <>
          <button type="button" data-testid="fault-stop" disabled={!live || !up} onClick={() => fault({ kind: 'stop', node: nodeId })} title="SHUTDOWN: connections close, the RDB is saved">
            Stop
          </button>
          <button type="button" data-testid="fault-start" disabled={!live || snap?.status !== 'down'} onClick={() => fault({ kind: 'start', node: nodeId })} title="start redis-server again (a stopped one loads its RDB; a killed one comes back empty)">
            Start
          </button>
          <button type="button" className="danger" data-testid="fault-kill" disabled={!live || !up} onClick={() => fault({ kind: 'kill', node: nodeId })} title="the process dies: in-flight commands fail, the keys are lost">
            Kill
          </button>
        </>
      )}
    >
      {!up && <p data-testid="redis-down">{nodeId} is {snap?.status}: the apps answer from the database (cache_suppress_l2_errors on) or fail (off, the seed's CacheService).</p>}
    </FaultActions>
  );
}
