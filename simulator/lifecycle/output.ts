/**
 * What a simulated task prints and when, pure. A running task's SIM_LOG_LINES come out spread over its run
 * time (so a follower sees them arrive while the task runs), in at most MAX_BATCHES prints; what the
 * container prints as it exits by itself comes last: SIM_EXIT_LOG_LINES when set (empty: nothing), else,
 * for a non-zero exit code, one line saying so, the way a failing program's last words would (so a failed
 * run always has something to show).
 */

/** More prints than this would only add timers; the lines of one batch share the batch's time. */
export const MAX_BATCHES = 20;

export interface OutputBatch {
  /** When to print, simulated ms after the containers started running. */
  atMs: number;
  /** Print the lines up to (not including) this index. */
  upTo: number;
}

/** `count` lines over `runMs`: batch i of n at i/n of the run time (the first at once), none for no lines. */
export function outputSchedule(count: number, runMs: number): OutputBatch[] {
  if (count <= 0) return [];
  const batches = Math.min(count, MAX_BATCHES);
  return Array.from({ length: batches }, (_, i) => ({
    atMs: Math.floor((Math.max(0, runMs) * i) / batches),
    upTo: Math.round((count * (i + 1)) / batches),
  }));
}

export function exitOutput(configured: readonly string[] | undefined, exitCode: number | undefined): string[] {
  if (configured !== undefined) return [...configured];
  if (exitCode === undefined || exitCode === 0) return [];
  return [`Error: the process exited with code ${exitCode}`];
}
