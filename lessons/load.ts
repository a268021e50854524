/**
 * Reading lessons: each file is parsed and validated on its own, so a bad file gives errors with its
 * path and line, and the other lessons keep working. Pure: it takes the files' texts (read from disk by
 * the tests and the CLI, bundled by the app), never reads files itself.
 */
import { applyOverrides, formatIssues, nodeKind, parseScenario, parseScenarioText, type Scenario } from '../sim/index.ts';
import { editLessonScenario } from './commands.ts';
import { JsonSyntaxError, type Located, lineOf, parseLocated, pathKey } from './json.ts';
import { type Check, isScenarioEdit, type Lesson, type LessonCommand, lessonSchema, type Selector } from './schema.ts';
import { matches } from './goals.ts';

export interface LessonFileError {
  /** The file, as given (`lessons/pooling.json`). */
  file: string;
  line: number;
  /** Where in the lesson (`steps[1].goal[0].op`), when the error is in a value. */
  path?: string;
  message: string;
}

export interface LoadedLesson {
  file: string;
  lesson: Lesson;
  /** The start scenario, validated, with the lesson's overrides applied. */
  start: Scenario;
  /** The topology each step starts from: the start plus the previous steps' solutions. */
  stepStarts: Scenario[];
}

export function formatLessonError(e: LessonFileError): string {
  return `${e.file}:${e.line}: ${e.path ? `${e.path}: ` : ''}${e.message}`;
}

/** Whether a file under lessons/ is a lesson (not a scenario or a README). */
export function isLessonFile(path: string): boolean {
  return /(^|\/)lessons\/[a-z0-9_-]+\.json$/.test(path);
}

/**
 * Loads every lesson among `files` (path -> text; lesson files are `lessons/*.json`, the scenarios they
 * name are `lessons/scenarios/*.json`), sorted by `order` then title.
 */
export function loadLessons(files: Record<string, string>): { lessons: LoadedLesson[]; errors: LessonFileError[] } {
  return finish(loadingLessons(files));
}

/** Runs a loading generator to its end, at once. */
function finish<T>(loading: Generator<void, T>): T {
  for (;;) {
    const r = loading.next();
    if (r.done) return r.value;
  }
}

/**
 * `loadLessons` in slices: each `next()` does a part of a lesson file (its schema, its start scenario, a
 * step's commands), and the last returns what `loadLessons` does. The app yields to the page between
 * slices, so its first screen never blocks it (issue 14: a whole file was a task of 25-40 ms of CPU).
 */
export function* loadingLessons(files: Record<string, string>): Generator<void, { lessons: LoadedLesson[]; errors: LessonFileError[] }> {
  const lessons: LoadedLesson[] = [];
  const errors: LessonFileError[] = [];
  const ids = new Map<string, string>();
  for (const file of Object.keys(files).filter(isLessonFile).sort()) {
    const r = yield* loadingLesson(file, files[file], (ref) => {
      const base = file.slice(0, file.lastIndexOf('/') + 1);
      return files[base + ref];
    });
    if (!r.ok) {
      errors.push(...r.errors);
      continue;
    }
    const other = ids.get(r.lesson.lesson.id);
    if (other) {
      errors.push({ file, line: lineOf(r.located, ['id']), path: 'id', message: `the id "${r.lesson.lesson.id}" is used by ${other} too` });
      continue;
    }
    ids.set(r.lesson.lesson.id, file);
    lessons.push(r.lesson);
  }
  lessons.sort((a, b) => a.lesson.order - b.lesson.order || a.lesson.title.localeCompare(b.lesson.title));
  return { lessons, errors };
}

type LessonResult = { ok: true; lesson: LoadedLesson; located: Located } | { ok: false; errors: LessonFileError[] };

/** Loads one lesson file; `scenarioFile` gives the text of a scenario it names (relative to its folder). */
export function loadLesson(file: string, text: string, scenarioFile: (ref: string) => string | undefined): LessonResult {
  return finish(loadingLesson(file, text, scenarioFile));
}

/** `loadLesson` in slices (see `loadingLessons`). */
function* loadingLesson(file: string, text: string, scenarioFile: (ref: string) => string | undefined): Generator<void, LessonResult> {
  let located: Located;
  try {
    located = parseLocated(text);
  } catch (e) {
    if (e instanceof JsonSyntaxError) return { ok: false, errors: [{ file, line: e.line, message: `not valid JSON: ${e.message} (column ${e.column})` }] };
    throw e;
  }
  // the text's parse and its validation are a slice each: together they were the cold start's longest task
  // (the first file's, 14-22 ms of CPU on a loaded machine, a third of it the parse)
  yield;
  const parsed = lessonSchema.safeParse(located.value);
  if (!parsed.success) {
    return {
      ok: false,
      errors: parsed.error.issues.map((i) => {
        const path = pathKey(i.path as PropertyKey[]);
        let message = i.message;
        if (i.code === 'unrecognized_keys') message = `unknown key${i.keys.length > 1 ? 's' : ''} ${i.keys.map((k) => `"${k}"`).join(', ')}`;
        return { file, line: lineOf(located, i.path as PropertyKey[]), path: path || undefined, message };
      }),
    };
  }
  yield;
  const lesson = parsed.data;
  const errors: LessonFileError[] = [];
  const at = (path: PropertyKey[], message: string) => errors.push({ file, line: lineOf(located, path), path: pathKey(path), message });

  // the start scenario
  let start: Scenario | undefined;
  if (typeof lesson.scenario === 'string') {
    const t = scenarioFile(lesson.scenario);
    if (t === undefined) at(['scenario'], `no scenario file ${lesson.scenario}`);
    else {
      const r = parseScenarioText(t);
      if (r.ok) start = r.scenario;
      else at(['scenario'], `${lesson.scenario} is not a valid scenario:\n${formatIssues(r.issues)}`);
    }
  } else {
    const r = parseScenario(lesson.scenario);
    if (r.ok) start = r.scenario;
    else
      r.issues.forEach((i) => {
        at(['scenario', ...i.path.split(/\.|\[|\]/).filter(Boolean).map((p) => (/^\d+$/.test(p) ? Number(p) : p))], i.message);
      });
  }
  if (start && lesson.overrides.length > 0) {
    const r = applyOverrides(start, lesson.overrides);
    if (r.ok) start = r.scenario;
    else {
      at(['overrides'], formatIssues(r.issues).trim());
      start = undefined;
    }
  }
  if (!start) return { ok: false, errors };
  yield;

  // every step's commands and checks make sense on the topology they apply to
  const stepStarts: Scenario[] = [];
  let s = start;
  for (const [si, step] of lesson.steps.entries()) {
    stepStarts.push(s);
    const lists: ['demonstration' | 'solution', LessonCommand[]][] = [
      ['demonstration', step.demonstration],
      ['solution', step.solution],
    ];
    let after = s;
    // the next step starts from the solution's topology when every edit of it applies (each edit validates
    // the whole scenario: the solution's are applied once, here, not again to find the next step's start)
    let solutionApplies = true;
    for (const [list, commands] of lists) {
      let cur = s;
      commands.forEach((c, ci) => {
        const where = ['steps', si, list, ci];
        if (isScenarioEdit(c) || c.do === 'setNodeSetting') {
          const r = editLessonScenario(cur, c);
          if (r.ok) cur = r.scenario;
          else {
            at(where, r.message);
            if (list === 'solution') solutionApplies = false;
          }
        } else if (c.do === 'runSql' && !cur.nodes.some((n) => n.id === c.node)) {
          at([...where, 'node'], `no node "${c.node}" at this point of the step`);
        } else if (c.do === 'reshard' && !cur.sharding) {
          at(where, 'the scenario is not sharded at this point of the step: nothing to reshard');
        }
      });
      if (list === 'solution') after = cur;
    }
    step.goal.forEach((c, ci) => {
      checkRefs(c, after, (path, message) => at(['steps', si, 'goal', ci, ...path], message));
    });
    if (solutionApplies) s = after;
    yield;
  }
  if (errors.length > 0) return { ok: false, errors };
  return { ok: true, lesson: { file, lesson, start, stepStarts }, located };
}

/** A check's node references exist in the topology the solution reaches. */
function checkRefs(c: Check, s: Scenario, at: (path: PropertyKey[], message: string) => void): void {
  const node = (id: string, path: PropertyKey[]) => {
    if (!s.nodes.some((n) => n.id === id)) at(path, `no node "${id}" after the step's solution`);
  };
  const selector = (sel: Selector, path: PropertyKey[]) => {
    if (typeof sel === 'string') node(sel, path);
    else if (sel.kind && !nodeKind(sel.kind)) at(path, `unknown node kind "${sel.kind}"`);
    else if (matches(s, sel).length === 0) at(path, 'no node matches it after the step\'s solution');
  };
  if ('requires' in c) for (const [i, r] of (c.requires ?? []).entries()) checkRefs(r, s, (path, message) => at(['requires', i, ...path], message));
  switch (c.check) {
    case 'metric':
    case 'increase': {
      const m = /^nodes\.([^.]+)\./.exec(c.path);
      if (m) node(m[1], ['path']);
      break;
    }
    case 'through':
      selector(c.from, ['from']);
      selector(c.to, ['to']);
      selector(c.via, ['via']);
      break;
    case 'console':
      selector(c.node, ['node']);
      break;
    case 'setting':
    case 'pools':
      node(c.node, ['node']);
      break;
    case 'count':
    case 'shardStrategy':
      break;
  }
}
