/**
 * Time and trace in the app. The scrubber shows an earlier moment of the run as it was: the frames (each
 * snapshot the app was shown, with the console result of then) are its keyframes, so a drag costs no replay;
 * the charts, badges, canvas, events and console result are the present's cut at that moment. Forking from
 * there replays the run up to it in the sim worker (sim/timeline.ts) and keeps the original's series to
 * compare with. Following: the worker records the path of each request (off by default); a dot, a stale read
 * or "slowest" asks for one's path.
 */
import type { ConsoleResult, RequestPath, SimSnapshot } from '../../sim/index.ts';
import type { SeriesPoint, TimeCommand } from '../sim/protocol.ts';
import type { AppSet, AppState, SimPort } from './appStore.ts';

/** One snapshot the app was shown, and the console result of that moment. */
export interface Frame {
  time: number;
  snapshot: SimSnapshot;
  consoleResult: ConsoleResult | undefined;
}

/** What the panels read of the run; while a past moment is shown, the present's is kept aside. */
export type RunView = Pick<AppState, 'snapshot' | 'series' | 'live' | 'events' | 'consoleResult'>;

export interface TimeSlice {
  frames: Frame[];
  /** The moment shown (virtual seconds) when the scrubber is back in the run; undefined: the present. */
  scrub: number | undefined;
  /** The present, kept while a past moment is shown (snapshots keep coming into it). */
  present: RunView | undefined;
  /** The run before the last fork: its series to compare with, and the fork point (seconds). */
  baseline: { series: SeriesPoint[]; at: number } | undefined;
  following: boolean;
  /** The followed request shown (Request path tab), and what it was followed for (a stale read's explanation). */
  requestPath: RequestPath | undefined;
  requestNote: string | undefined;
  /** Shows the run at `time` (seconds), paused; undefined or the present's time: back to the present. */
  scrubTo(time: number | undefined): Promise<void>;
  /** Forks the run at the moment shown: the worker replays it up to there; what you change next is the fork. */
  forkHere(): Promise<void>;
  forgetBaseline(): void;
  setFollowing(on: boolean): Promise<void>;
  /** Shows a followed request's path: a dot's request, the slowest one, or the one a replica served at a time. */
  followRequest(which: Extract<TimeCommand, { do: 'requestPath' }>['which'], note?: string): Promise<boolean>;
}

export const MAX_FRAMES = 2000;

/** What a new load or a reset clears. */
export const NO_TIME = { frames: [], scrub: undefined, present: undefined, baseline: undefined, requestPath: undefined, requestNote: undefined } satisfies Partial<TimeSlice>;

/** Adds a frame (replacing the last when time did not move); past MAX_FRAMES, every other of the older half goes. */
export function recordFrame(frames: Frame[], snapshot: SimSnapshot, consoleResult: ConsoleResult | undefined): Frame[] {
  const frame = { time: snapshot.time, snapshot, consoleResult };
  const last = frames.at(-1);
  const out = last && last.time >= snapshot.time ? [...frames.slice(0, -1), frame] : [...frames, frame];
  if (out.length <= MAX_FRAMES) return out;
  const half = out.length >> 1;
  return [...out.slice(0, half).filter((_, i) => i % 2 === 0), ...out.slice(half)];
}

/** The last frame at or before `time` (the first if none). */
export function frameAt(frames: readonly Frame[], time: number): Frame | undefined {
  let found = frames[0];
  for (const f of frames) {
    if (f.time > time) break;
    found = f;
  }
  return found;
}

/**
 * The run as it was at `time`: the frame of then, and the present's series, live points and events cut at
 * the frame's time (or at `time` itself with `exact`: a fork, whose worker sends what follows `time`).
 */
export function viewAt(present: RunView, frames: readonly Frame[], time: number, exact = false): RunView {
  const f = frameAt(frames, time);
  const at = exact ? time : (f?.time ?? time);
  return {
    snapshot: f?.snapshot,
    // second t is complete at t + 1
    series: present.series.filter((p) => p.t + 1 <= at + 1e-9),
    live: present.live.filter((p) => p.t <= at + 1e-9),
    events: present.events.filter((e) => e.at <= at * 1e6 + 1e-3),
    consoleResult: f?.consoleResult,
  };
}

export function createTimeSlice(set: AppSet, get: () => AppState, sim: () => SimPort): TimeSlice {
  const presentOf = (s: AppState): RunView => s.present ?? { snapshot: s.snapshot, series: s.series, live: s.live, events: s.events, consoleResult: s.consoleResult };
  return {
    ...NO_TIME,
    following: false,

    async scrubTo(time) {
      if (get().status === 'running') await get().pause();
      const s = get();
      const present = presentOf(s);
      const end = present.snapshot?.time ?? 0;
      if (time === undefined || time >= end) {
        if (s.present) set({ ...s.present, present: undefined, scrub: undefined });
        return;
      }
      set({ present, scrub: Math.max(0, time), ...viewAt(present, s.frames, time) });
    },

    async forkHere() {
      const s = get();
      if (s.scrub === undefined || !s.present) return;
      // the worker replays to the exact moment asked (the frames may be half a second apart)
      const at = Math.round(s.scrub * 10) / 10;
      set({
        baseline: { series: s.present.series, at },
        ...viewAt(s.present, s.frames, at, true),
        frames: s.frames.filter((f) => f.time <= at),
        scrub: undefined,
        present: undefined,
        requestPath: undefined,
      });
      try {
        await sim().time({ do: 'fork', at: Math.round(at * 1e6) });
        get().notify('info', `Forked at t = ${at.toFixed(1)} s: change something and press Run; the charts show the original run dashed to compare.`, undefined, true);
      } catch (e) {
        get().notify('error', `The fork failed: ${String((e as Error)?.message ?? e)}`, undefined, true);
      }
    },

    forgetBaseline() {
      set({ baseline: undefined });
    },

    async setFollowing(on) {
      set({ following: on });
      await sim()
        .time({ do: 'follow', on })
        .catch(() => undefined);
    },

    async followRequest(which, note) {
      const path = await sim()
        .time({ do: 'requestPath', which })
        .catch(() => null);
      set({ requestPath: path ?? undefined, requestNote: path ? note : undefined, dockTab: 'trace' });
      if (!path) get().notify('info', 'No path for that request: turn on Follow requests before it starts (its path is recorded from then on).', undefined, true);
      return !!path;
    },
  };
}
