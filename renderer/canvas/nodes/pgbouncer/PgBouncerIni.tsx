/** pgbouncer.ini in and out for a pgbouncer node, with the sim's strict reader (errors name the line). */
import { useRef } from 'react';
import { formatPgbouncerIni, nodeKind, parsePgbouncerIni } from '../../../../sim/index.ts';
import { bridge } from '../../../files/bridge.ts';
import { appStore } from '../../../store/appStore.ts';

export function PgBouncerIni({ nodeId }: { nodeId: string }) {
  const input = useRef<HTMLInputElement>(null);
  const s = appStore.getState;

  const exportIni = async () => {
    const node = s().doc.nodes.find((n) => n.id === nodeId);
    if (!node) return;
    const settings = nodeKind('pgbouncer')!.settings.parse(node.settings);
    const text = formatPgbouncerIni(settings as never, nodeId);
    const b = bridge();
    if (b) {
      const r = await b.saveFile({ suggestedName: `${nodeId}.pgbouncer.ini`, text });
      if (r) s().notify('info', `Exported ${nodeId} as ${r.path}`);
      return;
    }
    const url = URL.createObjectURL(new Blob([text], { type: 'text/plain' }));
    const a = document.createElement('a');
    a.href = url;
    a.download = `${nodeId}.pgbouncer.ini`;
    a.click();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
    s().notify('info', `Exported ${nodeId} as ${nodeId}.pgbouncer.ini (downloaded)`);
  };

  const importIni = async (file: File) => {
    const r = parsePgbouncerIni(await file.text());
    if (!r.ok) {
      s().notify(
        'error',
        `${file.name}: not applied; the node keeps its settings.`,
        r.errors.map((e) => ({ path: `line ${e.line}`, message: e.message })),
      );
      return;
    }
    const before = nodeKind('pgbouncer')!.settings.parse(s().doc.nodes.find((n) => n.id === nodeId)?.settings ?? {}) as Record<string, unknown>;
    const issues = s().replaceSettings(nodeId, r.settings as Record<string, unknown>);
    if (issues.length) {
      s().notify('error', `${file.name}: not applied.`, issues);
      return;
    }
    // A running pooler takes the changed settings as PgBouncer's RELOAD would (or says which need a restart).
    const running = s().loadedKey !== undefined && s().status !== 'idle' && s().status !== 'booting';
    if (running) {
      for (const [name, value] of Object.entries(r.settings as Record<string, unknown>)) {
        if (JSON.stringify(value) !== JSON.stringify(before[name])) await s().applySettingLive(nodeId, name, value);
      }
    }
    s().notify(
      'info',
      `Imported ${file.name} into ${nodeId}${running ? ' (applied to the running pooler)' : ''}.`,
      r.warnings.map((w) => ({ path: `line ${w.line}`, message: w.message })),
    );
  };

  return (
    <div className="ini" data-testid="pgbouncer-ini">
      <button type="button" data-testid="ini-import" onClick={() => input.current?.click()}>
        Import pgbouncer.ini…
      </button>
      <button type="button" data-testid="ini-export" onClick={() => void exportIni()}>
        Export pgbouncer.ini
      </button>
      <input
        ref={input}
        type="file"
        accept=".ini,text/plain"
        hidden
        data-testid="ini-input"
        onChange={(e) => {
          const f = e.target.files?.[0];
          if (f) void importIni(f);
          e.target.value = '';
        }}
      />
    </div>
  );
}
