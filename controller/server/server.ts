/**
 * The HTTP API server (node:http, or node:https when a certificate and key are configured). The route
 * table is small and fixed, so a hand-sized matcher (routes.ts) does the routing; a router library
 * would add a dependency for twenty lines. Each request: match, authenticate (bearer token), check the
 * token's namespace scope, take one request from the token's rate budget, check the role, run the
 * handler; every failure is a Kubernetes Status. /healthz, /readyz, /metrics and /openapi/v3 need no
 * token. Stateless: everything lives in Redis, so any number of replicas can serve behind a balancer.
 *
 * Shutdown: stop accepting, end open watches and log streams (clients re-watch from their last
 * version), let in-flight requests finish within the grace period, then close what is left.
 */
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import { API_UNMATCHED_ROUTE } from '../metrics.js';
import type { ApiDependencies, JsonReply, RequestContext } from './context.js';
import { storeCache } from './context.js';
import { FeedNotifiers } from './feed-notifier.js';
import { matchRoute, PUBLIC_PATHS, type Route } from './routes.js';
import { allows, leastRoleFor } from './roles.js';
import { ApiError, knownError } from './status.js';
import type { Principal } from './tokens.js';
import { findConsoleDir, sendUiFile, uiFile } from './ui.js';

export interface ApiServerOptions {
  host: string;
  port: number;
  tls?: { certFile: string; keyFile: string };
  registry: Registry;
  /** The OpenAPI document served at /openapi/v3 (generated from the schemas, see openapi.ts). */
  openapi: unknown;
  /** Each must pass for /readyz to answer 200. */
  readiness: Record<string, () => Promise<boolean> | boolean>;
}

export interface RunningApiServer {
  port: number;
  url: string;
  /** Stops accepting, ends streams, waits up to graceMs for in-flight requests, then closes every connection. */
  close(graceMs?: number): Promise<void>;
}

const NAMESPACE_PATTERN = /^[a-z0-9][a-z0-9-]{0,62}$/;

export async function startApiServer(deps: ApiDependencies, options: ApiServerOptions): Promise<RunningApiServer> {
  const store = storeCache(deps.redis, deps.storeOptions);
  const notifiers = new FeedNotifiers(deps.connectBlocking, (error) => deps.logger.warn({ err: error }, 'change feed reader failed; retrying'), store);
  const streams = new Set<AbortController>();
  let inFlight = 0;
  let drained: (() => void) | undefined;
  const consoleDir = findConsoleDir();

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const started = process.hrtime.bigint();
    const url = parseUrl(req.url);
    const method = req.method ?? 'GET';
    let routeLabel = API_UNMATCHED_ROUTE;
    let role = 'none';
    const abort = new AbortController();
    streams.add(abort);
    res.on('close', () => abort.abort());
    try {
      if ((PUBLIC_PATHS as readonly string[]).includes(url.pathname)) {
        routeLabel = url.pathname;
        await servePublic(url.pathname, method, res, options);
        return;
      }
      if (url.pathname === '/ui' || url.pathname.startsWith('/ui/')) {
        routeLabel = '/ui/';
        if (method !== 'GET' && method !== 'HEAD') throw new ApiError(405, 'MethodNotAllowed', `${method} is not allowed on /ui/`, undefined, { allow: 'GET, HEAD' });
        sendUiFile(res, method, uiFile(consoleDir, url.pathname));
        return;
      }
      const match = matchRoute(method, url.pathname);
      if (match && 'route' in match) routeLabel = match.route.template;
      else if (match) routeLabel = match.template;
      const principal = await authenticate(req, deps);
      role = principal.role;
      if (!match) throw new ApiError(404, 'NotFound', `no route for ${url.pathname}`);
      if ('methodNotAllowed' in match) {
        throw new ApiError(405, 'MethodNotAllowed', `${method} is not allowed on ${match.template}`, undefined, { allow: match.methodNotAllowed.join(', ') });
      }
      authorize(principal, match.route, match.params);
      const rate = await deps.rateLimiter.take(principal.tokenId);
      if (!rate.allowed) {
        const seconds = Math.max(1, Math.ceil(rate.retryAfterMs / 1000));
        throw new ApiError(429, 'TooManyRequests', `this token exceeded its request rate; retry in ${seconds}s`, { retryAfterSeconds: seconds }, { 'retry-after': String(seconds) });
      }
      const ctx: RequestContext = { req, res, url, params: match.params, principal, deps, notifiers, signal: abort.signal, store };
      const streaming = method === 'GET' && (url.searchParams.get('watch') === 'true' || url.pathname.endsWith('/log'));
      if (streaming) deps.metrics.openStreams.inc({ route: routeLabel });
      try {
        const result = await match.route.handler(ctx);
        if (result !== 'streamed') sendJson(res, result);
      } finally {
        if (streaming) deps.metrics.openStreams.dec({ route: routeLabel });
      }
    } catch (error) {
      const known = knownError(error);
      if (!known) deps.logger.error({ err: error, route: routeLabel, method }, 'API request failed');
      const apiError = known ?? new ApiError(500, 'InternalError', 'internal error; the server log has the details');
      if (res.headersSent) {
        res.end();
      } else {
        // A body left unread (413) would otherwise be read as the next request on this connection.
        const close: Record<string, string> = apiError.code === 413 ? { connection: 'close' } : {};
        sendJson(res, { code: apiError.code, body: apiError.toStatus(), headers: { ...apiError.headers, ...close } });
      }
    } finally {
      streams.delete(abort);
      deps.metrics.requests.inc({ route: routeLabel, method, code: String(res.statusCode), role });
      deps.metrics.requestDuration.observe({ route: routeLabel, method }, Number(process.hrtime.bigint() - started) / 1e9);
    }
  };

  const listener = (req: IncomingMessage, res: ServerResponse) => {
    inFlight += 1;
    void handle(req, res).finally(() => {
      inFlight -= 1;
      if (inFlight === 0) drained?.();
    });
  };
  const server: Server = options.tls
    ? createHttpsServer({ cert: readFileSync(options.tls.certFile), key: readFileSync(options.tls.keyFile) }, listener)
    : createHttpServer(listener);
  // A client that sends garbage instead of HTTP gets a 400 and its connection closed, never a crash.
  server.on('clientError', (_error, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\n\r\n');
    else socket.destroy();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  return {
    port,
    url: `${options.tls ? 'https' : 'http'}://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}`,
    async close(graceMs = 10_000) {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      for (const stream of streams) stream.abort();
      if (inFlight > 0) {
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([
          new Promise<void>((resolve) => (drained = resolve)),
          new Promise<void>((resolve) => (timer = setTimeout(resolve, graceMs))),
        ]);
        clearTimeout(timer);
      }
      server.closeAllConnections();
      await closed;
      await notifiers.close();
    },
  };
}

/** The request target as a URL; one that does not parse is treated as an unknown path (404), never a crash. */
function parseUrl(target: string | undefined): URL {
  try {
    return new URL(target ?? '/', 'http://api.invalid');
  } catch {
    return new URL('http://api.invalid/.invalid-request-target');
  }
}

async function authenticate(req: IncomingMessage, deps: ApiDependencies): Promise<Principal> {
  const header = req.headers.authorization ?? '';
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  const challenge = { 'www-authenticate': 'Bearer realm="longshore"' };
  if (!match) throw new ApiError(401, 'Unauthorized', 'a bearer token is required (Authorization: Bearer <token>)', undefined, challenge);
  const result = await deps.tokens.authenticate(match[1]);
  if (!result.ok) throw new ApiError(401, 'Unauthorized', `the token is not valid: ${result.reason}`, undefined, challenge);
  return result.principal;
}

function authorize(principal: Principal, route: Route, params: Record<string, string>): void {
  const namespace = params.namespace;
  if (namespace !== undefined && !NAMESPACE_PATTERN.test(namespace)) {
    throw new ApiError(400, 'BadRequest', `namespace ${JSON.stringify(namespace)} is not valid: lower-case letters, digits and dashes, 1-63 characters`);
  }
  if (principal.namespace !== undefined && !route.anyScope && (route.allNamespacesOnly || namespace !== principal.namespace)) {
    const where = namespace !== undefined ? `namespace "${namespace}"` : 'outside a namespace';
    throw new ApiError(403, 'Forbidden', `this token is scoped to namespace "${principal.namespace}" and may not act ${where}`);
  }
  if (!allows(principal.role, route.verb)) {
    throw new ApiError(403, 'Forbidden', `role ${principal.role} may not ${route.method} ${route.template} (needs ${leastRoleFor(route.verb)} or above)`);
  }
}

function sendJson(res: ServerResponse, reply: JsonReply): void {
  const body = `${JSON.stringify(reply.body)}\n`;
  res.writeHead(reply.code, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'cache-control': 'no-store', ...reply.headers });
  res.end(body);
}

async function servePublic(path: string, method: string, res: ServerResponse, options: ApiServerOptions): Promise<void> {
  if (method !== 'GET' && method !== 'HEAD') throw new ApiError(405, 'MethodNotAllowed', `${method} is not allowed on ${path}`, undefined, { allow: 'GET, HEAD' });
  if (path === '/healthz') return void text(res, 200, 'ok\n');
  if (path === '/openapi/v3') return sendJson(res, { code: 200, body: options.openapi });
  if (path === '/metrics') {
    res.writeHead(200, { 'content-type': options.registry.contentType });
    res.end(await options.registry.metrics());
    return;
  }
  const checks: Record<string, boolean> = {};
  for (const [name, check] of Object.entries(options.readiness)) {
    try {
      checks[name] = await check();
    } catch {
      checks[name] = false;
    }
  }
  const ready = Object.values(checks).every(Boolean);
  sendJson(res, { code: ready ? 200 : 503, body: { ready, checks } });
}

function text(res: ServerResponse, code: number, body: string): void {
  res.writeHead(code, { 'content-type': 'text/plain; charset=utf-8' });
  res.end(body);
}

