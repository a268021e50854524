/**
 * The first screen, as Learn Git Branching opens on its level picker: the lessons as a map by pattern (in
 * the seed's order) with the student's progress and where to start, the examples, and a sandbox. Shown
 * when the app opens without autosaved work, and from the toolbar's PG Lab button.
 */
import { PATTERNS } from '../../lessons/index.ts';
import { EXAMPLES } from '../examples.ts';
import { newScenario, openText } from '../files/fileActions.ts';
import { useEffect, useState } from 'react';
import { nextTask } from '../nextTask.ts';
import { catalog, catalogLoaded, loadCatalog } from './catalog.ts';
import { lessonsInOrder, openGlossary, showWelcome, startStep, useLessons } from './lessonStore.ts';
import { PATTERN_TITLES } from './patterns.ts';

export function Welcome() {
  const shown = useLessons((s) => s.welcome);
  const progress = useLessons((s) => s.progress);
  // the lessons are validated a file per task: the map shows when they are
  const [loaded, setLoaded] = useState(catalogLoaded);
  useEffect(() => {
    if (shown && !loaded) void loadCatalog().then(() => setLoaded(true));
  }, [shown, loaded]);
  if (!shown) return null;
  const lessons = loaded ? catalog().lessons : [];
  const start = (loaded ? lessonsInOrder() : []).find((l) => (progress.lessons[l.lesson.id]?.done.length ?? 0) < l.lesson.steps.length);
  return (
    <div className="welcome-backdrop">
      <div className="welcome" role="dialog" aria-label="Start" data-testid="welcome">
        <button type="button" className="close" aria-label="close" data-testid="welcome-close" onClick={() => showWelcome(false)}>
          ×
        </button>
        <h1>PG Scaling Lab</h1>
        <p className="welcome-lead">
          How does PostgreSQL scale? Draw a topology, press <b>Run</b> and watch real PostgreSQL engines serve a workload. Each lesson gives you a goal and checks your
          work live, on the running system.
        </p>
        <div className="welcome-cols">
          <section className="welcome-map" data-testid="welcome-map">
            <h2>Lessons</h2>
            <ol className="pattern-path">
              {PATTERNS.map((p) => {
                const mine = lessons.filter((l) => l.lesson.patterns[0] === p);
                return (
                  <li key={p} className={mine.length ? '' : 'empty'}>
                    <h3>{PATTERN_TITLES[p]}</h3>
                    {mine.length === 0 && <span className="muted">{loaded ? 'no lesson yet: try its example' : 'loading…'}</span>}
                    {mine.map((l) => {
                      const done = progress.lessons[l.lesson.id]?.done.length ?? 0;
                      const total = l.lesson.steps.length;
                      const resume = Math.min(progress.lessons[l.lesson.id]?.current ?? 0, total - 1);
                      return (
                        <button
                          type="button"
                          key={l.lesson.id}
                          className={`level${done === total ? ' complete' : ''}${start === l ? ' start' : ''}`}
                          data-testid={`welcome-lesson-${l.lesson.id}`}
                          onClick={() => void startStep(l.lesson.id, done === total ? 0 : resume)}
                          title={l.lesson.summary}
                        >
                          <span className="lesson-title">
                            {done === total ? '✓ ' : ''}
                            {l.lesson.title}
                          </span>
                          <span className="level-bar">
                            <span style={{ width: `${(100 * done) / total}%` }} />
                          </span>
                          <span className="lesson-meta">
                            {l.lesson.level} · {done}/{total} steps{start === l ? ' · start here' : ''}
                          </span>
                        </button>
                      );
                    })}
                  </li>
                );
              })}
            </ol>
          </section>
          <section>
            <h2>Examples</h2>
            <p className="muted">A topology ready to run.</p>
            {EXAMPLES.map((ex) => (
              <button
                type="button"
                key={ex.file}
                className="welcome-item"
                data-testid={`welcome-example-${ex.file}`}
                onClick={async () => {
                  // the example renders behind the welcome, which closes in a task of its own after a frame has
                  // laid the example out (closing it in the next task laid out the whole page in the task that
                  // removed the welcome: 22 ms of CPU; issue 14)
                  if (await openText(ex.text, { name: ex.file })) {
                    await new Promise(requestAnimationFrame);
                    await nextTask();
                    showWelcome(false);
                  }
                }}
              >
                {ex.name}
              </button>
            ))}
          </section>
          <section>
            <h2>Sandbox</h2>
            <p className="muted">Draw your own: drag nodes from the palette, link them, press Run.</p>
            <button
              type="button"
              className="welcome-item"
              data-testid="welcome-sandbox"
              onClick={() => {
                newScenario();
                showWelcome(false);
              }}
            >
              Empty canvas
            </button>
            <button type="button" className="welcome-item" data-testid="welcome-continue" onClick={() => showWelcome(false)}>
              Keep what is on the canvas
            </button>
            <button type="button" className="welcome-item" data-testid="welcome-glossary" onClick={() => openGlossary('')}>
              Glossary of terms
            </button>
          </section>
        </div>
      </div>
    </div>
  );
}
