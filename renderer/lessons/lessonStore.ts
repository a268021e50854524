/**
 * The lesson player's state and actions (a zustand store of its own beside the app's store): which
 * lesson and step, the live goal results, hints revealed, the progress. It drives the app the way a
 * student does: scenario edits become a new document (the same lessons/ code the tests replay), run-time
 * commands go through the app store (Run, console, live settings). Goals are checked from the running
 * sim's report, snapshot and console history by lessons/goals.ts.
 */
import { createStore } from 'zustand/vanilla';
import { useStore } from 'zustand';
import {
  type CheckResult,
  GoalTracker,
  isScenarioEdit,
  type LessonCommand,
  type LoadedLesson,
  scenarioAfter,
  seconds,
  settleGoal,
  sqlOf,
} from '../../lessons/index.ts';
import { type ConsoleRecord, parseScenario, type Report, type Scenario } from '../../sim/index.ts';
import { simClient } from '../sim/simClient.ts';
import { appStore } from '../store/appStore.ts';
import { docFromFile, docToScenario } from '../store/doc.ts';
import { catalog } from './catalog.ts';
import { emptyProgress, loadProgress, mergeProgress, type Progress, parseProgress, progressText, saveProgress } from './progress.ts';

export interface LessonState {
  /** The lessons view or the player is shown. */
  open: boolean;
  lessonId: string | undefined;
  step: number;
  results: CheckResult[];
  /** The current step's goal was met (it stays done even if a figure later moves). */
  done: boolean;
  hints: number;
  confirmSolution: boolean;
  progress: Progress;
  message: string | undefined;
}

const initial: LessonState = {
  open: false,
  lessonId: undefined,
  step: 0,
  results: [],
  done: false,
  hints: 0,
  confirmSolution: false,
  progress: emptyProgress(),
  message: undefined,
};

export const lessonStore = createStore<LessonState>()(() => initial);

export function useLessons<T>(selector: (s: LessonState) => T): T {
  return useStore(lessonStore, selector);
}

const set = (p: Partial<LessonState>) => lessonStore.setState(p);
const get = () => lessonStore.getState();

let tracker: GoalTracker | undefined;
/**
 * What the student ran in the console during this step, as the app store saw the results: the goal
 * reads it when the sim worker has no console history to give (an older worker without `report`).
 */
let localConsole: ConsoleRecord[] = [];
appStore.subscribe((s, prev) => {
  const r = s.consoleResult;
  if (!r || r === prev.consoleResult) return;
  localConsole.push({ at: (s.snapshot?.time ?? 0) * 1e6, node: r.node, query: r.query, columns: r.columns, rowCount: r.rowCount, ...(r.error ? { error: r.error.code } : {}) });
  if (localConsole.length > 200) localConsole = localConsole.slice(-200);
});
/** Sim time the step began at (seconds); 0 once the sim is reloaded. */
let since = 0;

export function currentLesson(): LoadedLesson | undefined {
  const id = get().lessonId;
  return catalog().lessons.find((l) => l.lesson.id === id);
}

async function persist(p: Progress) {
  set({ progress: p });
  try {
    await saveProgress(p);
  } catch (e) {
    set({ message: `progress not saved: ${String((e as Error)?.message ?? e)}` });
  }
}

export async function initLessons(): Promise<void> {
  set({ progress: await loadProgress() });
}

export function toggleLessons(): void {
  set({ open: !get().open });
}

export function showList(): void {
  set({ lessonId: undefined, results: [], open: true, confirmSolution: false });
  tracker = undefined;
}

function loadScenario(s: Scenario, name: string) {
  const app = appStore.getState();
  app.replaceDoc(docFromFile({ ...(s as unknown as Record<string, unknown>), name }));
}

/** Starts step `index` of a lesson from its start state (the lesson's start plus the earlier steps' solutions). */
export async function startStep(lessonId: string, index: number): Promise<void> {
  const l = catalog().lessons.find((x) => x.lesson.id === lessonId);
  if (!l) return;
  const step = l.lesson.steps[index];
  await appStore.getState().resetRun();
  loadScenario(l.stepStarts[index], l.lesson.title);
  tracker = new GoalTracker(step.goal);
  since = 0;
  localConsole = [];
  set({ open: true, lessonId, step: index, results: [], done: false, hints: 0, confirmSolution: false, message: undefined });
  const p = structuredClone(get().progress);
  p.lessons[lessonId] = { done: p.lessons[lessonId]?.done ?? [], current: index };
  await persist(p);
  if (step.demonstration.length > 0) await applyCommands(step.demonstration);
}

export function resetStep(): Promise<void> {
  return startStep(get().lessonId!, get().step);
}

export async function nextStep(): Promise<void> {
  const l = currentLesson();
  if (!l) return;
  if (get().step + 1 < l.lesson.steps.length) await startStep(l.lesson.id, get().step + 1);
  else showList();
}

export function revealHint(): void {
  set({ hints: get().hints + 1 });
}

export function askSolution(ask: boolean): void {
  set({ confirmSolution: ask });
}

/** Applies the step's solution for the student (after they confirmed). */
export async function showSolution(): Promise<void> {
  const l = currentLesson();
  if (!l) return;
  set({ confirmSolution: false, message: 'Applying the solution: watch the canvas and the goal.' });
  await applyCommands(l.lesson.steps[get().step].solution);
}

/** Leaves the lesson; its topology stays on the canvas as a scenario to play with. */
export function leaveLesson(): void {
  const l = currentLesson();
  const app = appStore.getState();
  if (l) app.commit((d) => void (d.name = `${l.lesson.title} (sandbox)`));
  tracker = undefined;
  set({ lessonId: undefined, open: false, results: [], confirmSolution: false });
}

/** The commands of a demonstration or a solution, applied as a student would. */
export async function applyCommands(commands: readonly LessonCommand[]): Promise<void> {
  const app = () => appStore.getState();
  for (const c of commands) {
    if (isScenarioEdit(c)) {
      const cur = parseScenario(docToScenario(app().doc));
      if (!cur.ok) return set({ message: 'the canvas holds an invalid scenario: fix it or Reset step' });
      const r = scenarioAfter(cur.scenario, [c]);
      if (!r.ok) return set({ message: r.message });
      if (app().loadedKey !== undefined) await app().resetRun();
      loadScenario(r.scenario, app().doc.name);
      continue;
    }
    switch (c.do) {
      case 'run':
        await app().run();
        // wait for the run to cover the command's time (or stop if the student pauses)
        await waitSimSeconds(seconds(c.for));
        break;
      case 'runSql':
        app().setDockTab('console');
        await app().runSql(c.node, sqlOf(c));
        break;
      case 'setNodeSetting':
        app().setSetting(c.node, c.name, c.value);
        await app().applySettingLive(c.node, c.name, c.value);
        break;
    }
  }
}

function waitSimSeconds(seconds: number): Promise<void> {
  const start = appStore.getState().snapshot?.time ?? 0;
  return new Promise((resolve) => {
    const stop = appStore.subscribe((s) => {
      const t = s.snapshot?.time ?? 0;
      if (t - start >= seconds || s.status === 'paused' || s.status === 'finished' || s.status === 'error' || s.status === 'idle') {
        stop();
        resolve();
      }
    });
  });
}

/** What the worker knows beyond the snapshot: the report and the console history (undefined when not loaded). */
async function fetchReport(): Promise<{ report: Report; console: ConsoleRecord[] } | undefined> {
  const s = appStore.getState();
  if (s.loadedKey === undefined || s.status === 'idle' || s.status === 'booting') return undefined;
  try {
    return await simClient().report();
  } catch {
    return undefined;
  }
}

/** Checks the current step's goal against the running sim; marks the step done when every check is met. */
export async function evaluateGoal(): Promise<void> {
  const l = currentLesson();
  const mine = tracker;
  if (!l || !mine || get().done) return;
  const fetched = await fetchReport();
  // a step started (or the lesson left) while the report was on its way: it belongs to another step
  if (tracker !== mine || get().done) return;
  const app = appStore.getState();
  const parsed = parseScenario(docToScenario(app.doc));
  if (!parsed.ok) return;
  const now = fetched?.report.simulatedSeconds ?? app.snapshot?.time ?? 0;
  if (now < since) since = 0;
  const results = mine.update({ scenario: parsed.scenario, report: fetched?.report, snapshot: app.snapshot, console: fetched?.console ?? localConsole, now, since });
  const step = l.lesson.steps[get().step];
  const next = settleGoal(get(), results);
  if (next.done) {
    set({ ...next, message: undefined });
    const p = structuredClone(get().progress);
    const entry = p.lessons[l.lesson.id] ?? { done: [], current: get().step };
    if (!entry.done.includes(step.id)) entry.done.push(step.id);
    p.lessons[l.lesson.id] = entry;
    await persist(p);
  } else set(next);
}

export function exportProgress(): { name: string; text: string } {
  return { name: 'pg-scaling-lab-progress.json', text: progressText(get().progress) };
}

export async function importProgress(text: string): Promise<string | undefined> {
  const r = parseProgress(text);
  if (!r.ok) return r.message;
  await persist(mergeProgress(get().progress, r.progress));
  return undefined;
}
