/**
 * The contract between whoever serves a run's container output (the API's `runs/{name}/log` route, the
 * CLI's `run logs`) and the module that reads it from CloudWatch Logs (`controller/logs/`). Kept in its
 * own file so both sides can be built apart and meet here.
 */

/** What a caller asks for; mirrors Kubernetes' pod log options where they mean the same. */
export interface RunLogRequest {
  namespace: string;
  run: string;
  /** Keep reading while the attempt's task runs; end when it stops. */
  follow: boolean;
  /** Only the last N lines that exist when the request starts (then new ones, when following). */
  tailLines?: number;
  /** 1-based attempt number; default: the run's latest attempt. */
  attempt?: number;
}

/** One line of container output. */
export interface RunLogLine {
  /** Milliseconds since the epoch, as CloudWatch Logs stamps the event. */
  timestamp: number;
  message: string;
  attempt: number;
  container: string;
}

/** Why a log cannot be served, in words a user can act on; `reason` maps to an HTTP status. */
export type RunLogFailureReason =
  | 'RunNotFound'      // 404
  | 'NoSuchAttempt'    // 404
  | 'LogsDisabled'     // 400: the pool does not send output to CloudWatch Logs
  | 'NotStarted'       // 404 when not following: the attempt's task has no stream yet
  | 'Throttled'        // 429: the account's Logs budget is spent; retry later
  | 'Unavailable';     // 503: CloudWatch Logs (or Redis) failed; the message says how

export class RunLogError extends Error {
  constructor(readonly reason: RunLogFailureReason, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'RunLogError';
  }
}

/** A source of run logs. `open` checks the request (throwing RunLogError) before yielding lines. */
export interface RunLogSource {
  open(request: RunLogRequest, signal: AbortSignal): AsyncIterable<RunLogLine>;
}
