/**
 * A node's configuration file in and out (pgbouncer.ini for a pgbouncer node), for every kind whose sim
 * registration has a `config` format, with the sim's strict reader (errors name the line).
 */
import { useRef } from 'react';
import { type ConfigFormat, nodeKind } from '../../sim/index.ts';
import { bridge } from '../files/bridge.ts';
import { importedSettings } from '../files/configImport.ts';
import { downloadText } from '../files/fileActions.ts';
import { appStore } from '../store/appStore.ts';

/**
 * Imports a configuration file's text into node `nodeId` (of a kind with a `config` format): refused with
 * its line numbers and nothing changed, or applied to the document and, running, to the node as a reload.
 */
export async function importConfigText(nodeId: string, fileName: string, text: string): Promise<boolean> {
  const s = appStore.getState;
  const def = nodeKind(s().doc.nodes.find((n) => n.id === nodeId)?.kind ?? '');
  const config = def?.config as ConfigFormat<Record<string, unknown>> | undefined;
  if (!def || !config) return false;
  const r = config.parse(text);
  if (!r.ok) {
    s().notify(
      'error',
      `${fileName}: not applied; the node keeps its settings.`,
      r.errors.map((e) => ({ path: `line ${e.line}`, message: e.message })),
    );
    return false;
  }
  const before = def.settings.parse(s().doc.nodes.find((n) => n.id === nodeId)?.settings ?? {}) as Record<string, unknown>;
  const issues = s().replaceSettings(nodeId, importedSettings(config, before, r.settings as Record<string, unknown>));
  if (issues.length) {
    s().notify('error', `${fileName}: not applied.`, issues);
    return false;
  }
  // A running node takes the changed settings as a reload would (PgBouncer's RELOAD), or says which need a restart.
  const running = s().loadedKey !== undefined && s().status !== 'idle' && s().status !== 'booting';
  if (running) {
    for (const [name, value] of Object.entries(r.settings as Record<string, unknown>)) {
      if (JSON.stringify(value) !== JSON.stringify(before[name])) await s().applySettingLive(nodeId, name, value);
    }
  }
  s().notify(
    'info',
    `Imported ${fileName} into ${nodeId}${running ? ' (applied to the running node)' : ''}.`,
    r.warnings.map((w) => ({ path: `line ${w.line}`, message: w.message })),
  );
  return true;
}

export function ConfigFile({ nodeId, kind }: { nodeId: string; kind: string }) {
  const input = useRef<HTMLInputElement>(null);
  const s = appStore.getState;
  const def = nodeKind(kind);
  const config = def?.config as ConfigFormat<Record<string, unknown>> | undefined;
  if (!def || !config) return null;
  const fileName = `${nodeId}.${config.file}`;

  const exportIni = async () => {
    const node = s().doc.nodes.find((n) => n.id === nodeId);
    if (!node) return;
    const text = config.format(def.settings.parse(node.settings) as Record<string, unknown>, nodeId);
    const b = bridge();
    if (b) {
      const r = await b.saveFile({ suggestedName: fileName, text });
      if (r) s().notify('info', `Exported ${nodeId} as ${r.path}`);
      return;
    }
    downloadText(fileName, text, 'text/plain');
    s().notify('info', `Exported ${nodeId} as ${fileName} (downloaded)`);
  };

  const importIni = async (file: File) => importConfigText(nodeId, file.name, await file.text());

  return (
    <div className="ini" data-testid="config-file">
      <button type="button" data-testid="config-import" onClick={() => input.current?.click()}>
        Import {config.file}…
      </button>
      <button type="button" data-testid="config-export" onClick={() => void exportIni()}>
        Export {config.file}
      </button>
      <input
        ref={input}
        type="file"
        accept=".ini,text/plain"
        hidden
        data-testid="config-input"
        onChange={(e) => {
          const f = e.target.files?.[0];
          if (f) void importIni(f);
          e.target.value = '';
        }}
      />
    </div>
  );
}
