/**
 * The inspector: the selected node's settings (a form generated from the sim's schema), the selected
 * link's latency, or, with nothing selected, the scenario's name, run settings and workload.
 */
import { useMemo } from 'react';
import { describeSettings, nodeKind, scenarioSchema, type ScenarioIssue } from '../../sim/index.ts';
import { appStore, useApp } from '../store/appStore.ts';
import { kindView } from '../canvas/nodes/index.ts';
import { ShardMapEditor } from '../sharding/ShardMapEditor.tsx';
import { ConfigFile } from './ConfigFile.tsx';
import { SettingField } from './SettingField.tsx';
import { WorkloadEditor } from './WorkloadEditor.tsx';
import { Later } from '../Later.tsx';

const messages = (issues: ScenarioIssue[]) => issues.map((i) => i.message);

function NodeInspector({ id }: { id: string }) {
  const node = useApp((s) => s.doc.nodes.find((n) => n.id === id));
  const loaded = useApp((s) => s.loadedKey !== undefined && s.status !== 'idle');
  const def = node ? nodeKind(node.kind) : undefined;
  const docs = useMemo(() => (def ? describeSettings(def.settings) : []), [def]);
  if (!node || !def) return null;
  return (
    <div data-testid="inspector-node">
      <h2>
        {def.label} <code>{node.kind}</code>
      </h2>
      <p className="muted">{def.description}</p>
      <ConfigFile nodeId={node.id} kind={node.kind} />
      {kindView(node.kind)?.inspector?.map((Extra, i) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: a kind's inspector sections are a fixed list
        <Extra key={i} nodeId={node.id} />
      ))}
      <SettingField
        testId="setting-id"
        showContext={false}
        doc={{ name: 'id', help: 'The node\u2019s name: lower-case letters, digits, - and _.', context: 'postmaster', default: undefined, type: 'string' }}
        value={node.id}
        onCommit={(v) => messages(appStore.getState().renameNode(node.id, String(v)))}
      />
      {docs.map((d) => (
        <SettingField
          key={d.name}
          testId={`setting-${d.name}`}
          doc={d}
          value={node.settings[d.name]}
          onReset={() => appStore.getState().resetSetting(node.id, d.name)}
          onCommit={(v) => {
            const s = appStore.getState();
            const issues = s.setSetting(node.id, d.name, v);
            if (issues.length === 0 && loaded) void s.applySettingLive(node.id, d.name, v);
            return messages(issues);
          }}
        />
      ))}
    </div>
  );
}

function EdgeInspector({ id }: { id: string }) {
  const edge = useApp((s) => s.doc.edges.find((e) => `${e.from}->${e.to}` === id));
  // its settings (latency, jitter, distribution): the fields with help, not its ends
  const docs = useMemo(() => describeSettings(scenarioSchema().shape.edges.unwrap().element as never).filter((d) => d.help), []);
  if (!edge) return null;
  return (
    <div data-testid="inspector-edge">
      <h2>
        Link <code>{edge.from}</code> → <code>{edge.to}</code>
      </h2>
      {docs.map((d) => (
        <SettingField
          key={d.name}
          testId={`setting-${d.name}`}
          doc={d}
          value={edge[d.name as 'latency' | 'jitter' | 'distribution']}
          onCommit={(v) => messages(appStore.getState().setEdgeSetting(edge.from, edge.to, d.name as 'latency', v as string))}
        />
      ))}
    </div>
  );
}

function ScenarioInspector() {
  const name = useApp((s) => s.doc.name);
  const run = useApp((s) => s.doc.run);
  const runDocs = useMemo(() => describeSettings(scenarioSchema().shape.run.unwrap() as never), []);
  return (
    <div data-testid="inspector-scenario">
      <h2>Scenario</h2>
      <SettingField
        testId="setting-name"
        showContext={false}
        doc={{ name: 'name', help: 'Shown in the title bar and used for file names.', context: 'user', default: 'Untitled scenario', type: 'string' }}
        value={name}
        onCommit={(v) => messages(appStore.getState().setName(String(v)))}
      />
      {runDocs.map((d) => (
        <SettingField
          key={d.name}
          testId={`run-${d.name}`}
          showContext={false}
          doc={d}
          value={run[d.name]}
          onCommit={(v) => messages(appStore.getState().setRunField(d.name, v))}
        />
      ))}
      <ShardMapEditor />
      {/* its settings' descriptions are made from the workload's schema: at the start, in a task after the inspector's */}
      <Later>
        <WorkloadEditor />
      </Later>
    </div>
  );
}

export function Inspector() {
  const selection = useApp((s) => s.selection);
  const one = selection.nodes.length + selection.edges.length === 1;
  return (
    <aside className="inspector" data-testid="inspector">
      {one && selection.nodes.length === 1 && <NodeInspector id={selection.nodes[0]} />}
      {one && selection.edges.length === 1 && <EdgeInspector id={selection.edges[0]} />}
      {!one && selection.nodes.length + selection.edges.length > 1 && (
        <p className="muted">
          {selection.nodes.length} nodes and {selection.edges.length} links selected. Delete removes them; Ctrl+C / Ctrl+V copies them.
        </p>
      )}
      {selection.nodes.length + selection.edges.length === 0 && <ScenarioInspector />}
    </aside>
  );
}
