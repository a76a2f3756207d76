/**
 * The one place that sorts AWS errors. Every gateway caller sees a GatewayError with a `kind`:
 * - throttled: the account's bucket is empty — ThrottlingException and friends, EC2 RequestLimitExceeded,
 *   HTTP 429, and "Rate exceeded" inside any exception type (ECS sometimes wraps it in ClientException);
 * - transient: worth retrying as is — 5xx, ServerException, network failures, timeouts;
 * - conflict: another writer got there first — ConflictException, "Too many concurrent attempts";
 * - notFound: the named thing does not exist — ClusterNotFoundException, ResourceNotFoundException,
 *   EC2 `*.NotFound` codes, and ECS's ClientException for a task definition it does not know
 *   ("TaskDefinition not found.", "Unable to describe task definition.");
 * - client: everything else, i.e. the request is wrong and retrying will not help (including ECS's
 *   LimitExceededException, which is a resource quota there, not a rate).
 *
 * Callers ask here whether a thrown value is an AWS answer at all (`isAwsError`), what it says
 * (`describeError`: kind, code, AWS's own message, suggested wait) and whether asking again later can help
 * (`isRetryableKind`); they keep only the meaning for their own call (a RunTask outcome, a registration step).
 */
import type { ThrottleCategory } from './budgets.js';

export type ErrorKind = 'throttled' | 'transient' | 'conflict' | 'client' | 'notFound';

/** An AWS call failed; `kind` says what to do about it, `code` is AWS's error code. */
export class GatewayError extends Error {
  override readonly cause: unknown;
  constructor(
    readonly kind: ErrorKind,
    readonly action: string,
    readonly code: string,
    message: string,
    cause: unknown,
    /** For throttled and transient errors: a suggested wait before trying again. */
    readonly retryAfterMs?: number,
  ) {
    super(message);
    this.name = 'GatewayError';
    this.cause = cause;
  }
}

/** No token now: the caller should come back after retryAfterMs (a reconciler returns requeueAfterMs). */
export class BudgetExhaustedError extends Error {
  constructor(
    readonly category: ThrottleCategory,
    readonly retryAfterMs: number,
  ) {
    super(`ECS budget ${category} exhausted; retry after ${retryAfterMs} ms`);
    this.name = 'BudgetExhaustedError';
  }
}

export function isGatewayError(error: unknown, kind?: ErrorKind): error is GatewayError {
  return error instanceof GatewayError && (kind === undefined || error.kind === kind);
}

export function isBudgetExhausted(error: unknown): error is BudgetExhaustedError {
  return error instanceof BudgetExhaustedError;
}

/** Throttled and transient answers say nothing about the request: the same call may succeed later. */
export function isRetryableKind(kind: ErrorKind): boolean {
  return kind === 'throttled' || kind === 'transient';
}

/**
 * Whether an error came from AWS (through the gateway, or a raw SDK service error) or from pacing. Anything
 * else — a bug, Redis trouble — is not a verdict on the request and must not fail a run.
 */
export function isAwsError(error: unknown): boolean {
  if (error instanceof GatewayError || error instanceof BudgetExhaustedError) return true;
  return typeof error === 'object' && error !== null && '$metadata' in error;
}

/** The SDK's own error behind a GatewayError (which keeps it as `cause`), or the error itself. */
export function sdkErrorOf(error: unknown): unknown {
  return error instanceof GatewayError ? error.cause : error;
}

export interface DescribedError { kind: ErrorKind; code: string; message: string; retryAfterMs?: number }

/** The gateway prefixes its messages with action and code; users get AWS's own words from the cause. */
export function describeError(error: unknown): DescribedError {
  if (error instanceof GatewayError) {
    const message = error.cause instanceof Error ? error.cause.message : error.message;
    return { kind: error.kind, code: error.code, message, retryAfterMs: error.retryAfterMs };
  }
  const c = classifyAwsError(error);
  return { kind: c.kind, code: c.code, message: c.message };
}

const THROTTLING_CODES = new Set([
  'ThrottlingException', 'Throttling', 'ThrottledException', 'RequestLimitExceeded', 'RequestThrottled',
  'RequestThrottledException', 'TooManyRequestsException', 'EC2ThrottledException', 'SlowDown',
  'BandwidthLimitExceeded', 'ProvisionedThroughputExceededException',
  'PriorRequestNotComplete',
]);
/*
 * ENOTFOUND stays transient, though a pool whose `region` names no Region (eu-fake-1) gets it for ever: the
 * SDK's endpoint ecs.eu-fake-1.amazonaws.com has no DNS name, and AWS never answers at all. A resolver in
 * trouble gives the same code for names that do exist (getaddrinfo reports ENOTFOUND, not EAI_AGAIN, when
 * it cannot reach a DNS server on some systems, and a broken VPC resolver or a private hosted zone shadowing
 * amazonaws.com answers NXDOMAIN), so failing runs at once would fail every run during an outage. Instead the
 * run says at once which name did not resolve and which Region it is (unresolvedEndpointOf; the routed
 * gateway's explainWhere words it), keeps backing off, and ends by its launch deadline (timeouts.launchSeconds).
 * EAI_AGAIN ("try again": the resolver could not answer now) is transient without that hint.
 */
const TRANSIENT_CODES = new Set([
  'ServerException', 'InternalFailure', 'InternalError', 'InternalServerError', 'ServiceUnavailable',
  'ServiceUnavailableException', 'Unavailable', 'TimeoutError', 'RequestTimeout', 'RequestTimeoutException',
  'ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN',
  'ECONNABORTED', 'UND_ERR_SOCKET', 'UND_ERR_CONNECT_TIMEOUT',
]);
const NOT_FOUND_CODES = new Set([
  'ClusterNotFoundException', 'ResourceNotFoundException', 'ServiceNotFoundException',
  'TaskSetNotFoundException', 'TargetNotFoundException', 'NamespaceNotFoundException',
]);

/**
 * A call whose endpoint's name did not resolve: getaddrinfo answered ENOTFOUND for `host`. `region` is the
 * Region inside an AWS regional endpoint, `<service>.<region>.amazonaws.com` (`.com.cn` in China): the form
 * the SDK builds from a client's Region (AWS General Reference, "AWS service endpoints", Regional endpoints:
 * https://docs.aws.amazon.com/general/latest/gr/rande.html). Any other name is the endpoint the controller
 * is configured with (AWS_ENDPOINT_URL): the SDK connects to nothing else.
 */
export interface UnresolvedEndpoint {
  host: string;
  region: string | undefined;
}

/** `<service>.<region>.amazonaws.com`, the Region with the shape admission accepts for a pool's `region`. */
const AWS_REGIONAL_HOST = /^[a-z0-9-]+\.([a-z]{2}(?:-[a-z]+)+-\d{1,2})\.amazonaws\.com(?:\.cn)?\.?$/;

/** The endpoint name that did not resolve, for ENOTFOUND only (never EAI_AGAIN); undefined otherwise. */
export function unresolvedEndpointOf(error: unknown): UnresolvedEndpoint | undefined {
  const raw = sdkErrorOf(error);
  if (typeof raw !== 'object' || raw === null) return undefined;
  const record = raw as Record<string, unknown>;
  if (record.code !== 'ENOTFOUND') return undefined;
  // Node names the host in `hostname` and in its message ("getaddrinfo ENOTFOUND <host>").
  const message = typeof record.message === 'string' ? record.message : '';
  const host = typeof record.hostname === 'string' ? record.hostname : /\bENOTFOUND\s+(\S+)/.exec(message)?.[1];
  if (host === undefined || host === '') return undefined;
  return { host, region: AWS_REGIONAL_HOST.exec(host.toLowerCase())?.[1] };
}

export interface Classification {
  kind: ErrorKind;
  code: string;
  message: string;
  httpStatusCode: number | undefined;
}

/** Sorts any thrown value from an AWS SDK v3 call (service errors, network errors, anything else). */
export function classifyAwsError(error: unknown): Classification {
  const record = (typeof error === 'object' && error !== null ? error : {}) as Record<string, unknown>;
  const metadata = record.$metadata as { httpStatusCode?: unknown } | undefined;
  const status = typeof metadata?.httpStatusCode === 'number' ? metadata.httpStatusCode : undefined;
  const name = typeof record.name === 'string' ? record.name : '';
  // Network failures surface as plain Errors carrying a node `code`; EC2 query errors carry `Code`.
  const nodeCode = typeof record.code === 'string' ? record.code : typeof record.Code === 'string' ? record.Code : '';
  const code = name && name !== 'Error' ? name : nodeCode || 'UnknownError';
  const message = error instanceof Error ? error.message : typeof record.message === 'string' ? record.message : String(error);
  const retryable = record.$retryable as { throttling?: unknown } | undefined;
  const codes = [code, nodeCode];
  const result = (kind: ErrorKind): Classification => ({ kind, code, message, httpStatusCode: status });

  if (codes.some((c) => THROTTLING_CODES.has(c)) || status === 429 || /rate exceeded/i.test(message) || retryable?.throttling === true) {
    return result('throttled');
  }
  if (code === 'ConflictException' || /too many concurrent attempts/i.test(message)) return result('conflict');
  if (codes.some((c) => NOT_FOUND_CODES.has(c) || c.endsWith('.NotFound'))) return result('notFound');
  if (taskDefinitionProblemOf(code, message) === 'missing') return result('notFound');
  if (codes.some((c) => TRANSIENT_CODES.has(c)) || (status !== undefined && status >= 500) || retryable !== undefined) {
    return result('transient');
  }
  return result('client');
}

/**
 * What an ECS error says about the task definition it names, matched by exception name and AWS's words:
 * - missing: ECS does not know the revision — "TaskDefinition not found." (RunTask, CreateService) and
 *   "Unable to describe task definition." (DescribeTaskDefinition of a deleted or never-registered revision,
 *   or of an INACTIVE one no task references any more);
 * - inactive: it exists but cannot run new tasks — "TaskDefinition is inactive" (RunTask of a deregistered
 *   revision; a DELETE_IN_PROGRESS revision is refused the same way).
 * Sources: docs/ecs-facts.md ("Task definition states"). Anything else (throttles included) is undefined.
 */
export type TaskDefinitionProblem = 'missing' | 'inactive';

const TASK_DEFINITION_EXCEPTIONS = new Set(['ClientException', 'InvalidParameterException', 'ResourceNotFoundException']);
const TASK_DEFINITION_MISSING = /\bTaskDefinition not found\b|\bUnable to (describe|find) task ?definition\b|\btask ?definition\b.*\b(does not exist|not found)\b/i;
const TASK_DEFINITION_INACTIVE = /\bTaskDefinition is inactive\b|\btask ?definition\b.*\b(is inactive|INACTIVE|DELETE_IN_PROGRESS)\b/i;

export function taskDefinitionProblem(error: unknown): TaskDefinitionProblem | undefined {
  if (error instanceof BudgetExhaustedError) return undefined;
  const { code, message } = error instanceof GatewayError ? describeError(error) : classifyAwsError(error);
  return taskDefinitionProblemOf(code, message);
}

function taskDefinitionProblemOf(code: string, message: string): TaskDefinitionProblem | undefined {
  if (!TASK_DEFINITION_EXCEPTIONS.has(code) || /rate exceeded/i.test(message)) return undefined;
  if (TASK_DEFINITION_MISSING.test(message)) return 'missing';
  if (TASK_DEFINITION_INACTIVE.test(message)) return 'inactive';
  return undefined;
}
