/**
 * The commands that drive a simulation: one union for the app, the lessons, the CLI and the tests.
 * Plain data (structured-cloneable, JSON), so a run is its scenario, its seed and its journal of
 * (virtual time, command).
 */

/** A fault on a node: stop/start a postgres node, kill it, promote a replica, or a lag spike on a replica. */
export type FaultCommand =
  | { kind: 'stop' | 'start' | 'kill' | 'promote'; node: string }
  /**
   * Replay `applyFactor` times slower (a slow disk, a busy replica) and/or `linkDelay` more one-way latency
   * on the replica's link (a congested network), for `duration` (a time such as 5s) or until the next spike.
   */
  | { kind: 'lag-spike'; node: string; applyFactor?: number; linkDelay?: string | number; duration?: string | number };
