/**
 * What the Node.js process itself reports goes through pino, so the controller's output is JSON lines only:
 * - warnings (process.emitWarning, e.g. the AWS SDK's notice that it will stop supporting this Node.js
 *   version, deprecations, MaxListenersExceeded) replace Node's default printer, which writes
 *   "(node:123) Warning: …" on stderr; a warning that repeats is logged once per interval with a count;
 * - an uncaught exception or an unhandled promise rejection is logged as one fatal line with its stack, and
 *   the process exits 1 as Node would have (its state is unknown; the pod restarts), instead of Node's
 *   multi-line dump on stderr.
 * Installed once, by the controller command, right after its logger exists.
 */
import type { Logger } from 'pino';
import { LogThrottle, createLogThrottle, LOG_REPEAT_INTERVAL_MS } from './log-throttle.js';

/** The part of `process` this touches; tests pass an EventEmitter. */
export interface ProcessEvents {
  on(event: 'warning', listener: (warning: Error) => void): unknown;
  on(event: 'uncaughtException', listener: (error: Error, origin: string) => void): unknown;
  on(event: 'unhandledRejection', listener: (reason: unknown) => void): unknown;
  removeAllListeners(event: 'warning'): unknown;
}

export interface ProcessLogOptions {
  /** Ends the process after a fatal report (process.exit by default). */
  exit?: (code: number) => void;
  throttle?: LogThrottle;
}

export function routeProcessReportsToLog(logger: Logger, target: ProcessEvents = process, options: ProcessLogOptions = {}): void {
  const exit = options.exit ?? ((code: number) => process.exit(code));
  const throttle = options.throttle ?? createLogThrottle({ intervalMs: LOG_REPEAT_INTERVAL_MS, now: Date.now });
  // Node's own listener prints every warning on stderr; it is the only other 'warning' listener at this point.
  target.removeAllListeners('warning');
  target.on('warning', (warning) => {
    const message = warning.message.trim();
    const decision = throttle.admit(`warning:${warning.name}:${message.split('\n')[0]}`);
    if (!decision.log) return;
    const code: unknown = (warning as Error & { code?: unknown }).code;
    logger.warn({ warning: warning.name, ...(typeof code === 'string' ? { code } : {}), detail: message, repeats: decision.suppressed }, 'process warning');
  });
  let ending = false;
  const fatal = (fields: Record<string, unknown>, msg: string) => {
    // A second failure while ending is logged too, but the process ends only once.
    logger.fatal(fields, msg);
    if (ending) return;
    ending = true;
    exit(1);
  };
  target.on('uncaughtException', (error, origin) => fatal({ err: error, origin }, 'uncaught exception'));
  target.on('unhandledRejection', (reason) => fatal({ err: reason instanceof Error ? reason : new Error(String(reason)) }, 'unhandled promise rejection'));
}
