/**
 * How the CLI reports failure: one line `error: …` on stderr (admission errors add one indented line per
 * violation: document, path, rule, message, value) and a non-zero exit status.
 */
import { AdmissionError, formatRejections } from '../../controller/api/admission/index.js';
import { AlreadyExistsError, ConflictError, NotFoundError, PreconditionFailedError, SelectorError, InvalidControlMessageError } from '../../controller/store/index.js';

/**
 * Exit statuses: 1 for any failure of the request, 2 for bad input (rejected by the CLI or by admission:
 * the same documents would be rejected again, so a script must not retry), 3 for a request
 * that was accepted (durably queued) but whose outcome the controller did not report in time (run kill).
 */
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;
export const EXIT_UNANSWERED = 3;
/** `run wait`: the timeout passed before the condition was met (the same "no answer in time" as above). */
export const EXIT_TIMED_OUT = EXIT_UNANSWERED;
/** The reader of our output went away (`… | head`): what a process killed by SIGPIPE reports (128 + 13). */
export const EXIT_BROKEN_PIPE = 141;

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/**
 * Admission's rejection as the HTTP API reports it (422, one Status cause per violation): the same message
 * and exit status as a rejection in direct mode. `lines` are `document N: path: rule: message`.
 */
export class RejectedDocumentsError extends Error {
  constructor(readonly documents: number, readonly lines: readonly string[]) {
    super(`admission rejected ${documents} document${documents === 1 ? '' : 's'}`);
    this.name = 'RejectedDocumentsError';
  }
}

export function describeError(error: unknown): { text: string; exitCode: number } {
  if (error instanceof RejectedDocumentsError) {
    return { text: [`error: ${error.message}`, ...error.lines.map((l) => `  ${l}`)].join('\n'), exitCode: EXIT_USAGE };
  }
  if (error instanceof AdmissionError) {
    const count = error.rejections.length;
    const lines = formatRejections(error.rejections).split('\n').map((l) => `  ${l}`);
    return { text: `error: admission rejected ${count} document${count === 1 ? '' : 's'}\n${lines.join('\n')}`, exitCode: EXIT_USAGE };
  }
  if (error instanceof UsageError || error instanceof SelectorError || error instanceof InvalidControlMessageError) {
    return { text: `error: ${error.message}`, exitCode: EXIT_USAGE };
  }
  if (error instanceof NotFoundError || error instanceof AlreadyExistsError || error instanceof ConflictError || error instanceof PreconditionFailedError) {
    return { text: `error: ${error.message}`, exitCode: EXIT_FAILURE };
  }
  const message = error instanceof Error ? error.message : String(error);
  return { text: `error: ${message.split('\n')[0]}`, exitCode: EXIT_FAILURE };
}
