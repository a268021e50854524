/**
 * The messages between the renderer's sim client and the sim worker: commands in, snapshots out.
 * Plain structured-cloneable data; the only contract between the UI thread and the simulation.
 */
import type { ConsoleRecord, ConsoleResult, Report, SimEvent, Simulation, SimSnapshot } from '../../sim/index.ts';

export type SpeedSetting = 'max' | number;

/** A fault on a postgres node, as the sim's `Simulation.fault` takes it: stop, start, kill, promote, lag-spike. */
export type FaultCommand = Parameters<Simulation['fault']>[0];

/** What the sim worker is doing. */
export type RunStatus = 'idle' | 'booting' | 'ready' | 'running' | 'paused' | 'finished' | 'error';

export type SimCommand =
  | { type: 'load'; scenario: unknown }
  | { type: 'run' }
  | { type: 'pause' }
  | { type: 'step'; us?: number }
  | { type: 'speed'; speed: SpeedSetting }
  | { type: 'setNodeSetting'; node: string; name: string; value: unknown }
  | { type: 'runSql'; node: string; sql: string }
  | { type: 'reset' }
  /** The running sim's JSON report and console history (the lesson player checks goals on them). */
  | { type: 'report' }
  /** A fault now, between events: stop/start a replica, kill a primary, promote a replica, a lag spike. */
  | { type: 'fault'; fault: FaultCommand };

export type SettingOutcome = 'applied' | 'restart-required';

/** What a command answers (`load` answers when every node has booted). */
export interface CommandResults {
  load: { nodes: string[] };
  run: null;
  pause: null;
  step: null;
  speed: null;
  setNodeSetting: { outcome: SettingOutcome };
  runSql: ConsoleResult;
  reset: null;
  report: { report: Report; console: ConsoleRecord[] };
  fault: null;
}

/** One second of virtual time, complete: what the charts plot. */
export interface SeriesPoint {
  /** Second index since the start of the run. */
  t: number;
  throughput: number;
  failed: number;
  p50: number;
  p95: number;
  p99: number;
  /** Per node: statements (or requests for an app) in that second, and core use 0..1. */
  nodes: Record<string, { qps: number; cpu: number; errors: number }>;
}

export type WorkerMessage =
  | { type: 'reply'; id: number; ok: true; value: unknown }
  | { type: 'reply'; id: number; ok: false; error: string; issues?: { path: string; message: string }[] }
  | { type: 'progress'; phase: string; fraction: number }
  | { type: 'state'; status: RunStatus; speed: SpeedSetting; message?: string }
  | { type: 'snapshot'; snapshot: SimSnapshot; series: SeriesPoint[]; events: SimEvent[]; status: RunStatus };

export type ClientMessage = { id: number; command: SimCommand };
