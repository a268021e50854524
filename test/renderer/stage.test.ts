/** The presenter's controls in the store (stage layout, one big chart, text size) and the real-time rate readout. */
import { describe, expect, it } from 'vitest';
import { achievedRate, shortfall } from '../../renderer/components/RateReadout.tsx';
import { createAppStore } from '../../renderer/store/appStore.ts';
import { TEXT_SCALES } from '../../renderer/store/uiSlice.ts';

describe('the stage layout', () => {
  it('turns on and off, and leaving it forgets the big chart', () => {
    const store = createAppStore();
    store.getState().setStage(true);
    store.getState().setStageChart('chart-latency');
    expect(store.getState()).toMatchObject({ stage: true, stageChart: 'chart-latency' });
    store.getState().setStage(false);
    expect(store.getState()).toMatchObject({ stage: false, stageChart: undefined });
  });

  it('Aa cycles through the text sizes and back to 1', () => {
    const store = createAppStore();
    const seen = TEXT_SCALES.map(() => {
      store.getState().cycleTextScale();
      return store.getState().textScale;
    });
    expect(seen).toEqual([...TEXT_SCALES.slice(1), 1]);
  });
});

describe('the real-time rate readout', () => {
  it('is simulated seconds per wall second, and says nothing on less than a second of samples', () => {
    expect(achievedRate([{ wall: 0, sim: 0 }])).toBeUndefined();
    expect(achievedRate([{ wall: 0, sim: 0 }, { wall: 500, sim: 0.5 }])).toBeUndefined();
    // a heavy graph at "1x": 1.2 simulated seconds in 2 wall seconds is 0.6x, which the toolbar shows
    expect(achievedRate([{ wall: 1000, sim: 3 }, { wall: 2000, sim: 3.7 }, { wall: 3000, sim: 4.2 }])).toBeCloseTo(0.6);
  });

  it('says the machine cannot keep the asked speed when the rate stays more than 10 % under it', () => {
    expect(shortfall(1, 0.6)).toBe('this machine cannot keep 1×');
    expect(shortfall(10, 4.2)).toBe('this machine cannot keep 10×');
    // keeping up, within the noise of a 3 s window
    expect(shortfall(1, 0.95)).toBeUndefined();
    expect(shortfall(1, 1.1)).toBeUndefined();
    // "max" asks for no pace: any rate is what it is
    expect(shortfall('max', 0.5)).toBeUndefined();
  });
});
