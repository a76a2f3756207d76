/**
 * The route table: method, path template, the verb a caller's role must allow, and the handler. Path
 * templates are also the `route` label of the request metrics (bounded) and the OpenAPI paths.
 */
import type { Handler } from './context.js';
import type { Verb } from './roles.js';
import { createPool, deletePool, getPool, listPools, replacePool } from './handlers/pools.js';
import { createRuns, deleteRun, getRun, listRuns } from './handlers/runs.js';
import { cancelRun, killRun } from './handlers/run-actions.js';
import { runLog } from './handlers/log.js';
import { createToken, listTokens, revokeToken } from './handlers/tokens.js';
import { whoami } from './handlers/whoami.js';
import { runSummary } from './handlers/run-summary.js';
import { poolStatus } from './handlers/pool-status.js';

export const API_PREFIX = '/apis/longshore.dev/v1alpha1';
const NS = `${API_PREFIX}/namespaces/{namespace}`;

export type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';

export interface Route {
  method: Method;
  template: string;
  verb: Verb;
  /** Tokens scoped to one namespace may not use it (token management). */
  allNamespacesOnly?: boolean;
  /** Outside every namespace, yet any token may use it, whatever its scope (whoami: the caller about itself). */
  anyScope?: boolean;
  handler: Handler;
}

export const ROUTES: readonly Route[] = [
  { method: 'GET', template: `${NS}/pools`, verb: 'read', handler: listPools },
  { method: 'POST', template: `${NS}/pools`, verb: 'operate', handler: createPool },
  { method: 'GET', template: `${NS}/pools/{name}`, verb: 'read', handler: getPool },
  { method: 'PUT', template: `${NS}/pools/{name}`, verb: 'operate', handler: replacePool },
  { method: 'DELETE', template: `${NS}/pools/{name}`, verb: 'operate', handler: deletePool },
  { method: 'GET', template: `${NS}/pools/{name}/status`, verb: 'read', handler: poolStatus },
  { method: 'GET', template: `${NS}/runs`, verb: 'read', handler: listRuns },
  { method: 'POST', template: `${NS}/runs`, verb: 'submit', handler: createRuns },
  { method: 'GET', template: `${NS}/runsummary`, verb: 'read', handler: runSummary },
  { method: 'GET', template: `${NS}/runs/{name}`, verb: 'read', handler: getRun },
  { method: 'DELETE', template: `${NS}/runs/{name}`, verb: 'operate', handler: deleteRun },
  { method: 'POST', template: `${NS}/runs/{name}/cancel`, verb: 'submit', handler: cancelRun },
  { method: 'POST', template: `${NS}/runs/{name}/kill`, verb: 'operate', handler: killRun },
  { method: 'GET', template: `${NS}/runs/{name}/log`, verb: 'read', handler: runLog },
  { method: 'GET', template: `${API_PREFIX}/tokens`, verb: 'administer', allNamespacesOnly: true, handler: listTokens },
  { method: 'POST', template: `${API_PREFIX}/tokens`, verb: 'administer', allNamespacesOnly: true, handler: createToken },
  { method: 'DELETE', template: `${API_PREFIX}/tokens/{id}`, verb: 'administer', allNamespacesOnly: true, handler: revokeToken },
  { method: 'GET', template: `${API_PREFIX}/whoami`, verb: 'read', anyScope: true, handler: whoami },
];

/** Unauthenticated paths: probes, metrics and the OpenAPI document. */
export const PUBLIC_PATHS = ['/healthz', '/readyz', '/metrics', '/openapi/v3'] as const;

export type Match = { route: Route; params: Record<string, string> } | { methodNotAllowed: string[]; template: string } | undefined;

const compiled = ROUTES.map((route) => ({ route, segments: route.template.split('/').slice(1) }));

/** The route for a method and path, the methods a known path allows, or undefined for an unknown path. */
export function matchRoute(method: string, path: string): Match {
  const parts = path.split('/').slice(1);
  const allowed: string[] = [];
  let template = '';
  for (const { route, segments } of compiled) {
    const params = matchSegments(segments, parts);
    if (!params) continue;
    if (route.method === method) return { route, params };
    allowed.push(route.method);
    template = route.template;
  }
  return allowed.length > 0 ? { methodNotAllowed: allowed, template } : undefined;
}

function matchSegments(segments: string[], parts: string[]): Record<string, string> | undefined {
  if (segments.length !== parts.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < segments.length; i += 1) {
    const segment = segments[i];
    let part: string;
    try {
      part = decodeURIComponent(parts[i]);
    } catch {
      return undefined;
    }
    if (segment.startsWith('{')) {
      if (part === '') return undefined;
      params[segment.slice(1, -1)] = part;
    } else if (segment !== part) {
      return undefined;
    }
  }
  return params;
}
