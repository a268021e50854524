/**
 * The lessons shipped with the app: lessons/*.json and the scenarios they name, bundled as texts and
 * validated once. A bad lesson file is listed with its file:line error; the others work.
 */
import { type LessonFileError, type LoadedLesson, loadLessons } from '../../lessons/index.ts';

const lessonTexts = import.meta.glob('../../lessons/*.json', { eager: true, query: '?raw', import: 'default' }) as Record<string, string>;
const scenarioTexts = import.meta.glob('../../lessons/scenarios/*.json', { eager: true, query: '?raw', import: 'default' }) as Record<string, string>;

/** `../../lessons/x.json` -> `lessons/x.json`, as error messages name them. */
const tidy = (files: Record<string, string>) => Object.fromEntries(Object.entries(files).map(([p, t]) => [p.replace(/^(\.\.\/)+/, ''), t]));

let cached: { lessons: LoadedLesson[]; errors: LessonFileError[] } | undefined;

export function catalog(): { lessons: LoadedLesson[]; errors: LessonFileError[] } {
  cached ??= loadLessons({ ...tidy(lessonTexts), ...tidy(scenarioTexts) });
  return cached;
}
