/** CodeMirror 6 with PostgreSQL's dialect; Ctrl+Enter runs. The text is owned by the parent. */
import { defaultKeymap, history, historyKeymap } from '@codemirror/commands';
import { PostgreSQL, sql } from '@codemirror/lang-sql';
import { EditorState } from '@codemirror/state';
import { EditorView, keymap, lineNumbers } from '@codemirror/view';
import { useEffect, useRef } from 'react';

export function SqlEditor(props: { value: string; onChange: (v: string) => void; onRun: () => void }) {
  const box = useRef<HTMLDivElement>(null);
  const view = useRef<EditorView | undefined>(undefined);
  const cb = useRef(props);
  cb.current = props;

  // biome-ignore lint/correctness/useExhaustiveDependencies: created once; callbacks through cb
  useEffect(() => {
    view.current = new EditorView({
      parent: box.current!,
      state: EditorState.create({
        doc: props.value,
        extensions: [
          lineNumbers(),
          history(),
          keymap.of([{ key: 'Mod-Enter', run: () => {
              cb.current.onRun();
              return true;
            },
          }, ...defaultKeymap, ...historyKeymap]),
          sql({ dialect: PostgreSQL }),
          EditorView.lineWrapping,
          EditorView.updateListener.of((u) => {
            if (u.docChanged) cb.current.onChange(u.state.doc.toString());
          }),
        ],
      }),
    });
    return () => view.current?.destroy();
  }, []);

  useEffect(() => {
    const v = view.current;
    if (v && v.state.doc.toString() !== props.value) v.dispatch({ changes: { from: 0, to: v.state.doc.length, insert: props.value } });
  }, [props.value]);

  return <div className="sql-editor" ref={box} data-testid="sql-editor" />;
}
