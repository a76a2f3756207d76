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

/**
 * Tracks the timers one owner has scheduled so that reset() and close() can cancel them all at once
 * (a closed simulator must not keep the process alive or mutate state afterwards).
 */
export class TimerGroup {
  private readonly pending = new Set<CancelTimer>();

  constructor(private readonly scheduler: Scheduler) {}

  after(delayMs: number, callback: () => void): CancelTimer {
    const cancel = this.scheduler.after(delayMs, () => {
      this.pending.delete(cancel);
      callback();
    });
    this.pending.add(cancel);
    return () => {
      if (this.pending.delete(cancel)) cancel();
    };
  }

  cancelAll(): void {
    for (const cancel of this.pending) cancel();
    this.pending.clear();
  }
}
