/**
 * Bounded polling, the one way tests wait for something another party makes true (a worker, a timer, a
 * child process): ask again every `intervalMs` until the probe answers, and fail with a message that says
 * what never happened once `timeoutMs` has passed. Tests use it instead of sleeping for a guessed time.
 */
import { availableParallelism, loadavg } from 'node:os';

/**
 * How much longer than asked to keep waiting on a busy machine: the load average per core, between 1 and 4.
 * The bound only guards against hanging, so stretching it costs nothing when things work; on a two-core CI
 * machine running replicas, a simulator and Redis at once, a fixed bound turned slowness into failures.
 */
export function patience(): number {
  return Math.min(4, Math.max(1, loadavg()[0] / availableParallelism()));
}

export interface UntilOptions {
  /** How long to keep asking before failing (default 10 s, stretched by `patience()`): a bound against hanging, never an assertion. */
  timeoutMs?: number;
  /** The pause between two asks (default 10 ms). */
  intervalMs?: number;
  /** What was awaited, for the failure message; a function is called at the failure, to show the state then. */
  what?: string | (() => string | Promise<string>);
}

/**
 * Resolves with the probe's first answer that is neither `undefined` nor `false` (so a predicate resolves
 * with `true`, a finder with what it found); rejects when `timeoutMs` passes first.
 */
export async function until<T>(
  probe: () => T | undefined | false | Promise<T | undefined | false>,
  options: UntilOptions = {},
): Promise<T> {
  const { intervalMs = 10, what = 'the condition' } = options;
  const timeoutMs = Math.round((options.timeoutMs ?? 10_000) * patience());
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const answer = await probe();
    if (answer !== undefined && answer !== false) return answer;
    if (Date.now() > deadline) {
      const described = typeof what === 'function' ? await what() : what;
      throw new Error(`waited ${timeoutMs} ms for ${described}, in vain`);
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
