/**
 * One setting as a form field, generated from the sim's schema: its real name, unit, default, allowed
 * range, whether it applies live or needs a restart, and a line of help. A value the schema refuses is
 * not applied: the field shows the schema's message and the document keeps its old value.
 */
import { useEffect, useState } from 'react';
import type { SettingDoc } from '../../sim/index.ts';
import { parseSettingInput, settingText } from '../store/doc.ts';

export function SettingField(props: {
  doc: SettingDoc;
  value: unknown;
  /** Applies a value; returns the schema's messages when it refuses it. */
  onCommit: (value: unknown) => string[];
  onReset?: () => void;
  testId: string;
  /** Show whether the setting applies live (node settings only). */
  showContext?: boolean;
}) {
  const { doc, value } = props;
  const shown = settingText(value);
  const [text, setText] = useState(shown);
  const [errors, setErrors] = useState<string[]>([]);
  useEffect(() => {
    setText(shown);
    setErrors([]);
  }, [shown]);

  const commit = (next = text) => {
    if (next === shown) {
      setErrors([]);
      return;
    }
    if (next.trim() === '' && props.onReset) {
      props.onReset();
      setErrors([]);
      return;
    }
    const problems = props.onCommit(parseSettingInput(next, doc.type));
    setErrors(problems);
  };

  const range = doc.min !== undefined || doc.max !== undefined ? `${doc.min ?? ''} … ${doc.max ?? ''}` : undefined;
  const live = doc.context === 'user' || doc.context === 'sighup';
  return (
    <div className={`setting${errors.length ? ' invalid' : ''}`} data-testid={props.testId}>
      <div className="setting-head">
        <code className="setting-name">{doc.name}</code>
        {doc.unit && <span className="setting-unit">{doc.unit}</span>}
        {doc.context && props.showContext !== false && (
          <span className={`setting-context ${live ? 'live' : 'restart'}`} title={live ? 'applies during a run' : 'needs a restart of the node'}>
            {live ? 'live' : 'restart'}
          </span>
        )}
      </div>
      {doc.type === 'enum' && doc.values ? (
        <select
          value={text || String(doc.default ?? '')}
          onChange={(e) => {
            setText(e.target.value);
            commit(e.target.value);
          }}
          aria-label={doc.name}
        >
          {doc.values.map((v) => (
            <option key={v} value={v}>
              {v}
            </option>
          ))}
        </select>
      ) : (
        <input
          aria-label={doc.name}
          value={text}
          placeholder={settingText(doc.default)}
          onChange={(e) => setText(e.target.value)}
          onBlur={() => commit()}
          onKeyDown={(e) => {
            if (e.key === 'Enter') commit();
            if (e.key === 'Escape') {
              setText(shown);
              setErrors([]);
            }
          }}
        />
      )}
      {errors.map((m) => (
        <div key={m} className="setting-error" role="alert">
          {m}
        </div>
      ))}
      <div className="setting-help">
        {doc.help}
        <span className="setting-meta">
          {' '}
          default {doc.default === undefined ? '–' : settingText(doc.default)}
          {range ? ` · range ${range}` : ''}
        </span>
      </div>
    </div>
  );
}
