/** The glossary: every term the app uses, opened at one from lesson text (or from the first screen). */
import { useEffect, useRef, useState } from 'react';
import { GLOSSARY } from './glossary.ts';
import { openGlossary, useLessons } from './lessonStore.ts';

export function Glossary() {
  const at = useLessons((s) => s.glossary);
  const [filter, setFilter] = useState('');
  const list = useRef<HTMLDListElement>(null);
  useEffect(() => {
    if (at) list.current?.querySelector(`[data-term="${CSS.escape(at)}"]`)?.scrollIntoView({ block: 'center' });
  }, [at]);
  if (at === undefined) return null;
  const f = filter.trim().toLowerCase();
  const shown = GLOSSARY.filter((e) => !f || [e.term, ...(e.aliases ?? []), e.text].some((x) => x.toLowerCase().includes(f)));
  return (
    <div className="glossary-backdrop">
      <aside className="glossary" role="dialog" aria-label="Glossary" data-testid="glossary">
        <div className="glossary-head">
          <h2>Glossary</h2>
          <input placeholder="find a term" value={filter} onChange={(e) => setFilter(e.target.value)} aria-label="find a term" />
          <button type="button" className="close" aria-label="close" data-testid="glossary-close" onClick={() => openGlossary(undefined)}>
            ×
          </button>
        </div>
        <dl ref={list}>
          {shown.map((e) => (
            <div key={e.term} data-term={e.term} className={e.term === at ? 'current' : ''} data-testid={`glossary-${e.term}`}>
              <dt>
                <code>{e.term}</code>
                {e.aliases && <span className="muted"> also {e.aliases.join(', ')}</span>}
              </dt>
              <dd>{e.text}</dd>
            </div>
          ))}
        </dl>
      </aside>
    </div>
  );
}
