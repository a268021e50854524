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
  PATTERNS,
  type LoadedLesson,
  scenarioAfter,
  seconds,
  settleGoal,
  sqlOf,
} from '../../lessons/index.ts';
import { type ConsoleRecord, nodeKind, nodeKinds, parseScenario, type Report, type Scenario } from '../../sim/index.ts';
import { importConfigText } from '../components/ConfigFile.tsx';
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
  /** The first screen (lessons map, examples, sandbox) is shown. */
  welcome: boolean;
  /** The glossary is open at this term ('' at its top); undefined: closed. */
  glossary: string | undefined;
  /** What the last Show solution changed, in words. */
  solutionChanges: string[] | undefined;
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
  welcome: false,
  glossary: undefined,
  solutionChanges: undefined,
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
  set({ open: true, welcome: false, lessonId, step: index, results: [], done: false, hints: 0, confirmSolution: false, message: undefined, solutionChanges: undefined });
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

/** The lesson after the current one, in the map's order (by pattern), if any. */
export function nextLesson(): LoadedLesson | undefined {
  const ordered = lessonsInOrder();
  const i = ordered.findIndex((l) => l.lesson.id === get().lessonId);
  return i >= 0 ? ordered[i + 1] : undefined;
}

/** The lessons by pattern, in the order of PATTERNS (the seed's order), then as listed. */
export function lessonsInOrder(): LoadedLesson[] {
  return PATTERNS.flatMap((p) => catalog().lessons.filter((l) => l.lesson.patterns[0] === p));
}

export function showWelcome(on: boolean): void {
  set({ welcome: on });
}

export function openGlossary(term: string | undefined): void {
  set({ glossary: term });
}

/**
 * A ```sql block of the lesson text runs in the SQL console (of the node chosen there, else the first
 * SQL node); an ```ini block is imported into the node whose configuration file it is.
 */
export async function runBlock(lang: string, code: string): Promise<void> {
  const app = appStore.getState();
  if (lang === 'sql') {
    const sqlNodes = app.doc.nodes.filter((n) => nodeKind(n.kind)?.console === 'sql').map((n) => n.id);
    const node = app.consoleNode && sqlNodes.includes(app.consoleNode) ? app.consoleNode : sqlNodes[0];
    if (!node) return set({ message: 'no database node on the canvas to run it on' });
    app.setDockTab('console');
    await app.runSql(node, code);
    return;
  }
  const file = nodeKinds().find((k) => k.config?.file.endsWith(`.${lang}`))?.config?.file ?? `a .${lang} file`;
  const target = app.doc.nodes.find((n) => nodeKind(n.kind)?.config?.file === file);
  if (!target) return set({ message: `Add the node that reads ${file} first, then run this again.` });
  await importConfigText(target.id, file, code);
}

/** A lesson command in words, as Show solution lists what it changed. */
export function describeCommand(c: LessonCommand): string {
  switch (c.do) {
    case 'addNode':
      return `added the ${c.kind} node ${c.id}`;
    case 'removeNode':
      return `removed the node ${c.id}`;
    case 'addEdge':
      return `linked ${c.from} → ${c.to}`;
    case 'removeEdge':
      return `removed the link ${c.from} → ${c.to}`;
    case 'setNodeSetting':
      return `set ${c.name} = ${typeof c.value === 'object' ? JSON.stringify(c.value) : String(c.value)} on ${c.node}`;
    case 'setWorkload':
      return `set the workload's ${Object.entries(c.set)
        .map(([k, v]) => `${k} = ${typeof v === 'object' ? JSON.stringify(v) : String(v)}`)
        .join(', ')}`;
    case 'setShardStrategy':
      return `chose the ${String(c.strategy.kind)} shard strategy`;
    case 'reshard':
      return `resharded onto ${c.shards.join(', ')}${c.strategy ? ` with the ${String(c.strategy.kind)} strategy` : ''}`;
    case 'run':
      return `ran for ${c.for} of simulated time`;
    case 'runSql':
      return `ran ${c.monitoring ? `the seed's "${c.monitoring}" query` : `\`${c.sql!.split('\n')[0].slice(0, 60)}\``} in ${c.node}'s console`;
  }
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
  const solution = l.lesson.steps[get().step].solution;
  set({ confirmSolution: false, message: 'Applying the solution: watch the canvas and the goal.', solutionChanges: solution.map(describeCommand) });
  await applyCommands(solution);
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
      case 'reshard':
        await simClient().apply(c).catch((e: Error) => set({ message: e.message }));
        break;
    }
  }
}

/** Resolves when the run has covered `seconds` more of virtual time, or stopped (the scene player waits so too). */
export function waitSimSeconds(seconds: number): Promise<void> {
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
