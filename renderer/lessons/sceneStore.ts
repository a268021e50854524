/**
 * The scene player (lessons/scene.ts): a zustand store of its own beside the app's, like the lesson
 * player's. Opening a scene loads its scenario in the stage layout; moving to a step plays its commands
 * through the app store, as the presenter would press the buttons (Run, a fault, the scrubber, Fork).
 * Going back shows the previous caption and plays nothing: what ran stays done, as on a live system.
 */
import { createStore } from 'zustand/vanilla';
import { useStore } from 'zustand';
import { parseScene, type Scene, type SceneCommand, seconds, sqlOf } from '../../lessons/index.ts';
import { parseScenarioText } from '../../sim/index.ts';
import { simClient } from '../sim/simClient.ts';
import { appStore } from '../store/appStore.ts';
import { docFromFile } from '../store/doc.ts';
import { waitSimSeconds } from './lessonStore.ts';

const sceneTexts = import.meta.glob('../../lessons/scenes/*.json', { eager: true, query: '?raw', import: 'default' }) as Record<string, string>;
const scenarioTexts = import.meta.glob('../../lessons/scenarios/*.json', { eager: true, query: '?raw', import: 'default' }) as Record<string, string>;
const scenarioText = (file: string) => scenarioTexts[`../../lessons/scenarios/${file}`];

let parsed: Scene[] | undefined;
/**
 * The shipped scenes that validate (a bad file is left out with its errors in the console of the page).
 * Validated when first asked (the Examples menu), not at start-up: it parses every scene's scenario.
 */
export function scenes(): Scene[] {
  parsed ??= Object.entries(sceneTexts).flatMap(([path, text]) => {
    const r = parseScene(text, (file) => {
      const t = scenarioText(file);
      const p = t === undefined ? undefined : parseScenarioText(t);
      return p?.ok ? p.scenario.nodes.map((n) => n.id) : undefined;
    });
    if (!r.ok) console.error(`${path}: ${r.errors.join('; ')}`);
    return r.ok ? [r.scene] : [];
  });
  return parsed;
}

export interface SceneState {
  scene: Scene | undefined;
  /** The step shown (its caption); `played` steps have had their commands run. */
  step: number;
  played: number;
  /** The screen is blank (B). */
  blank: boolean;
  /** A step's commands are playing: the next PageDown waits. */
  busy: boolean;
}

export const sceneStore = createStore<SceneState>()(() => ({ scene: undefined, step: 0, played: -1, blank: false, busy: false }));

export function useScene<T>(selector: (s: SceneState) => T): T {
  return useStore(sceneStore, selector);
}

const app = () => appStore.getState();

/** Opens a scene: its scenario in the stage layout, the first step's caption, its commands played. */
export async function openScene(id: string): Promise<void> {
  const scene = scenes().find((s) => s.id === id);
  if (!scene) return;
  if (app().loadedKey !== undefined) await app().resetRun();
  app().replaceDoc(docFromFile(JSON.parse(scenarioText(scene.scenario))));
  app().setStage(true);
  sceneStore.setState({ scene, step: 0, played: -1, blank: false, busy: false });
  await playTo(0);
}

export function closeScene(): void {
  sceneStore.setState({ scene: undefined, step: 0, played: -1, blank: false, busy: false });
  app().setStage(false);
}

/** PageDown: the next step (its commands play once). */
export async function nextStep(): Promise<void> {
  const { scene, step, busy } = sceneStore.getState();
  if (!scene || busy || step + 1 >= scene.steps.length) return;
  await playTo(step + 1);
}

/** PageUp: the previous caption; nothing is undone. */
export function previousStep(): void {
  const { step } = sceneStore.getState();
  sceneStore.setState({ step: Math.max(0, step - 1) });
}

export function toggleBlank(): void {
  sceneStore.setState({ blank: !sceneStore.getState().blank });
}

/** K and P: kill or promote the scene's node for it, now. */
export async function faultKey(kind: 'kill' | 'promote'): Promise<void> {
  const node = sceneStore.getState().scene?.keys[kind];
  if (node) await app().fault({ kind, node });
}

async function playTo(index: number): Promise<void> {
  const { scene, played } = sceneStore.getState();
  sceneStore.setState({ step: index });
  if (!scene || index <= played) return;
  sceneStore.setState({ busy: true, played: index });
  try {
    for (const c of scene.steps[index].do) await play(c);
  } finally {
    sceneStore.setState({ busy: false });
  }
}

async function play(c: SceneCommand): Promise<void> {
  switch (c.do) {
    case 'run':
      await app().run();
      if (c.for !== undefined) {
        await waitSimSeconds(seconds(c.for));
        await app().pause();
      }
      return;
    case 'pause':
      return app().pause();
    case 'setSpeed':
      return app().setSpeed(c.speed);
    case 'step':
      return app().step();
    case 'fault':
      await app().fault(c.fault);
      return;
    case 'setNodeSetting':
      app().setSetting(c.node, c.name, c.value);
      return app().applySettingLive(c.node, c.name, c.value);
    case 'setWorkload':
    case 'stopWorkload':
      // on the running sim, as the console and the faults act
      await simClient()
        .apply(c)
        .catch((e) => app().notify('error', String((e as Error)?.message ?? e), undefined, true));
      return;
    case 'runSql':
      app().setDockTab('console');
      return app().runSql(c.node, sqlOf(c));
    case 'rewind':
      return app().scrubTo(seconds(c.to));
    case 'live':
      return app().scrubTo(undefined);
    case 'fork':
      return app().forkHere();
    case 'follow':
      return app().setFollowing(c.on);
    case 'followSlowest':
      await app().followRequest('slowest');
      return;
    case 'show':
      app().setDockTab(c.tab);
      return;
  }
}
