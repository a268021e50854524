/**
 * A scripted scene on stage: its caption over the canvas, and the keys a presenter's clicker sends.
 * PageDown / → next step (its commands play), PageUp / ← previous caption, B or . blank screen, R run or
 * pause, K kill and P promote the scene's nodes, Esc leaves the blank screen (or the scene).
 */
import './scenes.css';
import { useEffect } from 'react';
import { appStore } from '../store/appStore.ts';
import { Markdown } from './Markdown.tsx';
import { closeScene, faultKey, nextStep, previousStep, sceneStore, toggleBlank, useScene } from './sceneStore.ts';

function inTextField(target: EventTarget | null): boolean {
  const el = target as HTMLElement | null;
  return !!el && (el.tagName === 'INPUT' || el.tagName === 'TEXTAREA' || el.tagName === 'SELECT' || el.isContentEditable || !!el.closest?.('.cm-editor'));
}

/** The presenter's keys, while a scene is open. */
function onKey(e: KeyboardEvent): void {
  if (!sceneStore.getState().scene || e.ctrlKey || e.metaKey || e.altKey || inTextField(e.target)) return;
  const run = () => {
    const s = appStore.getState();
    void (s.status === 'running' ? s.pause() : s.run());
  };
  const keys: Record<string, () => void> = {
    PageDown: () => void nextStep(),
    ArrowRight: () => void nextStep(),
    PageUp: previousStep,
    ArrowLeft: previousStep,
    b: toggleBlank,
    B: toggleBlank,
    '.': toggleBlank,
    r: run,
    R: run,
    k: () => void faultKey('kill'),
    K: () => void faultKey('kill'),
    p: () => void faultKey('promote'),
    P: () => void faultKey('promote'),
    Escape: () => (sceneStore.getState().blank ? toggleBlank() : closeScene()),
  };
  const act = keys[e.key];
  if (!act) return;
  e.preventDefault();
  act();
}

export function ScenePlayer() {
  const scene = useScene((s) => s.scene);
  const step = useScene((s) => s.step);
  const busy = useScene((s) => s.busy);
  const blank = useScene((s) => s.blank);
  useEffect(() => {
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);
  if (!scene) return null;
  const last = scene.steps.length - 1;
  return (
    <>
      <div className="scene-caption" data-testid="scene-caption" data-step={step}>
        <div className="scene-head">
          <span className="scene-title">{scene.title}</span>
          <span className="scene-count" data-testid="scene-step">
            {step + 1} / {scene.steps.length}
            {busy ? ' ▸' : ''}
          </span>
          <button type="button" aria-label="previous step" disabled={step === 0} onClick={previousStep}>
            ◀
          </button>
          <button type="button" aria-label="next step" data-testid="scene-next" disabled={step === last || busy} onClick={() => void nextStep()}>
            ▶
          </button>
          <button type="button" aria-label="close the scene" onClick={closeScene}>
            ✕
          </button>
        </div>
        <div className="scene-text">
          <Markdown text={scene.steps[step].caption} />
        </div>
      </div>
      {blank && <div className="scene-blank" data-testid="scene-blank" />}
    </>
  );
}
