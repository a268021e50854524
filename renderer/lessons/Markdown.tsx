/**
 * A small Markdown renderer for lesson text: paragraphs, ``` code blocks, - lists, `code`, **bold**.
 * It builds React elements from text, never HTML, so lesson text cannot inject markup.
 */
import type { ReactNode } from 'react';

function inline(text: string, key: string): ReactNode[] {
  const out: ReactNode[] = [];
  const re = /(`[^`]+`|\*\*[^*]+\*\*)/g;
  let last = 0;
  let i = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    if (m.index > last) out.push(text.slice(last, m.index));
    const t = m[0];
    out.push(t.startsWith('`') ? <code key={`${key}-${i++}`}>{t.slice(1, -1)}</code> : <strong key={`${key}-${i++}`}>{t.slice(2, -2)}</strong>);
    last = m.index + t.length;
  }
  if (last < text.length) out.push(text.slice(last));
  return out;
}

export function Markdown({ text }: { text: string }) {
  const blocks: ReactNode[] = [];
  const lines = text.split('\n');
  let para: string[] = [];
  let list: string[] = [];
  const flush = () => {
    if (para.length) blocks.push(<p key={`p${blocks.length}`}>{inline(para.join(' '), `p${blocks.length}`)}</p>);
    if (list.length) blocks.push(<ul key={`u${blocks.length}`}>{list.map((l) => <li key={l}>{inline(l, l)}</li>)}</ul>);
    para = [];
    list = [];
  };
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (line.startsWith('```')) {
      flush();
      const code: string[] = [];
      for (i++; i < lines.length && !lines[i].startsWith('```'); i++) code.push(lines[i]);
      blocks.push(<pre key={`c${blocks.length}`} className="lesson-code">{code.join('\n')}</pre>);
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
