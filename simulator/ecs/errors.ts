/**
 * ECS errors as the JSON 1.1 protocol carries them: HTTP status, `__type` (the shape name) and `message`.
 * Handlers throw EcsError; the dispatcher turns it into the wire form.
 */
export class EcsError extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly status = 400,
    /** Extra members of the error shape, e.g. ConflictException.resourceIds. */
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = type;
  }
}

export const clientError = (message: string): EcsError => new EcsError('ClientException', message);
export const invalidParameter = (message: string): EcsError => new EcsError('InvalidParameterException', message);
export const clusterNotFound = (): EcsError => new EcsError('ClusterNotFoundException', 'Cluster not found.');
export const throttled = (): EcsError => new EcsError('ThrottlingException', 'Rate exceeded');
export const serverError = (): EcsError =>
  new EcsError('ServerException', 'Service unavailable. Please try again later.', 500);
