/**
 * A selected postgres node's memory in the inspector: its instance and price, shared_buffers' hit ratio
 * now, and the memory risk of its settings (work_mem x max_connections x sort nodes against what RAM less
 * shared_buffers leaves, the rule pgtune.ts applies for the CLI's --advise).
 */
import { INSTANCE_PRICES, instanceShape, memoryRisk, type PostgresSnapshot, postgresSettings } from '../../../../sim/index.ts';
import { useApp } from '../../../store/appStore.ts';

export function MemoryPanel({ nodeId }: { nodeId: string }) {
  const raw = useApp((s) => s.doc.nodes.find((n) => n.id === nodeId)?.settings);
  const snap = useApp((s) => s.snapshot?.nodes.find((n) => n.id === nodeId)) as PostgresSnapshot | undefined;
  const parsed = postgresSettings.safeParse(raw ?? {});
  if (!parsed.success) return null;
  const s = parsed.data;
  const risk = memoryRisk(s);
  const shape = instanceShape(s.instance);
  return (
    <div className="node-actions" data-testid="node-memory">
      <h3>Memory</h3>
      <p>
        {shape ? (
          <>
            {shape.name}: {shape.vcpu} vCPU, {shape.ramGiB}GB, <b data-testid="node-price">${shape.usdPerHour.toFixed(3)}/h</b>{' '}
            <span className="muted">
              (RDS on-demand, {INSTANCE_PRICES.region}, {INSTANCE_PRICES.date};{' '}
              <span data-testid="node-price-checked">{shape.checked ? `checked against ${shape.checked}` : 'not checked against a PostgreSQL price page: may be off by a few %'}</span>)
            </span>
          </>
        ) : (
          <>
            {s.cores} cores, {s.ram} RAM <span className="muted">(custom: no price; pick an instance for one)</span>
          </>
        )}
      </p>
      <p>
        shared_buffers {s.shared_buffers}, work_mem {s.work_mem}; hit ratio last second:{' '}
        <b data-testid="node-hit-ratio">{snap?.cacheHitRatio === undefined ? '–' : `${(snap.cacheHitRatio * 100).toFixed(1)} %`}</b>
      </p>
      {risk && (
        <p style={{ color: 'var(--bad)' }} data-testid="memory-risk">
          Memory risk: {risk}
        </p>
      )}
    </div>
  );
}
