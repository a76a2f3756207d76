/**
 * Serves protocol handlers on a throwaway node:http server on 127.0.0.1:0, turning each HTTP request
 * into a SimRequest exactly as the simulator's server does, so handler tests can use the real AWS SDK
 * clients before (and independently of) the full simulator.
 */
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ProtocolHandler, SimRequest } from '../../../simulator/wire.js';

export interface MountedHandlers {
  /** http://127.0.0.1:<port> */
  endpoint: string;
  close(): Promise<void>;
}

async function toSimRequest(request: IncomingMessage): Promise<SimRequest> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    if (value !== undefined) headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  }
  return {
    method: request.method ?? 'GET',
    path: request.url ?? '/',
    headers,
    target: headers['x-amz-target'],
    body: Buffer.concat(chunks).toString('utf8'),
  };
}

export async function mountHandlers(handlers: ProtocolHandler[]): Promise<MountedHandlers> {
  const server = createServer((request, response) => {
    void (async () => {
      try {
        const simRequest = await toSimRequest(request);
        for (const handler of handlers) {
          const answer = await handler(simRequest);
          if (answer !== null) {
            response.writeHead(answer.status, answer.headers);
            response.end(answer.body);
            return;
          }
        }
        response.writeHead(404, { 'content-type': 'text/plain' });
        response.end('no handler for this request');
      } catch (error) {
        response.writeHead(500, { 'content-type': 'text/plain' });
        response.end(String(error));
      }
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve, reject) => {
      server.closeAllConnections();
      server.close((error) => (error ? reject(error) : resolve()));
    }),
  };
}
