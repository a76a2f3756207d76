/**
 * What every protocol module of the simulator sees and returns. The HTTP server parses the request once
 * and offers it to each protocol handler in turn; a handler answers null when the request is not its
 * protocol (so ECS, CloudWatch Logs, SQS and EC2 share one endpoint, as AWS_ENDPOINT_URL expects).
 */
export interface SimRequest {
  method: string;
  path: string;
  /** Lower-cased header names. */
  headers: Record<string, string>;
  /** The X-Amz-Target header, e.g. "AmazonEC2ContainerServiceV20141113.RunTask", when present. */
  target: string | undefined;
  body: string;
}

export interface SimResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** The response header AWS puts its request id in (lower-cased, as the other header names here). */
export const REQUEST_ID_HEADER = 'x-amzn-requestid';

export type ProtocolHandler = (request: SimRequest) => Promise<SimResponse | null> | SimResponse | null;

/** An awsJson 1.0/1.1 error as the Smithy protocol tests describe it: `__type` and `message`. */
export function jsonError(status: number, type: string, message: string, contentType = 'application/x-amz-json-1.1'): SimResponse {
  return {
    status,
    headers: { 'content-type': contentType, 'x-amzn-errortype': type },
    body: JSON.stringify({ __type: type, message }),
  };
}

export function jsonOk(payload: unknown, contentType = 'application/x-amz-json-1.1'): SimResponse {
  return { status: 200, headers: { 'content-type': contentType }, body: JSON.stringify(payload) };
}
