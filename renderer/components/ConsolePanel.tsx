/**
 * The SQL console: a statement on one node (real SQL on a database's PGlite), with the seed's three
 * monitoring queries as presets, verbatim. Results as a table; errors as the real system words them.
 */
import { useState } from 'react';
import { MONITORING_QUERIES, nodeKind } from '../../sim/index.ts';
import { ExplainRouteControls, RouteExplainView, useExplainShown } from '../sharding/RouteExplainView.tsx';
import { shardStore } from '../sharding/shardStore.ts';
import './timeTrace.css';
import { appStore, useApp } from '../store/appStore.ts';
import { frameAt } from '../store/timeSlice.ts';
import { SqlEditor } from './SqlEditor.tsx';

function cell(v: unknown): string {
  if (v === null || v === undefined) return 'NULL';
  if (typeof v === 'object') return v instanceof Date ? v.toISOString() : JSON.stringify(v);
  return String(v);
}

export function ConsolePanel() {
  const nodes = useApp((s) => s.doc.nodes);
  const chosen = useApp((s) => s.consoleNode);
  const result = useApp((s) => s.consoleResult);
  const busy = useApp((s) => s.consoleBusy);
  // scrubbed back (`past`: the moment shown): the console still runs on the live system, so it says so
  const past = useApp((s) => (s.scrub === undefined ? undefined : (frameAt(s.frames, s.scrub)?.time ?? 0)));
  const live = useApp((s) => (s.present ?? s).snapshot?.time ?? 0);
  const [sqlText, setSql] = useState<string>(MONITORING_QUERIES[0].sql);
  const explained = useExplainShown();
  const node = chosen && nodes.some((n) => n.id === chosen) ? chosen : (nodes.find((n) => nodeKind(n.kind)?.console) ?? nodes[0])?.id;
  const run = () => {
    shardStore.getState().closeExplain();
    if (node && sqlText.trim()) void appStore.getState().runSql(node, sqlText);
  };
  return (
    <div className="console" data-testid="console">
      <div className="console-bar">
        <label>
          node{' '}
          <select data-testid="console-node" value={node ?? ''} onChange={(e) => appStore.getState().setConsoleNode(e.target.value)}>
            {nodes.map((n) => (
              <option key={n.id} value={n.id}>
                {n.id} ({n.kind})
              </option>
            ))}
          </select>
        </label>
        <span className="muted">presets:</span>
        {MONITORING_QUERIES.map((q, i) => (
          <button type="button" key={q.name} data-testid={`preset-${i}`} onClick={() => setSql(q.sql)}>
            {q.name}
          </button>
        ))}
        <button type="button" className="primary" data-testid="console-run" disabled={!node || busy} onClick={run}>
          {busy ? 'Running…' : 'Run ⌃↵'}
        </button>
        <ExplainRouteControls node={node} sql={sqlText} />
      </div>
      {past !== undefined && (
        <p className="console-past" role="status" data-testid="console-past">
          You are looking back at t = {past.toFixed(1)} s, with the result of then. A statement runs on the live system, at t = {live.toFixed(1)} s: to query the
          moment shown,{' '}
          <button type="button" className="link" data-testid="console-fork" onClick={() => void appStore.getState().forkHere()}>
            fork from here
          </button>{' '}
          first, or go{' '}
          <button type="button" className="link" onClick={() => void appStore.getState().scrubTo(undefined)}>
            back to now
          </button>
          .
        </p>
      )}
      <div className="console-body">
        <SqlEditor value={sqlText} onChange={setSql} onRun={run} />
        <div className="console-result" data-testid="console-result">
          <RouteExplainView />
          {!explained && !result && <p className="muted">Results appear here. The console runs between simulation events, at the current virtual time.</p>}
          {!explained && result?.error && (
            <div className="sql-error" role="alert" data-testid="console-error">
              <b>
                {result.error.severity}: {result.error.message}
              </b>
              {result.error.sqlstate && <span className="muted"> (SQLSTATE {result.error.sqlstate})</span>}
              {result.error.detail && <div>DETAIL: {result.error.detail}</div>}
              {result.error.hint && <div>HINT: {result.error.hint}</div>}
              {result.error.explanation && <div className="muted">{result.error.explanation}</div>}
            </div>
          )}
          {!explained && result && !result.error && (
            <>
              <div className="muted" data-testid="console-rowcount">
                {result.node}: {result.command ?? ''} {result.rowCount} row{result.rowCount === 1 ? '' : 's'}
                {result.truncated ? ' (truncated)' : ''}
              </div>
              {result.columns.length > 0 && (
                <table className="rows" data-testid="console-rows">
                  <thead>
                    <tr>
                      {result.columns.map((c, i) => (
                        // biome-ignore lint/suspicious/noArrayIndexKey: columns may repeat names
                        <th key={i}>{c}</th>
                      ))}
                    </tr>
                  </thead>
                  <tbody>
                    {result.rows.map((r, i) => (
                      // biome-ignore lint/suspicious/noArrayIndexKey: rows have no identity
                      <tr key={i}>
                        {r.map((v, j) => (
                          // biome-ignore lint/suspicious/noArrayIndexKey: positional
                          <td key={j}>{cell(v)}</td>
                        ))}
                      </tr>
                    ))}
                  </tbody>
                </table>
              )}
            </>
          )}
        </div>
      </div>
    </div>
  );
}
