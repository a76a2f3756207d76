/**
 * The simulator's one HTTP endpoint: every protocol (ECS, CloudWatch Logs, SQS, EC2) on 127.0.0.1, so
 * AWS_ENDPOINT_URL works for every client. Each request is read once into a SimRequest and offered to the
 * protocol handlers in turn; /_sim/audit and /_sim/reset are the inspection routes.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { PersistentFaults } from './persistent-faults.js';
import { jsonError, REQUEST_ID_HEADER, type ProtocolHandler, type SimRequest, type SimResponse } from './wire.js';

export interface InspectionRoutes {
  audit: () => unknown;
  reset: () => void;
  /** The /_sim/faults routes; absent in handler-only test servers. */
  faults?: PersistentFaults;
  /** POST /_sim/container-instances: registers instances (throws with a message for a bad request). */
  registerInstances?: (request: unknown) => unknown;
}

export interface SimServer {
  port: number;
  url: string;
  close(): Promise<void>;
}

function headersOf(request: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  const raw = request.rawHeaders;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i].toLowerCase();
    headers[name] = headers[name] === undefined ? raw[i + 1] : `${headers[name]}, ${raw[i + 1]}`;
  }
  return headers;
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(chunks.length === 1 ? chunks[0].toString('utf8') : Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

/**
 * Every AWS answer, success or error, carries its request id in `x-amzn-RequestId` (the ECS, SQS and
 * CloudWatch Logs API references show it in each sample response); the SDK reads it into
 * `$metadata.requestId`. A handler that already set one (EC2, whose XML body repeats it) keeps its own.
 */
function withRequestId(headers: Record<string, string>): Record<string, string> {
  return headers[REQUEST_ID_HEADER] === undefined ? { ...headers, [REQUEST_ID_HEADER]: randomUUID() } : headers;
}

function send(response: ServerResponse, answer: SimResponse): void {
  response.writeHead(answer.status, { ...withRequestId(answer.headers), 'content-length': Buffer.byteLength(answer.body) });
  response.end(answer.body);
}

const jsonResponse = (status: number, payload: unknown): SimResponse => ({
  status,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(payload),
});

const FAULTS_PATH = '/_sim/faults';
const INSTANCES_PATH = '/_sim/container-instances';

/** GET lists the persistent faults, POST adds one (JSON body), DELETE clears all or, with /<id>, one. */
function faultRoute(request: SimRequest, faults: PersistentFaults): SimResponse | null {
  const id = request.path.slice(FAULTS_PATH.length + 1);
  if (request.method === 'GET' && id === '') return jsonResponse(200, { faults: faults.list() });
  if (request.method === 'POST' && id === '') {
    try {
      return jsonResponse(200, faults.addUnchecked(JSON.parse(request.body === '' ? '{}' : request.body)));
    } catch (error) {
      return jsonResponse(400, { message: (error as Error).message });
    }
  }
  if (request.method === 'DELETE') {
    if (id === '') {
      faults.clear();
      return jsonResponse(200, { cleared: true });
    }
    return faults.remove(id) ? jsonResponse(200, { removed: id }) : jsonResponse(404, { message: `no persistent fault ${id}` });
  }
  return null;
}

async function dispatch(request: SimRequest, handlers: readonly ProtocolHandler[], routes: InspectionRoutes): Promise<SimResponse> {
  if (request.path === '/_sim/audit' && request.method === 'GET') return jsonResponse(200, routes.audit());
  if (request.path === '/_sim/reset' && request.method === 'POST') {
    routes.reset();
    return jsonResponse(200, { reset: true });
  }
  if (routes.faults !== undefined && (request.path === FAULTS_PATH || request.path.startsWith(`${FAULTS_PATH}/`))) {
    const answer = faultRoute(request, routes.faults);
    if (answer !== null) return answer;
  }
  if (routes.registerInstances !== undefined && request.path === INSTANCES_PATH && request.method === 'POST') {
    try {
      return jsonResponse(200, { containerInstances: routes.registerInstances(JSON.parse(request.body === '' ? '{}' : request.body)) });
    } catch (error) {
      return jsonResponse(400, { message: (error as Error).message });
    }
  }
  for (const handler of handlers) {
    const answer = await handler(request);
    if (answer !== null) return answer;
  }
  const what = request.target ?? `${request.method} ${request.path}`;
  return jsonError(400, 'UnknownOperationException', `The simulator does not implement ${what}.`);
}

export async function startServer(
  options: { host: string; port: number },
  handlers: () => readonly ProtocolHandler[],
  routes: InspectionRoutes,
): Promise<SimServer> {
  const server: Server = createServer((request, response) => {
    readBody(request)
      .then((body) => {
        const headers = headersOf(request);
        const simRequest: SimRequest = {
          method: request.method ?? 'GET',
          path: request.url ?? '/',
          headers,
          target: headers['x-amz-target'],
          body,
        };
        return dispatch(simRequest, handlers(), routes);
      })
      .then((answer) => send(response, answer))
      .catch((error: unknown) => send(response, jsonError(500, 'InternalFailure', `Simulator fault: ${String(error)}`)));
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    url: `http://${options.host}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
