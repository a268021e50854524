/**
 * The lessons shipped with the app: lessons/*.json and the scenarios they name, bundled as texts and
 * validated once. A bad lesson file is listed with its file:line error; the others work. Validating them
 * all takes a few hundred milliseconds on a slow machine: the first screen loads them a file per task
 * (`loadCatalog`), so the page never blocks; `catalog()` finishes the rest at once when asked first.
 */
import { nextTask } from '../nextTask.ts';
import { type LessonFileError, type LoadedLesson, loadingLessons } from '../../lessons/index.ts';

const lessonTexts = import.meta.glob('../../lessons/*.json', { eager: true, query: '?raw', import: 'default' }) as Record<string, string>;
const scenarioTexts = import.meta.glob('../../lessons/scenarios/*.json', { eager: true, query: '?raw', import: 'default' }) as Record<string, string>;

/** `../../lessons/x.json` -> `lessons/x.json`, as error messages name them. */
const tidy = (files: Record<string, string>) => Object.fromEntries(Object.entries(files).map(([p, t]) => [p.replace(/^(\.\.\/)+/, ''), t]));

type Catalog = { lessons: LoadedLesson[]; errors: LessonFileError[] };

let cached: Catalog | undefined;
const loading = loadingLessons({ ...tidy(lessonTexts), ...tidy(scenarioTexts) });

/** Loads one more lesson file; true once the catalog is complete. */
function step(): boolean {
  if (cached) return true;
  const r = loading.next();
  if (r.done) cached = r.value;
  return !!cached;
}

export function catalog(): Catalog {
  while (!step());
  return cached!;
}

/** Whether the catalog is loaded (`catalog()` costs nothing then). */
export function catalogLoaded(): boolean {
  return !!cached;
}

/** Loads the catalog a lesson file per task (the first one too: the caller's task may be long already). */
export async function loadCatalog(): Promise<Catalog> {
  do await nextTask();
  while (!step());
  return cached!;
}
