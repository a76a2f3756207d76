/** The API's errors are Kubernetes Status objects; the client throws them as ApiStatusError. */
import type { components } from './generated/openapi.js';

export type Status = components['schemas']['Status'];
export type StatusCause = NonNullable<NonNullable<Status['details']>['causes']>[number];

export class ApiStatusError extends Error {
  constructor(
    /** The HTTP status code. */
    readonly code: number,
    /** The Status body, or one built from the HTTP answer when the body was not a Status (a proxy's page). */
    readonly status: Status,
    /** Retry-After in seconds, on 429 and 503. */
    readonly retryAfterSeconds?: number,
  ) {
    super(status.message);
    this.name = 'ApiStatusError';
  }

  get reason(): Status['reason'] {
    return this.status.reason;
  }

  get causes(): StatusCause[] {
    return this.status.details?.causes ?? [];
  }
}

export function isStatus(value: unknown): value is Status {
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as Partial<Status>;
  return candidate.kind === 'Status' && typeof candidate.message === 'string' && typeof candidate.code === 'number';
}

/** The error for a non-2xx response whose body was already parsed (`body` undefined when it was not JSON). */
export function statusError(response: Response, body: unknown): ApiStatusError {
  const retryAfter = Number(response.headers.get('retry-after') ?? NaN);
  const status: Status = isStatus(body)
    ? body
    : {
      apiVersion: 'v1', kind: 'Status', metadata: {}, status: 'Failure', code: response.status,
      message: `the server answered ${response.status} ${response.statusText || ''}`.trim() + ' without a Status',
    };
  return new ApiStatusError(response.status, status, Number.isFinite(retryAfter) ? retryAfter : undefined);
}

/** Reads a failed response's body as a Status when it is one. */
export async function errorFromResponse(response: Response): Promise<ApiStatusError> {
  const text = await response.text().catch(() => '');
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  return statusError(response, body);
}

/**
 * A log stream whose body ended without its end (`readLog`): the server met an error after the first line
 * (a CloudWatch Logs throttle or outage; the status line was already sent, so the server breaks the chunked
 * body off instead of answering a Status), the server shut down mid-follow, or the connection was lost.
 * The lines read so far are the log's beginning, not all of it.
 */
export class LogStreamBrokenError extends Error {
  constructor(cause: unknown) {
    super(`the log stream broke off before the log ended (${describeCause(cause)}): the API server could not read further (its log says why), shut down, or the connection was lost`, { cause });
    this.name = 'LogStreamBrokenError';
  }
}

/** fetch's `TypeError: terminated` says little; its cause (`other side closed`) says what happened. */
function describeCause(error: unknown): string {
  const words: string[] = [];
  for (let e: unknown = error; e instanceof Error && words.length < 3; e = e.cause) words.push(e.message);
  return words.length > 0 ? words.join(': ') : String(error);
}
