/**
 * The app's one store (zustand, vanilla): the scenario document with its history, the live run, and
 * the window's state. React components read it through `useApp`; tests drive the vanilla store.
 */
import { createStore, type StoreApi } from 'zustand/vanilla';
import { useStore } from 'zustand';
import type { SimClient } from '../sim/simClient.ts';
import { simClient } from '../sim/simClient.ts';
import { createRunSlice, type RunSlice } from './runSlice.ts';
import { createScenarioSlice, type ScenarioSlice } from './scenarioSlice.ts';
import { createTimeSlice, type TimeSlice } from './timeSlice.ts';
import { createUiSlice, type UiSlice } from './uiSlice.ts';

export type AppState = ScenarioSlice & RunSlice & UiSlice & TimeSlice;
export type AppSet = StoreApi<AppState>['setState'];
/** What the store needs of the sim client (tests pass a fake). */
export type SimPort = Pick<SimClient, 'load' | 'apply' | 'reset' | 'continueRun' | 'subscribe' | 'time'>;

export function createAppStore(sim: () => SimPort = simClient): StoreApi<AppState> {
  return createStore<AppState>()((set, get) => ({
    ...createScenarioSlice(set, get),
    ...createRunSlice(set, get, sim),
    ...createUiSlice(set, get),
    ...createTimeSlice(set, get, sim),
  }));
}

export const appStore = createAppStore();

export function useApp<T>(selector: (s: AppState) => T): T {
  return useStore(appStore, selector);
}
