/**
 * PGTune's advice for a selected postgres node in the inspector (the CLI's `--advise`): what its rules
 * propose for the node's RAM, cores and max_connections beside what the node has, one button to take it,
 * and the same advice as a postgresql.conf fragment to copy or download.
 */
import { formatAdvice, pgtune, postgresSettings } from '../../../../sim/index.ts';
import { downloadText } from '../../../files/fileActions.ts';
import { appStore, useApp } from '../../../store/appStore.ts';

// maintenance_work_mem is in the fragment; the model has no VACUUM or index build it would speed up
const ADVISED = ['shared_buffers', 'effective_cache_size', 'work_mem'] as const;

export function AdvicePanel({ nodeId }: { nodeId: string }) {
  const raw = useApp((s) => s.doc.nodes.find((n) => n.id === nodeId)?.settings);
  const loaded = useApp((s) => s.loadedKey !== undefined && s.status !== 'idle');
  const parsed = postgresSettings.safeParse(raw ?? {});
  if (!parsed.success) return null;
  const s = parsed.data;
  const advice = pgtune(s);
  const differs = ADVISED.filter((k) => String(s[k]) !== advice[k]);
  const conf = formatAdvice(s, nodeId);
  // one edit (one undo step): every advised setting or, when one is refused, none
  const take = () => {
    const store = appStore.getState();
    const issues = store.replaceSettings(nodeId, { ...raw, ...Object.fromEntries(differs.map((k) => [k, advice[k]])) });
    if (issues.length > 0) return store.notify('error', `The advice was not taken: ${issues.map((i) => i.message).join('; ')}`);
    if (loaded) for (const k of differs) void store.applySettingLive(nodeId, k, advice[k]);
  };
  return (
    <div className="node-actions" data-testid="node-advice">
      <h3>Advice (PGTune)</h3>
      <p className="muted">
        PGTune&apos;s web-application rules for {s.ram} RAM, {s.cores} cores and max_connections {s.max_connections} (work_mem assumes max_worker_processes{' '}
        {advice.workers}).
      </p>
      <table className="advice">
        <thead>
          <tr>
            <th>setting</th>
            <th>now</th>
            <th>advised</th>
          </tr>
        </thead>
        <tbody>
          {ADVISED.map((k) => (
            <tr key={k} data-testid={`advice-${k}`} className={differs.includes(k) ? 'differs' : undefined}>
              <td>
                <code>{k}</code>
              </td>
              <td>{String(s[k])}</td>
              <td>
                <b>{advice[k]}</b>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <p>
        <button type="button" data-testid="advice-apply" disabled={differs.length === 0} onClick={take}>
          {differs.length === 0 ? 'The node has the advice' : `Take the advice (${differs.length} setting${differs.length > 1 ? 's' : ''})`}
        </button>{' '}
        <button type="button" data-testid="advice-download" onClick={() => downloadText(`${nodeId}.postgresql.conf`, conf, 'text/plain')}>
          postgresql.conf fragment
        </button>
      </p>
      {differs.includes('shared_buffers') && <p className="muted">shared_buffers needs a restart: on a running node it applies at the next Reset, with a cold cache.</p>}
    </div>
  );
}
