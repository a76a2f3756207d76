/** The store's error taxonomy: callers branch on the class, never on the message. */

export class AlreadyExistsError extends Error {
  constructor(readonly kind: 'Pool' | 'Run', readonly resourceName: string) {
    super(`${kind} "${resourceName}" already exists`);
    this.name = 'AlreadyExistsError';
  }
}

export class NotFoundError extends Error {
  constructor(readonly kind: 'Pool' | 'Run', readonly resourceName: string) {
    super(`${kind} "${resourceName}" not found`);
    this.name = 'NotFoundError';
  }
}

/** A compare-and-set write found a different resourceVersion: re-read, re-decide, retry. Nothing was written. */
export class ConflictError extends Error {
  constructor(
    readonly kind: 'Pool' | 'Run',
    readonly resourceName: string,
    readonly expectedResourceVersion: string,
    readonly actualResourceVersion: string | undefined,
  ) {
    super(`${kind} "${resourceName}" changed: expected resourceVersion ${expectedResourceVersion}, found ${actualResourceVersion ?? 'none'}`);
    this.name = 'ConflictError';
  }
}

/**
 * True for a compare-and-set conflict. By name, not instanceof: the reconcilers' store ports may be fakes or
 * adapters that raise their own ConflictError, and the meaning (re-read, re-decide) is the same.
 */
export function isConflictError(error: unknown): boolean {
  return error instanceof Error && error.name === 'ConflictError';
}

/** The write is not allowed in the resource's current state (e.g. deleting a live run). */
export class PreconditionFailedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PreconditionFailedError';
  }
}

/** A list cursor (the API's `continue`) that is not one a page of this store returned. */
export class InvalidCursorError extends Error {
  constructor(readonly cursor: string) {
    super(`invalid continue token ${JSON.stringify(cursor.length > 40 ? `${cursor.slice(0, 40)}…` : cursor)}: pass back a list's metadata.continue unchanged`);
    this.name = 'InvalidCursorError';
  }
}
