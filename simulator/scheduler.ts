/**
 * Time for the simulator. Everything that waits (phase durations, registration time, retention) goes
 * through a Scheduler so tests can substitute their own; the simulator scales simulated durations by
 * 1/timeScale before handing them here, so a Scheduler always deals in real milliseconds.
 */
export type CancelTimer = () => void;

export interface Scheduler {
  /** Wall-clock milliseconds since the epoch (used for task timestamps). */
  now(): number;
  /** Runs `callback` after `delayMs` real milliseconds; the returned function cancels it. */
  after(delayMs: number, callback: () => void): CancelTimer;
}

export const realScheduler: Scheduler = {
  now: () => Date.now(),
  after(delayMs, callback) {
    const handle = setTimeout(callback, Math.max(0, delayMs));
    return () => clearTimeout(handle);
  },
};
