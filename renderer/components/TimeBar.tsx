/**
 * The time scrubber: drag back to any earlier moment of the run and the app shows it as it was (charts,
 * badges, canvas, events, console result: store/timeSlice.ts); Fork from there replays the run up to that
 * moment and lets it go another way, the original kept dashed on the charts and compared here.
 */
import './timeTrace.css';
import { useApp, appStore } from '../store/appStore.ts';
import type { SeriesPoint } from '../sim/protocol.ts';
import { frameAt } from '../store/timeSlice.ts';

/** Mean of a figure over the seconds both runs have after the fork point. */
function after(series: SeriesPoint[], from: number, upTo: number, f: (p: SeriesPoint) => number): number | undefined {
  const ps = series.filter((p) => p.t >= from && p.t < upTo && p.throughput > 0);
  return ps.length ? ps.reduce((n, p) => n + f(p), 0) / ps.length : undefined;
}

function Compare() {
  const baseline = useApp((s) => s.baseline);
  const series = useApp((s) => (s.present ?? s).series);
  if (!baseline) return null;
  const from = Math.ceil(baseline.at);
  const upTo = Math.min(series.at(-1)?.t ?? 0, baseline.series.at(-1)?.t ?? 0) + 1;
  const fig = (f: (p: SeriesPoint) => number) => [after(baseline.series, from, upTo, f), after(series, from, upTo, f)];
  const [p95a, p95b] = fig((p) => p.p95);
  const [tpa, tpb] = fig((p) => p.throughput);
  const [era, erb] = fig((p) => p.failed);
  const n = (v: number | undefined, d = 1) => (v === undefined ? '–' : v.toFixed(d));
  return (
    <span className="time-compare" data-testid="fork-compare">
      forked at <b>{baseline.at.toFixed(1)} s</b>
      {upTo > from ? (
        <>
          {' '}
          · seconds {from}–{upTo}: p95 <b>{n(p95a)}</b> → <b data-testid="fork-p95">{n(p95b)}</b> ms · req/s <b>{n(tpa, 0)}</b> → <b>{n(tpb, 0)}</b> · errors/s{' '}
          <b>{n(era, 0)}</b> → <b>{n(erb, 0)}</b>
        </>
      ) : (
        ' · run the fork to compare it with the original (dashed)'
      )}
      <button type="button" className="link" onClick={() => appStore.getState().forgetBaseline()}>
        hide original
      </button>
    </span>
  );
}

export function TimeBar() {
  const frames = useApp((s) => s.frames.length);
  const scrub = useApp((s) => s.scrub);
  const end = useApp((s) => (s.present ?? s).snapshot?.time ?? 0);
  const baseline = useApp((s) => !!s.baseline);
  // the moment shown is the last frame at or before the scrubber (frames come every 0.2-0.5 s)
  const shown = useApp((s) => (s.scrub === undefined ? end : (frameAt(s.frames, s.scrub)?.time ?? 0)));
  if (frames < 2 && !baseline) return null;
  return (
    <div className={`time-bar${scrub !== undefined ? ' past' : ''}`} data-testid="time-bar">
      <span className="time-label" title="the moment shown">
        {scrub !== undefined ? '⏪ ' : ''}t = <b data-testid="time-shown" data-time={shown}>{shown.toFixed(1)}</b> / {end.toFixed(1)} s
      </span>
      <input
        type="range"
        aria-label="time"
        data-testid="time-scrubber"
        min={0}
        max={Math.max(0.1, end)}
        step={0.1}
        value={scrub ?? end}
        onChange={(e) => void appStore.getState().scrubTo(Number(e.target.value))}
      />
      {scrub !== undefined && (
        <>
          <button type="button" data-testid="time-live" onClick={() => void appStore.getState().scrubTo(undefined)}>
            Back to now
          </button>
          <button type="button" data-testid="time-fork" title="Replay the run up to here, then change something: the original stays on the charts to compare" onClick={() => void appStore.getState().forkHere()}>
            Fork from here
          </button>
        </>
      )}
      <Compare />
    </div>
  );
}
