/**
 * A small HTTP front for the simulator that plays a broken cluster: every ECS RunTask naming one of the
 * `failRunTaskOn` clusters is answered HTTP 500 ServerException (what a failing AWS endpoint or a proxy in
 * between answers), after `failDelayMs`; everything else is forwarded to the simulator unchanged. It counts
 * the RunTask calls it failed and how many overlapped, so tests can bound what the controller sends.
 *
 * Other calls fail the same way when named with `failAction` (at start or later): any ECS JSON action
 * (StopTask, DescribeTasks, RegisterTaskDefinition …), optionally only for some clusters, and EC2 query
 * actions (DescribeVpcs, DescribeSubnets: answered 500 InternalError). `failedCalls()` counts them per action.
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
  /** Fails `action` from now on (for the named clusters only, if given); `false` forwards it again. */
  failAction(action: string, clusters?: string[] | false): void;
  /** Calls answered 500 so far, by action (RunTask included). */
  failedCalls(): Record<string, number>;
  close(): Promise<void>;
}

const ECS_TARGET_PREFIX = 'AmazonEC2ContainerServiceV20141113.';
const RUN_TASK_TARGET = `${ECS_TARGET_PREFIX}RunTask`;

/** EC2 speaks the query protocol and answers errors in XML. */
function isEc2Action(action: string): boolean {
  return action.startsWith('Describe') && /Vpcs|Subnets|SecurityGroups/.test(action);
}

export async function startFailingProxy(options: FailingProxyOptions): Promise<FailingProxy> {
  const target = new URL(options.target);
  const failing = new Set(options.failRunTaskOn);
  const stats = { failedRunTasks: 0, maxInFlight: 0, inFlight: 0, forwardedRunTasks: 0 };
  /** Failing actions: `all` or the cluster names they fail for. */
  const failingActions = new Map<string, 'all' | Set<string>>();
  const failedCalls: Record<string, number> = {};

  /** The ECS action (x-amz-target) or EC2 query Action of a request. */
  const actionOf = (req: IncomingMessage, body: Buffer): string | undefined => {
    const target = req.headers['x-amz-target'];
    if (typeof target === 'string' && target.startsWith(ECS_TARGET_PREFIX)) return target.slice(ECS_TARGET_PREFIX.length);
    const action = new URLSearchParams(body.toString('utf8')).get('Action');
    return action ?? undefined;
  };

  function failCall(action: string, res: ServerResponse): void {
    failedCalls[action] = (failedCalls[action] ?? 0) + 1;
    const ec2 = isEc2Action(action);
    if (ec2) {
      const xml = '<?xml version="1.0" encoding="UTF-8"?><Response><Errors><Error><Code>InternalError</Code><Message>An internal error has occurred</Message></Error></Errors><RequestID>proxy</RequestID></Response>';
      res.writeHead(500, { 'content-type': 'text/xml' });
      res.end(xml);
      return;
    }
    res.writeHead(500, { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': `proxy-${action}-${failedCalls[action]}` });
    res.end(JSON.stringify({ __type: 'ServerException', message: 'Service Unavailable. Please try again later.' }));
  }

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
    failedCalls.RunTask = (failedCalls.RunTask ?? 0) + 1;
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
      const action = actionOf(req, body);
      const failingFor = action === undefined ? undefined : failingActions.get(action);
      if (action !== undefined && failingFor !== undefined && (failingFor === 'all' || failingFor.has(clusterOf(body)))) {
        failCall(action, res);
        return;
      }
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
    failAction: (action, clusters) => {
      if (clusters === false) failingActions.delete(action);
      else failingActions.set(action, clusters === undefined ? 'all' : new Set(clusters));
    },
    failedCalls: () => ({ ...failedCalls }),
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
