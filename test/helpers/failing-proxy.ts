/**
 * A small HTTP front for the simulator that plays a broken cluster: every ECS RunTask naming one of the
 * `failRunTaskOn` clusters is answered HTTP 500 ServerException (what a failing AWS endpoint or a proxy in
 * between answers), after `failDelayMs`; everything else is forwarded to the simulator unchanged. It counts
 * the RunTask calls it failed and how many overlapped, so tests can bound what the controller sends.
 */
import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FailingProxyOptions {
  /** The simulator's URL. */
  target: string;
  /** Cluster names (or ARNs ending in /name) whose RunTask fails. */
  failRunTaskOn: string[];
  /** How long a failing RunTask takes to answer (so overlapping calls are visible). */
  failDelayMs?: number;
}

export interface FailingProxy {
  url: string;
  /** RunTask calls answered 500, the most of them in flight at once, and RunTask calls forwarded. */
  stats(): { failedRunTasks: number; maxInFlight: number; inFlight: number; forwardedRunTasks: number };
  /** Starts counting overlap afresh (e.g. once the breaker opened). */
  resetOverlap(): void;
  close(): Promise<void>;
}

const RUN_TASK_TARGET = 'AmazonEC2ContainerServiceV20141113.RunTask';

export async function startFailingProxy(options: FailingProxyOptions): Promise<FailingProxy> {
  const target = new URL(options.target);
  const failing = new Set(options.failRunTaskOn);
  const stats = { failedRunTasks: 0, maxInFlight: 0, inFlight: 0, forwardedRunTasks: 0 };

  const clusterOf = (body: Buffer): string => {
    try {
      const cluster = (JSON.parse(body.toString('utf8')) as { cluster?: unknown }).cluster;
      return typeof cluster === 'string' ? cluster.split('/').pop() ?? cluster : 'default';
    } catch {
      return '';
    }
  };

  async function fail(res: ServerResponse): Promise<void> {
    stats.failedRunTasks += 1;
    stats.inFlight += 1;
    stats.maxInFlight = Math.max(stats.maxInFlight, stats.inFlight);
    await new Promise((resolve) => setTimeout(resolve, options.failDelayMs ?? 0));
    stats.inFlight -= 1;
    const body = JSON.stringify({ __type: 'ServerException', message: 'Service Unavailable. Please try again later.' });
    res.writeHead(500, { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': `proxy-${stats.failedRunTasks}` });
    res.end(body);
  }

  function forward(req: IncomingMessage, body: Buffer, res: ServerResponse): void {
    const upstream = httpRequest({
      hostname: target.hostname, port: target.port, path: req.url, method: req.method, headers: req.headers,
    }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.on('error', () => {
      res.writeHead(502);
      res.end();
    });
    upstream.end(body);
  }

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      if (req.headers['x-amz-target'] === RUN_TASK_TARGET) {
        if (failing.has(clusterOf(body))) {
          void fail(res);
          return;
        }
        stats.forwardedRunTasks += 1;
      }
      forward(req, body, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    stats: () => ({ ...stats }),
    resetOverlap: () => {
      stats.maxInFlight = stats.inFlight;
    },
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
