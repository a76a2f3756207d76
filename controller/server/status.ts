/**
 * Kubernetes `Status` objects: every error the API answers is one, so a Kubernetes-aware client reads our
 * failures as it reads the API server's. `ApiError` carries one through the handlers; `statusFromError`
 * turns the store's and admission's errors into the matching code and reason, and anything unknown into a
 * 500 that says nothing of the inside (the server logs it).
 */
import { z } from 'zod';
import { AdmissionError, type DocumentRejection } from '../api/admission/index.js';
import { AlreadyExistsError, ConflictError, InvalidCursorError, NotFoundError, PreconditionFailedError, SelectorError, InvalidControlMessageError } from '../store/index.js';
import { RunLogError, type RunLogFailureReason } from '../logs/types.js';

export const STATUS_REASONS = [
  'BadRequest', 'Unauthorized', 'Forbidden', 'NotFound', 'MethodNotAllowed', 'AlreadyExists', 'Conflict', 'Gone',
  'RequestEntityTooLarge', 'UnsupportedMediaType', 'Invalid', 'TooManyRequests', 'InternalError', 'ServiceUnavailable',
  'Timeout', 'BadGateway',
] as const;
export type StatusReason = (typeof STATUS_REASONS)[number];
/** Reasons of a Success Status (cancel and kill answers). */
export const SUCCESS_REASONS = ['Accepted', 'Killed', 'AlreadyStopped'] as const;

export const StatusCause = z.strictObject({
  /** Field path into the request body, e.g. `spec.cpu` or `items[2].metadata.name`. */
  field: z.string(),
  /** Kubernetes' cause type; admission violations are `FieldValueInvalid`. */
  reason: z.string(),
  /** `<rule>: <what is wrong>`. */
  message: z.string(),
});
export type StatusCause = z.infer<typeof StatusCause>;

export const StatusDetails = z.strictObject({
  name: z.string().optional(),
  /** The resource collection (`runs`, `pools`, `tokens`). */
  kind: z.string().optional(),
  causes: z.array(StatusCause).optional(),
  retryAfterSeconds: z.number().int().optional(),
});
export type StatusDetails = z.infer<typeof StatusDetails>;

/** Kubernetes' meta/v1 Status. */
export const Status = z.strictObject({
  apiVersion: z.literal('v1'),
  kind: z.literal('Status'),
  metadata: z.strictObject({}),
  status: z.enum(['Success', 'Failure']),
  message: z.string(),
  reason: z.enum([...STATUS_REASONS, ...SUCCESS_REASONS]).optional(),
  details: StatusDetails.optional(),
  code: z.number().int(),
});
export type Status = z.infer<typeof Status>;

export class ApiError extends Error {
  constructor(
    readonly code: number,
    readonly reason: StatusReason,
    message: string,
    readonly details?: StatusDetails,
    /** Extra response headers (Retry-After, WWW-Authenticate). */
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'ApiError';
  }
  toStatus(): Status {
    return failure(this.code, this.reason, this.message, this.details);
  }
}

export function failure(code: number, reason: StatusReason, message: string, details?: StatusDetails): Status {
  return { apiVersion: 'v1', kind: 'Status', metadata: {}, status: 'Failure', message, reason, ...(details ? { details } : {}), code };
}

export function success(code: number, message: string, reason?: (typeof SUCCESS_REASONS)[number], details?: StatusDetails): Status {
  return { apiVersion: 'v1', kind: 'Status', metadata: {}, status: 'Success', message, ...(reason ? { reason } : {}), ...(details ? { details } : {}), code };
}

export const badRequest = (message: string, causes?: StatusCause[]) => new ApiError(400, 'BadRequest', message, causes ? { causes } : undefined);
export const notFound = (kind: string, name: string) => new ApiError(404, 'NotFound', `${kind} "${name}" not found`, { name, kind: plural(kind) });

const plural = (kind: string) => `${kind.toLowerCase()}s`;

/** Every violation of every rejected document as a cause; `prefix` names the document in a batch (`items[2].`). */
export function admissionCauses(rejections: readonly DocumentRejection[], batch: boolean): StatusCause[] {
  return rejections.flatMap((r) =>
    r.violations.map((v) => ({
      field: [batch ? `items[${r.index}]` : '', v.path].filter(Boolean).join('.'),
      reason: 'FieldValueInvalid',
      message: `${v.rule}: ${v.message}`,
    })),
  );
}

const LOG_CODES: Record<RunLogFailureReason, [number, StatusReason]> = {
  RunNotFound: [404, 'NotFound'],
  NoSuchAttempt: [404, 'NotFound'],
  LogsDisabled: [400, 'BadRequest'],
  NotStarted: [404, 'NotFound'],
  Throttled: [429, 'TooManyRequests'],
  Unavailable: [503, 'ServiceUnavailable'],
};

/** The store's, admission's and the log source's errors as Status; undefined for anything else (a 500). */
export function knownError(error: unknown, context: { batch?: boolean } = {}): ApiError | undefined {
  if (error instanceof ApiError) return error;
  if (error instanceof AdmissionError) {
    const count = error.rejections.length;
    return new ApiError(422, 'Invalid', `admission rejected ${count} document${count === 1 ? '' : 's'}`, {
      ...(error.rejections.length === 1 && error.rejections[0].name ? { name: error.rejections[0].name } : {}),
      ...(error.rejections.length === 1 && error.rejections[0].kind ? { kind: plural(error.rejections[0].kind) } : {}),
      causes: admissionCauses(error.rejections, context.batch ?? false),
    });
  }
  if (error instanceof NotFoundError) return notFound(error.kind, error.resourceName);
  if (error instanceof AlreadyExistsError) return new ApiError(409, 'AlreadyExists', error.message, { name: error.resourceName, kind: plural(error.kind) });
  if (error instanceof ConflictError) return new ApiError(409, 'Conflict', error.message, { name: error.resourceName, kind: plural(error.kind) });
  if (error instanceof PreconditionFailedError) return new ApiError(409, 'Conflict', error.message);
  if (error instanceof SelectorError) return badRequest(`labelSelector: ${error.message}`);
  // Kubernetes answers a malformed continue token 400 ("invalid continue token"); 410 is for a valid one
  // whose snapshot expired, which cannot happen here (a cursor is a name, not a snapshot).
  if (error instanceof InvalidCursorError) return badRequest(`continue: ${error.message}`);
  if (error instanceof InvalidControlMessageError) return badRequest(error.message);
  if (error instanceof RunLogError) {
    const [code, reason] = LOG_CODES[error.reason];
    return new ApiError(code, reason, error.message, undefined, error.reason === 'Throttled' ? { 'retry-after': '5' } : {});
  }
  return undefined;
}
