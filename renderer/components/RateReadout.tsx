/**
 * The real-time rate actually achieved: simulated seconds per wall second over the last few seconds of a
 * run. 1x is a wish the machine may not meet on a heavy graph (every statement runs on a real engine);
 * the readout says so instead of letting a slow run pass for real time. Wall time is the renderer's
 * business here: the sim never reads it.
 */
import { useEffect, useState } from 'react';
import type { SpeedSetting } from '../sim/protocol.ts';
import { appStore, useApp } from '../store/appStore.ts';

const WINDOW_MS = 3000;

/** The rate over `samples` (wall ms, sim s), oldest first; undefined with less than a second of them. */
export function achievedRate(samples: readonly { wall: number; sim: number }[]): number | undefined {
  if (samples.length < 2) return undefined;
  const a = samples[0];
  const b = samples[samples.length - 1];
  const wall = b.wall - a.wall;
  return wall < 1000 ? undefined : (b.sim - a.sim) / (wall / 1000);
}

/**
 * What the readout says after the rate: that the machine cannot keep the asked speed (a number: "max" asks
 * for no pace), when it stays more than 10 % under it; nothing when it keeps up.
 */
export function shortfall(speed: SpeedSetting, rate: number): string | undefined {
  return typeof speed === 'number' && rate < speed * 0.9 ? `this machine cannot keep ${speed}×` : undefined;
}

export function RateReadout() {
  const speed = useApp((s) => s.speed);
  const running = useApp((s) => s.status === 'running');
  const [rate, setRate] = useState<number | undefined>();
  useEffect(() => {
    if (!running) return;
    let samples: { wall: number; sim: number }[] = [];
    setRate(undefined);
    return appStore.subscribe((s, prev) => {
      if (s.snapshot === prev.snapshot || !s.snapshot) return;
      const now = performance.now();
      samples.push({ wall: now, sim: s.snapshot.time });
      samples = samples.filter((x) => now - x.wall <= WINDOW_MS);
      setRate(achievedRate(samples));
    });
  }, [running]);
  if (!running || rate === undefined) return null;
  const behind = shortfall(speed, rate);
  return (
    <span
      className={`rate${behind ? ' behind' : ''}`}
      data-testid="rate"
      data-rate={rate.toFixed(2)}
      title={behind ? `Asked for ${speed}×: this machine keeps up with ${rate.toFixed(2)}× on this topology (every statement runs on a real engine).` : 'Simulated seconds per real second, over the last 3 s'}
    >
      {rate < 10 ? rate.toFixed(2) : Math.round(rate)}× real time
      {behind && <span className="rate-why" data-testid="rate-why">: {behind}</span>}
    </span>
  );
}
