/**
 * The lessons view and the lesson player, in a column beside the canvas: lessons grouped by pattern with
 * the student's progress; the current step's text, its goal checked live (each check turns green with
 * why it worked), Hint, Show solution (asks first), Reset step, Next, Leave (the topology stays as a sandbox).
 */
import { useEffect, useRef } from 'react';
import { describeCheck, PATTERNS } from '../../lessons/index.ts';
import { downloadText } from '../files/fileActions.ts';
import { useApp } from '../store/appStore.ts';
import { catalog } from './catalog.ts';
import {
  askSolution,
  currentLesson,
  evaluateGoal,
  exportProgress,
  importProgress,
  initLessons,
  leaveLesson,
  lessonStore,
  nextLesson,
  nextStep,
  openGlossary,
  resetStep,
  runBlock,
  revealHint,
  showSolution,
  showWelcome,
  startStep,
  toggleLessons,
  useLessons,
} from './lessonStore.ts';
import { Glossary } from './Glossary.tsx';
import { Markdown } from './Markdown.tsx';
import { PATTERN_TITLES } from './patterns.ts';
import { Welcome } from './Welcome.tsx';
import './lessons.css';

function LessonList() {
  const progress = useLessons((s) => s.progress);
  const message = useLessons((s) => s.message);
  const file = useRef<HTMLInputElement>(null);
  const { lessons, errors } = catalog();
  return (
    <div className="lesson-list" data-testid="lesson-list">
      {PATTERNS.filter((p) => lessons.some((l) => l.lesson.patterns[0] === p)).map((p) => (
        <section key={p}>
          <h3>{PATTERN_TITLES[p]}</h3>
          {lessons
            .filter((l) => l.lesson.patterns[0] === p)
            .map((l) => {
              const done = progress.lessons[l.lesson.id]?.done.length ?? 0;
              const total = l.lesson.steps.length;
              const resume = Math.min(progress.lessons[l.lesson.id]?.current ?? 0, total - 1);
              return (
                <button type="button" key={l.lesson.id} className="lesson-item" data-testid={`lesson-${l.lesson.id}`} onClick={() => void startStep(l.lesson.id, resume)}>
                  <span className="lesson-title">{l.lesson.title}</span>
                  <span className="lesson-meta">
                    {l.lesson.level} · {done}/{total} steps{done === total ? ' ✓' : ''}
                  </span>
                  <span className="lesson-summary">{l.lesson.summary}</span>
                </button>
              );
            })}
        </section>
      ))}
      {errors.length > 0 && (
        <section className="lesson-errors" data-testid="lesson-errors">
          <h3>Lessons that could not be read</h3>
          {errors.map((e) => (
            <pre key={`${e.file}:${e.line}:${e.path ?? ''}:${e.message}`}>{`${e.file}:${e.line}: ${e.path ? `${e.path}: ` : ''}${e.message}`}</pre>
          ))}
        </section>
      )}
      <div className="lesson-actions">
        <button type="button" onClick={() => downloadText(exportProgress().name, exportProgress().text)}>
          Export progress
        </button>
        <button type="button" onClick={() => file.current?.click()}>
          Import progress
        </button>
        <input
          ref={file}
          type="file"
          accept=".json,application/json"
          hidden
          data-testid="progress-input"
          onChange={async (e) => {
            const f = e.target.files?.[0];
            e.target.value = '';
            if (!f) return;
            const error = await importProgress(await f.text());
            lessonStore.setState({ message: error ?? 'Progress imported.' });
          }}
        />
      </div>
      {message && <p className="lesson-message">{message}</p>}
    </div>
  );
}

function Player() {
  const s = useLessons((x) => x);
  const status = useApp((a) => a.status);
  const l = currentLesson();
  useEffect(() => {
    const t = setInterval(() => void evaluateGoal(), 1000);
    return () => clearInterval(t);
  }, []);
  if (!l) return null;
  const step = l.lesson.steps[s.step];
  const last = s.step + 1 >= l.lesson.steps.length;
  const after = nextLesson();
  return (
    <div className="lesson-player" data-testid="lesson-player">
      <div className="lesson-head">
        <button type="button" className="link" onClick={() => leaveLesson()} data-testid="lesson-leave" title="Leave the lesson: its topology stays on the canvas to play with">
          ← Leave (keep as sandbox)
        </button>
        <button type="button" className="link" onClick={() => openGlossary('')} data-testid="lesson-glossary" title="Every term the app uses, explained">
          Glossary
        </button>
      </div>
      <div className="lesson-steps" data-testid="lesson-steps">
        <span className="lesson-meta">{l.lesson.title}:</span>
        {l.lesson.steps.map((x, i) => {
          const doneStep = s.progress.lessons[l.lesson.id]?.done.includes(x.id);
          return (
            <button
              type="button"
              key={x.id}
              className={`step-dot${i === s.step ? ' current' : ''}${doneStep ? ' done' : ''}`}
              data-testid={`lesson-step-${i}`}
              aria-current={i === s.step ? 'step' : undefined}
              title={`Step ${i + 1}: ${x.title}${doneStep ? ' (done)' : ''}`}
              onClick={() => void startStep(l.lesson.id, i)}
            >
              {doneStep ? '✓' : i + 1}
            </button>
          );
        })}
      </div>
      <h2 data-testid="lesson-step-title">{step.title}</h2>
      <Markdown text={step.text} onTerm={(t) => openGlossary(t)} onRun={(lang, code) => void runBlock(lang, code)} />
      <h3>Goal</h3>
      <ul className="lesson-goal" data-testid="lesson-goal">
        {step.goal.map((c, i) => {
          const r = s.results[i];
          const met = !!r?.met;
          return (
            <li key={`${step.id}-${c.check}-${c.label ?? i}`} className={met ? 'met' : 'unmet'} data-testid={`goal-${i}`} data-met={met ? 'true' : 'false'}>
              <span className="mark">{met ? '✓' : '○'}</span> {r?.label ?? describeCheck(c)}
              <div className="detail">{r ? r.detail : status === 'idle' ? 'press Run to check it' : 'checking…'}</div>
              {met && <div className="why">{r.why}</div>}
            </li>
          );
        })}
      </ul>
      {s.done && <p className="lesson-done" data-testid="lesson-done">Goal reached{last ? ': lesson complete.' : '.'}</p>}
      {s.done && last && (
        <button type="button" className="primary next-lesson" data-testid="lesson-next-lesson" onClick={() => (after ? void startStep(after.lesson.id, 0) : showWelcome(true))}>
          {after ? `Next lesson: ${after.lesson.title} →` : 'All lessons done: back to the map'}
        </button>
      )}
      {step.hints.slice(0, s.hints).map((h, i) => (
        <p key={h} className="lesson-hint" data-testid={`hint-${i}`}>
          Hint {i + 1}: {h}
        </p>
      ))}
      <div className="lesson-actions">
        <button type="button" disabled={s.hints >= step.hints.length} onClick={() => revealHint()} data-testid="lesson-hint">
          Hint
        </button>
        <button type="button" onClick={() => askSolution(true)} data-testid="lesson-solution">
          Show solution
        </button>
        <button type="button" onClick={() => void resetStep()} data-testid="lesson-reset">
          Reset step
        </button>
        <button type="button" disabled={s.step === 0} onClick={() => void startStep(l.lesson.id, s.step - 1)} data-testid="lesson-prev">
          ← Previous
        </button>
        <button type="button" className={s.done ? 'primary' : ''} onClick={() => void nextStep()} data-testid="lesson-next">
          {last ? 'Finish' : 'Next'}
        </button>
      </div>
      {s.confirmSolution && (
        <div className="lesson-confirm" role="dialog" data-testid="lesson-confirm">
          <p>Apply the solution for you? Trying first teaches more.</p>
          <button type="button" onClick={() => void showSolution()} data-testid="lesson-confirm-yes">
            Show me
          </button>
          <button type="button" onClick={() => askSolution(false)}>
            Not yet
          </button>
        </div>
      )}
      {s.solutionChanges && (
        <div className="lesson-solution" data-testid="lesson-solution-changes">
          <b>The solution:</b>
          <ol>
            {s.solutionChanges.map((c, i) => (
              // biome-ignore lint/suspicious/noArrayIndexKey: the same change may appear twice
              <li key={i}>{c}</li>
            ))}
          </ol>
        </div>
      )}
      {s.message && <p className="lesson-message">{s.message}</p>}
    </div>
  );
}

/** The column: a Lessons toggle, then the list or the player. */
export function LessonPanel() {
  const open = useLessons((s) => s.open);
  const lessonId = useLessons((s) => s.lessonId);
  useEffect(() => {
    void initLessons();
  }, []);
  return (
    <aside className={`lesson-panel${open ? ' open' : ''}`} data-testid="lesson-panel">
      <button type="button" className="lesson-toggle" onClick={() => toggleLessons()} data-testid="lessons-toggle" aria-expanded={open}>
        {open ? '◂ Lessons' : 'Lessons ▸'}
      </button>
      {open && (lessonId ? <Player /> : <LessonList />)}
      <Welcome />
      <Glossary />
    </aside>
  );
}
