/** Toolbar: scenario name, files, run controls, speed, seed, reset, view. */
import { useRef, useState } from 'react';
import { BenchButton } from '../bench/BenchButton.tsx';
import { exportDeployment } from '../bench/exportBundle.ts';
import { exportImage, newScenario, openFile, openRecent, openText, readUpload, saveFile } from '../files/fileActions.ts';
import { readRecent } from '../files/storage.ts';
import type { SpeedSetting } from '../sim/protocol.ts';
import { appStore, useApp } from '../store/appStore.ts';
import { docText } from '../store/doc.ts';
import { isStale } from '../store/runSlice.ts';
import { EXAMPLES } from '../examples.ts';
import { openScene, scenes } from '../lessons/sceneStore.ts';
import { RateReadout } from './RateReadout.tsx';
import { showWelcome } from '../lessons/lessonStore.ts';

const SPEEDS: { value: SpeedSetting; label: string }[] = [
  { value: 1, label: '1×' },
  { value: 10, label: '10×' },
  { value: 100, label: '100×' },
  { value: 'max', label: 'max' },
];

export function Toolbar() {
  const name = useApp((s) => s.doc.name);
  const status = useApp((s) => s.status);
  const speed = useApp((s) => s.speed);
  const seed = useApp((s) => s.doc.run.seed ?? 1);
  const stale = useApp((s) => isStale(s));
  const dirty = useApp((s) => s.savedText !== undefined && s.savedText !== docText(s.doc));
  const canUndo = useApp((s) => s.past.length > 0);
  const canRedo = useApp((s) => s.future.length > 0);
  const file = useApp((s) => s.file);
  const textScale = useApp((s) => s.textScale);
  const highContrast = useApp((s) => s.highContrast);
  const stage = useApp((s) => s.stage);
  const input = useRef<HTMLInputElement>(null);
  const [menu, setMenu] = useState<'recent' | 'examples' | 'export' | undefined>();
  const s = appStore.getState;
  const running = status === 'running';
  const busy = status === 'booting';

  return (
    <header className="toolbar" data-testid="toolbar">
      <button type="button" className="brand" data-testid="btn-home" onClick={() => showWelcome(true)} title="The first screen: lessons, examples, sandbox">
        PG Lab
      </button>
      <span className="scenario-name" data-testid="scenario-name" title={file?.path ?? file?.name ?? 'not saved yet'}>
        {name}
        {dirty ? ' •' : ''}
      </span>
      <div className="group stage-hide">
        <button type="button" data-testid="btn-new" onClick={() => newScenario()}>
          New
        </button>
        <button type="button" data-testid="btn-open" onClick={() => void openFile(input.current)}>
          Open…
        </button>
        <input
          ref={input}
          type="file"
          accept=".json,application/json"
          hidden
          data-testid="file-input"
          onChange={(e) => {
            const f = e.target.files?.[0];
            if (f) void readUpload(f);
            e.target.value = '';
          }}
        />
        <div className="menu-wrap">
          <button type="button" data-testid="btn-recent" onClick={() => setMenu(menu === 'recent' ? undefined : 'recent')}>
            Recent ▾
          </button>
          {menu === 'recent' && (
            <div className="menu" data-testid="recent-menu">
              {readRecent().length === 0 && <div className="muted">No recent files</div>}
              {readRecent().map((r) => (
                <button
                  type="button"
                  key={r.path ?? r.name}
                  onClick={() => {
                    setMenu(undefined);
                    void openRecent(r);
                  }}
                >
                  {r.name}
                  {r.path ? <span className="muted"> {r.path}</span> : null}
                </button>
              ))}
            </div>
          )}
        </div>
        <div className="menu-wrap">
          <button type="button" data-testid="btn-examples" onClick={() => setMenu(menu === 'examples' ? undefined : 'examples')}>
            Examples ▾
          </button>
          {menu === 'examples' && (
            <div className="menu">
              {EXAMPLES.map((ex) => (
                <button
                  type="button"
                  key={ex.file}
                  onClick={() => {
                    setMenu(undefined);
                    void openText(ex.text, { name: ex.file });
                  }}
                >
                  {ex.name}
                </button>
              ))}
              {scenes().map((scene) => (
                <button
                  type="button"
                  key={scene.id}
                  data-testid={`scene-${scene.id}`}
                  title="A scripted scene for a talk, on the stage layout: PageDown/PageUp, B blanks the screen, R run/pause, K kill, P promote, Esc leaves"
                  onClick={() => {
                    setMenu(undefined);
                    void openScene(scene.id);
                  }}
                >
                  ▶ Scene: {scene.title}
                </button>
              ))}
            </div>
          )}
        </div>
        <button type="button" data-testid="btn-save" onClick={() => void saveFile(false)}>
          Save
        </button>
        <button type="button" data-testid="btn-save-as" onClick={() => void saveFile(true)}>
          Save As…
        </button>
      </div>
      <div className="group stage-hide">
        <button type="button" data-testid="btn-undo" disabled={!canUndo} onClick={() => s().undo()} title="Undo (Ctrl+Z)">
          ↶
        </button>
        <button type="button" data-testid="btn-redo" disabled={!canRedo} onClick={() => s().redo()} title="Redo (Ctrl+Shift+Z)">
          ↷
        </button>
        <button type="button" data-testid="btn-layout" onClick={() => s().autoLayout()} title="Auto-layout">
          Layout
        </button>
      </div>
      <div className="group run">
        {running ? (
          <button type="button" className="primary" data-testid="btn-pause" onClick={() => void s().pause()}>
            ❚❚ Pause
          </button>
        ) : status === 'finished' ? (
          <button
            type="button"
            className="primary"
            data-testid="btn-continue"
            title="The run reached the scenario's duration: go on for as long again, from where it stopped"
            onClick={() => void s().continueRun()}
          >
            ▶ Continue
          </button>
        ) : (
          <button type="button" className="primary" data-testid="btn-run" disabled={busy} onClick={() => void s().run()}>
            ▶ {status === 'paused' ? 'Resume' : 'Run'}
          </button>
        )}
        <button type="button" data-testid="btn-step" disabled={busy || running} onClick={() => void s().step()} title="Advance 100 ms of simulated time">
          Step
        </button>
        <select data-testid="speed" aria-label="speed" value={String(speed)} onChange={(e) => void s().setSpeed(e.target.value === 'max' ? 'max' : Number(e.target.value))}>
          {SPEEDS.map((o) => (
            <option key={String(o.value)} value={String(o.value)}>
              {o.label}
            </option>
          ))}
        </select>
        <RateReadout />
        <label className="seed stage-hide">
          seed{' '}
          <input
            data-testid="seed"
            aria-label="seed"
            key={String(seed)}
            defaultValue={String(seed)}
            onBlur={(e) => {
              const issues = s().setRunField('seed', Number(e.target.value));
              if (issues.length) {
                s().notify('error', `seed: ${issues[0].message}`);
                e.target.value = String(seed);
              }
            }}
          />
        </label>
        <button type="button" data-testid="btn-reset" disabled={busy} onClick={() => void s().resetRun()} title="Stop the run and start again from the document">
          Reset
        </button>
        <span className={`status status-${status}`} data-testid="run-status" title={stale ? `${status}: the document changed since the run began; Reset applies it` : status}>
          {status}
          {stale ? ' · changed: Reset to apply' : ''}
        </span>
      </div>
      <div className="group right">
        <BenchButton />
        <div className="menu-wrap stage-hide">
          <button type="button" data-testid="btn-export" onClick={() => setMenu(menu === 'export' ? undefined : 'export')}>
            Export ▾
          </button>
          {menu === 'export' && (
            <div className="menu">
              <button type="button" data-testid="export-png" onClick={() => {
                  setMenu(undefined);
                  void exportImage('png');
                }}>
                PNG image
              </button>
              <button type="button" data-testid="export-svg" onClick={() => {
                  setMenu(undefined);
                  void exportImage('svg');
                }}>
                SVG image
              </button>
              <button type="button" data-testid="export-bundle" title="The configs, app code and docker-compose.yml of this design (npm run export)" onClick={() => {
                  setMenu(undefined);
                  void exportDeployment();
                }}>
                Deployment files (zip)
              </button>
            </div>
          )}
        </div>
        <button type="button" data-testid="btn-large-text" onClick={() => s().cycleTextScale()} title={`Text size ${Math.round(textScale * 100)} %: larger for a projector (click again for the next size)`}>
          Aa{textScale > 1 ? ` ${textScale}×` : ''}
        </button>
        <button type="button" data-testid="btn-contrast" aria-pressed={highContrast} onClick={() => s().toggleHighContrast()} title="High contrast">
          ◐
        </button>
        <button
          type="button"
          data-testid="btn-stage"
          aria-pressed={stage}
          className={stage ? 'primary' : ''}
          onClick={() => s().setStage(!stage)}
          title="Stage layout for presenting: side panels collapse, charts in a grid (Ctrl+Shift+P)"
        >
          Stage
        </button>
      </div>
    </header>
  );
}
