/**
 * A small Markdown renderer for lesson text: paragraphs, ``` code blocks, - lists, `code`, **bold**.
 * It builds React elements from text, never HTML, so lesson text cannot inject markup. An inline `term`
 * the glossary knows links to it; a ```sql or ```ini block has a "Run this" button.
 */
import type { ReactNode } from 'react';
import { lookup } from './glossary.ts';

export interface MarkdownActions {
  /** Opens the glossary at a term. */
  onTerm?(term: string): void;
  /** Runs a code block: `lang` is its fence's language (sql, ini). */
  onRun?(lang: string, code: string): void;
}

const RUNNABLE = new Set(['sql', 'ini']);

function inline(text: string, key: string, actions: MarkdownActions): ReactNode[] {
  const out: ReactNode[] = [];
  const re = /(`[^`]+`|\*\*[^*]+\*\*)/g;
  let last = 0;
  let i = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    if (m.index > last) out.push(text.slice(last, m.index));
    const t = m[0];
    const k = `${key}-${i++}`;
    if (t.startsWith('`')) {
      const code = t.slice(1, -1);
      const entry = actions.onTerm && lookup(code);
      out.push(
        entry ? (
          <button type="button" key={k} className="term" title={`${entry.term}: ${entry.text}`} data-testid={`term-${code}`} onClick={() => actions.onTerm?.(entry.term)}>
            <code>{code}</code>
          </button>
        ) : (
          <code key={k}>{code}</code>
        ),
      );
    } else out.push(<strong key={k}>{t.slice(2, -2)}</strong>);
    last = m.index + t.length;
  }
  if (last < text.length) out.push(text.slice(last));
  return out;
}

export function Markdown({ text, ...actions }: { text: string } & MarkdownActions) {
  const blocks: ReactNode[] = [];
  const lines = text.split('\n');
  let para: string[] = [];
  let list: string[] = [];
  const flush = () => {
    if (para.length) blocks.push(<p key={`p${blocks.length}`}>{inline(para.join(' '), `p${blocks.length}`, actions)}</p>);
    if (list.length) blocks.push(<ul key={`u${blocks.length}`}>{list.map((l) => <li key={l}>{inline(l, l, actions)}</li>)}</ul>);
    para = [];
    list = [];
  };
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (line.startsWith('```')) {
      flush();
      const lang = line.slice(3).trim().toLowerCase();
      const code: string[] = [];
      for (i++; i < lines.length && !lines[i].startsWith('```'); i++) code.push(lines[i]);
      const body = code.join('\n');
      const n = blocks.length;
      blocks.push(
        <div key={`c${n}`} className="lesson-code-block">
          <pre className="lesson-code">{body}</pre>
          {actions.onRun && RUNNABLE.has(lang) && (
            <button type="button" className="run-this" data-testid={`run-this-${n}`} onClick={() => actions.onRun?.(lang, body)} title={lang === 'sql' ? 'Run it in the SQL console' : 'Import it into the node it configures'}>
              ▶ Run this
            </button>
          )}
        </div>,
      );
    } else if (/^\s*[-*] /.test(line)) {
      if (para.length) flush();
      list.push(line.replace(/^\s*[-*] /, ''));
    } else if (line.trim() === '') flush();
    else {
      if (list.length) flush();
      para.push(line);
    }
  }
  flush();
  return <div className="lesson-text">{blocks}</div>;
}
