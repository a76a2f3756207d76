/**
 * `run logs` through the HTTP API: the log route's text lines (`?timestamps=true`, so each line keeps its
 * CloudWatch Logs time) as the timestamp and message that `run logs` prints, and its Status errors (no such
 * run, logs disabled, not written yet, throttled, unavailable) as the CLI's one-line errors. A stream that
 * breaks off after its first line (the server's error mid-stream: @longshore/client's LogStreamBrokenError)
 * is a failure too, after the lines that arrived: exit 1 with one line, as direct mode on the same error.
 * The `run logs` command calls this when the session talks to the API (`session.api`), its log source otherwise.
 */
import { readLog, type ApiClient } from '@longshore/client';
import type { RunLogLine, RunLogRequest } from '../../controller/logs/types.js';
import type { ApiConnection } from './api-config.js';
import { cliError } from './http-backend.js';
import { UsageError } from './errors.js';

export type ApiLogLine = Pick<RunLogLine, 'timestamp' | 'message'>;

/** `2026-01-02T03:04:05.678Z message` → its parts (the route's `timestamps=true` format, RFC 3339). */
export function parseTimestamped(line: string): ApiLogLine {
  const space = line.indexOf(' ');
  const timestamp = space > 0 ? Date.parse(line.slice(0, space)) : NaN;
  if (Number.isNaN(timestamp)) throw new Error(`the API sent a log line without its timestamp: ${JSON.stringify(line.slice(0, 80))}`);
  return { timestamp, message: line.slice(space + 1) };
}

export async function* apiLogLines(
  api: { client: ApiClient; connection: ApiConnection },
  request: RunLogRequest,
  signal?: AbortSignal,
): AsyncGenerator<ApiLogLine> {
  const lines = readLog(api.client, {
    namespace: request.namespace, name: request.run, follow: request.follow, timestamps: true,
    ...(request.tailLines !== undefined ? { tailLines: request.tailLines } : {}),
    ...(request.attempt !== undefined ? { attempt: request.attempt } : {}),
    ...(signal ? { signal } : {}),
  });
  try {
    for await (const line of lines) yield parseTimestamped(line);
  } catch (error) {
    // An abort (ctrl-c) ends the output quietly, as the direct reader does.
    if (signal?.aborted) return;
    // A log that cannot be read is a failure (exit 1), as in direct mode, even where the API says 400
    // (logs disabled on the pool): the request itself was well-formed.
    const failure = cliError(error, api.connection.server, { kind: 'Run', name: request.run });
    throw failure instanceof UsageError ? new Error(failure.message) : failure;
  }
}
