/**
 * Repeated errors, logged once per interval. During a Redis outage every connection, queue and worker
 * reports the same failure many times a second; the log should say it once per interval per kind of error,
 * with how many repeats it left out, so the outage stays readable and the log stays cheap.
 *
 * The decision is pure (a clock is injected); `throttledLogger` is the thin shell that writes through pino.
 */
import type { Logger } from 'pino';

export type LogDecision = { log: true; suppressed: number } | { log: false };

export interface LogThrottle {
  /** One occurrence of `key`: log it (saying how many were left out since the last logged one) or leave it out. */
  admit(key: string): LogDecision;
}

export interface LogThrottleOptions {
  intervalMs: number;
  now: () => number;
  /** Keys remembered at most; beyond it, keys quiet for an interval are forgotten (default 1000). */
  maxKeys?: number;
}

export function createLogThrottle(options: LogThrottleOptions): LogThrottle {
  const seen = new Map<string, { loggedAt: number; suppressed: number }>();
  const maxKeys = options.maxKeys ?? 1000;
  // Error messages may carry varying details; the memory stays bounded by forgetting quiet keys.
  const forgetQuiet = (now: number) => {
    for (const [key, entry] of seen) if (now - entry.loggedAt >= options.intervalMs) seen.delete(key);
  };
  return {
    admit(key) {
      const now = options.now();
      if (seen.size >= maxKeys && !seen.has(key)) forgetQuiet(now);
      const entry = seen.get(key);
      if (entry && now - entry.loggedAt < options.intervalMs) {
        entry.suppressed += 1;
        return { log: false };
      }
      const suppressed = entry?.suppressed ?? 0;
      seen.set(key, { loggedAt: now, suppressed: 0 });
      return { log: true, suppressed };
    },
  };
}

/** How often the same error is logged at most; the count of left-out repeats comes with the next line. */
export const LOG_REPEAT_INTERVAL_MS = 10_000;

export interface ThrottledLogger {
  /**
   * Logs `msg` at `level` unless `key` was logged less than an interval ago; a logged line carries
   * `repeats`, the occurrences left out since the previous line of the same key.
   */
  log(level: 'warn' | 'error', key: string, fields: Record<string, unknown>, msg: string): void;
}

export function throttledLogger(logger: Logger, throttle: LogThrottle = createLogThrottle({ intervalMs: LOG_REPEAT_INTERVAL_MS, now: Date.now })): ThrottledLogger {
  return {
    log(level, key, fields, msg) {
      const decision = throttle.admit(key);
      if (decision.log) logger[level]({ ...fields, repeats: decision.suppressed }, msg);
    },
  };
}

/** The first line of an error's message, for a throttle key and a one-line log field. */
export function errorSummary(error: unknown): { message: string; code?: string } {
  const message = (error instanceof Error ? error.message : String(error)).split('\n')[0].slice(0, 300);
  const code: unknown = error instanceof Error ? (error as Error & { code?: unknown }).code : undefined;
  return typeof code === 'string' ? { message, code } : { message };
}
