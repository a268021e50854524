/**
 * The messages between the renderer's sim client and the sim worker: commands in, snapshots out.
 * Plain structured-cloneable data; the only contract between the UI thread and the simulation. The
 * commands are the sim's one union (sim/core/commands.ts) plus the worker's own: load, reset, continue, report, warm.
 */
import type { Command, ConsoleRecord, FaultCommand, Report, RequestPath, ReshardPreview, RouteExplain, RunnerResult, RunStatus as RunnerStatus, SimEvent, SimSnapshot, Speed } from '../../sim/index.ts';

export type { FaultCommand };
export type SpeedSetting = Speed;

/** What the sim worker is doing: nothing loaded, booting, or its runner's status. */
export type RunStatus = 'idle' | 'booting' | RunnerStatus;

/** Time and trace: go back in the run and fork it; follow requests and fetch one's path. */
export type TimeCommand =
  /** The run becomes its replay at `at` (virtual µs, earlier than now), paused there: commands from now on make a fork of it. */
  | { do: 'fork'; at: number }
  /** Follow (record the path of) every request that begins from now on, or stop; the choice carries over to the next load. */
  | { do: 'follow'; on: boolean }
  /** A followed request's path: by id, the slowest of the last ones, or the one a node served at a time (a stale read). */
  | { do: 'requestPath'; which: number | 'slowest' | { node: string; atUs: number; op?: string } };

export type WorkerCommand =
  | Command
  | TimeCommand
  | { do: 'load'; scenario: unknown }
  | { do: 'reset' }
  /** A run that reached its end (the scenario's `duration`) goes on for as long again, from where it stopped. */
  | { do: 'continue' }
  /** The running sim's JSON report and console history (the lesson player checks goals on them). */
  | { do: 'report' }
  /** Makes the data snapshot a load of `scenario` needs, booting nothing (a warm start on opening the app). */
  | { do: 'warm'; scenario: unknown }
  /** A whole run of `scenario` at full speed, on engines of its own, beside any loaded sim: its report (the bench's sweeps and A/B, headless.ts). */
  | { do: 'headless'; scenario: unknown }
  /** Stops the headless runs under way: each rejects with "cancelled". */
  | { do: 'cancelHeadless' }
  /** Route explain of a statement at a sharded app or shard router (Simulation.explainRoute): changes nothing. */
  | { do: 'explainRoute'; node: string; sql: string; params?: unknown[] }
  /** What a reshard onto `shards` (with `strategy`) would move (Simulation.reshardPlan): changes nothing. */
  | { do: 'reshardPlan'; shards: string[]; strategy?: Record<string, unknown> };

/** What a command answers (`load` answers when every node has booted). */
export type WorkerResult<C extends WorkerCommand> = C extends { do: 'load' }
  ? { nodes: string[] }
  : C extends { do: 'report' }
    ? { report: Report; console: ConsoleRecord[] }
    : C extends { do: 'requestPath' }
      ? RequestPath | null
      : C extends { do: 'headless' }
        ? Report
        : C extends { do: 'explainRoute' }
          ? RouteExplain
          : C extends { do: 'reshardPlan' }
            ? ReshardPreview
            : C extends Command
            ? RunnerResult<C>
            : null;

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
  | { type: 'snapshot'; snapshot: SimSnapshot; series: SeriesPoint[]; events: RunEvent[]; status: RunStatus };

export type ClientMessage = { id: number; command: WorkerCommand };

/**
 * What the Events panel lists: the sim's events and the host's own: `request-error` says which error
 * failed requests since the last snapshot, in the real system's words ("sorry, too many clients already").
 */
export type RunEvent = Omit<SimEvent, 'type'> & { type: SimEvent['type'] | 'request-error' };
