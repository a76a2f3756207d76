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
