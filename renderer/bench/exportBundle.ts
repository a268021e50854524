/**
 * Export the deployment files of the document: the bundle `npm run export` writes (sim/export:
 * postgresql.conf fragments, pgbouncer.ini, redis.conf, pgdog.toml, the app's routing and caching code,
 * initdb scripts, docker-compose.yml), from the same `exportScenario`. Electron writes it into a folder
 * the user picks (window.pgLab.exportBundle); a browser downloads it as one zip.
 */
import { exportScenario, parseScenario } from '../../sim/index.ts';
import { bridge } from '../files/bridge.ts';
import { downloadBlob, fileNameFor } from '../files/fileActions.ts';
import { appStore } from '../store/appStore.ts';
import { docToScenario, validateDoc } from '../store/doc.ts';
import { zipFiles } from './zip.ts';

export async function exportDeployment(): Promise<void> {
  const s = appStore.getState();
  const issues = validateDoc(s.doc);
  const parsed = issues.length === 0 ? parseScenario(docToScenario(s.doc)) : undefined;
  if (!parsed?.ok) {
    s.notify('error', 'This scenario is not complete yet, so it has no deployment to export:', parsed && !parsed.ok ? parsed.issues : issues);
    return;
  }
  // the templates are bundled text: loaded when first exported, not with the page
  const { webExportTemplates } = await import('../../sim/browser.ts');
  const files = exportScenario(parsed.scenario, webExportTemplates());
  const folder = `${fileNameFor(s.doc).replace(/\.json$/, '')}-deploy`;
  const b = bridge();
  if (b) {
    const r = await b.exportBundle({ suggestedName: folder, files });
    if (r) s.notify('info', `Exported ${r.files} deployment files to ${r.path}`);
    return;
  }
  downloadBlob(`${folder}.zip`, new Blob([zipFiles(files) as BlobPart], { type: 'application/zip' }));
  s.notify('info', `Exported ${files.length} deployment files as ${folder}.zip (downloaded)`);
}
