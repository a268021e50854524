/** In Electron: menu commands from the main process, and the window title. Nothing in a browser. */
import { useEffect } from 'react';
import { exportDeployment } from '../bench/exportBundle.ts';
import { bridge } from '../files/bridge.ts';
import { exportImage, newScenario, openFile, openRecent, saveFile } from '../files/fileActions.ts';
import { appStore, useApp } from '../store/appStore.ts';

export function useDesktop() {
  const name = useApp((s) => s.doc.name);
  const file = useApp((s) => s.file);
  useEffect(() => {
    const title = `${name}${file ? ` — ${file.name}` : ''} · PG Scaling Lab`;
    document.title = title;
    bridge()?.setTitle(title);
  }, [name, file]);
  useEffect(() => {
    const b = bridge();
    if (!b) return;
    return b.onMenu((command, arg) => {
      const s = appStore.getState();
      if (command === 'file:new') newScenario();
      else if (command === 'file:open' && arg) void openRecent({ name: arg.split(/[\\/]/).pop() ?? arg, path: arg, at: Date.now() });
      else if (command === 'file:open') void openFile();
      else if (command === 'file:save') void saveFile(false);
      else if (command === 'file:save-as') void saveFile(true);
      else if (command === 'edit:undo') s.undo();
      else if (command === 'edit:redo') s.redo();
      else if (command === 'view:large-text') s.cycleTextScale();
      else if (command === 'export:png') void exportImage('png');
      else if (command === 'export:svg') void exportImage('svg');
      else if (command === 'export:bundle') void exportDeployment();
    });
  }, []);
}
