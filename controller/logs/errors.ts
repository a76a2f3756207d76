/**
 * Any failure while reading a run's log, in words a user can act on (RunLogError, never a stack trace).
 * The gateway has already sorted AWS's error (controller/aws/errors.ts) and, for a throttle, already tried
 * the call again within its bounded wait; what reaches here is its final answer.
 */
import { describeError, isBudgetExhausted, isGatewayError } from '../aws/errors.js';
import { RunLogError } from './types.js';

/** AWS's answers to credentials that are expired, unknown or not allowed to read the log group. */
const CREDENTIAL_CODES = new Set([
  'ExpiredTokenException', 'ExpiredToken', 'UnrecognizedClientException', 'InvalidClientTokenId',
  'InvalidSignatureException', 'SignatureDoesNotMatch', 'AccessDeniedException', 'AccessDenied',
  'CredentialsProviderError', 'InvalidAccessKeyId',
]);

export function isCredentialsProblem(code: string, message: string): boolean {
  return CREDENTIAL_CODES.has(code) || /security token included in the request is (expired|invalid)|could not load credentials/i.test(message);
}

/** The error a caller sees for `error`, thrown while reading `what` (e.g. `run "x" attempt 2`). */
export function toRunLogError(error: unknown, what: string): RunLogError {
  if (error instanceof RunLogError) return error;
  if (isBudgetExhausted(error) || isGatewayError(error, 'throttled')) {
    return new RunLogError('Throttled', `CloudWatch Logs reads are throttled for this AWS account (the shared logsRead budget for GetLogEvents is spent); reading ${what} stopped, try again in a few seconds`, { cause: error });
  }
  const described = describeError(error);
  const name = error instanceof Error ? error.name : '';
  if (isCredentialsProblem(described.code, described.message) || isCredentialsProblem(name, described.message)) {
    return new RunLogError('Unavailable', `CloudWatch Logs refused the AWS credentials (${described.code}: ${described.message}); renew or fix them, then read ${what} again`, { cause: error });
  }
  if (isGatewayError(error)) {
    return new RunLogError('Unavailable', `CloudWatch Logs could not serve ${what}: GetLogEvents failed with ${described.code}: ${described.message}`, { cause: error });
  }
  const message = error instanceof Error ? error.message : String(error);
  return new RunLogError('Unavailable', `could not read ${what}: ${message}`, { cause: error });
}
