/**
 * The OpenAPI 3.1 document, generated from the zod schemas admission and the server use (never written
 * by hand): request bodies in their input form (what a client may write: defaults optional, "1 vCPU"
 * accepted), answers in their output form (what the server sends). Paths come from the route table, so a
 * route without an operation here fails generation. Served at /openapi/v3 and committed as
 * schemas/openapi.json (cmd/gen-schemas.ts writes and checks it).
 */
import { z } from 'zod';
import { API_VERSION, PoolDocument, RunDocument } from '../api/index.js';
import { ApiPool, ApiRun, PoolList, RunList } from './resources.js';
import { CancelOptions, KillOptions } from './handlers/run-actions.js';
import { TokenRequest } from './handlers/tokens.js';
import { SelfSubjectReview } from './handlers/whoami.js';
import { RunSummary } from './handlers/run-summary.js';
import { PoolStatus } from './handlers/pool-status.js';
import { ROLES } from './roles.js';
import { ROUTES, type Route } from './routes.js';
import { Status } from './status.js';

const watchEvent = (object: z.ZodType) => z.strictObject({ type: z.enum(['ADDED', 'MODIFIED', 'DELETED']), object });
const TokenInfo = z.strictObject({
  id: z.string(),
  role: z.enum(ROLES),
  namespace: z.string().optional(),
  createdAt: z.string(),
  expiresAt: z.string().optional(),
  description: z.string().optional(),
});

const OUTPUT: Record<string, z.ZodType> = {
  Run: ApiRun,
  Pool: ApiPool,
  RunList,
  PoolList,
  Status,
  RunWatchEvent: watchEvent(ApiRun),
  PoolWatchEvent: watchEvent(ApiPool),
  Token: TokenInfo.extend({ apiVersion: z.literal(API_VERSION), kind: z.literal('Token'), token: z.string().describe('The bearer token; shown only in this answer.') }),
  SelfSubjectReview,
  RunSummary,
  PoolStatus,
  TokenList: z.strictObject({ apiVersion: z.literal(API_VERSION), kind: z.literal('TokenList'), items: z.array(TokenInfo) }),
};
const INPUT: Record<string, z.ZodType> = {
  RunDocument,
  PoolDocument,
  RunBatch: z.strictObject({ apiVersion: z.literal('v1').optional(), kind: z.literal('List'), items: z.array(RunDocument).min(1) }),
  CancelOptions,
  KillOptions,
  TokenRequest,
};

type Json = Record<string, unknown>;
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: Json) => ({ 'application/json': { schema } });
const statusResponse = (description: string) => ({ description, content: json(ref('Status')) });

function componentSchemas(): Json {
  const out: Json = {};
  for (const [io, table] of [['output', OUTPUT], ['input', INPUT]] as const) {
    const registry = z.registry<{ id: string }>();
    for (const [id, schema] of Object.entries(table)) registry.add(schema, { id });
    const generated = z.toJSONSchema(registry, { io, unrepresentable: 'any', uri: (id) => `#/components/schemas/${id}` });
    for (const [id, schema] of Object.entries(generated.schemas)) {
      const { $schema: _s, $id: _i, ...body } = schema as Json;
      out[id] = body;
    }
  }
  return out;
}

const p = {
  namespace: { name: 'namespace', in: 'path', required: true, description: 'The installation namespace (the controller\'s LONGSHORE_NAMESPACE).', schema: { type: 'string', pattern: '^[a-z0-9][a-z0-9-]{0,62}$' } },
  name: { name: 'name', in: 'path', required: true, description: 'The resource name.', schema: { type: 'string' } },
  id: { name: 'id', in: 'path', required: true, description: 'The token id (the part after lst_).', schema: { type: 'string' } },
  labelSelector: { name: 'labelSelector', in: 'query', description: 'Kubernetes label selector, e.g. app=etl,tier!=dev,env in (a,b),!canary.', schema: { type: 'string' } },
  fieldSelector: (fields: string) => ({ name: 'fieldSelector', in: 'query', description: `Equalities on ${fields}.`, schema: { type: 'string' } }),
  limit: { name: 'limit', in: 'query', description: 'Page size (default 500).', schema: { type: 'integer', minimum: 1, maximum: 10000 } },
  continue: { name: 'continue', in: 'query', description: 'The continue token of the previous page (metadata.continue), unchanged; any other value answers 400.', schema: { type: 'string' } },
  watch: { name: 'watch', in: 'query', description: 'Stream change events (newline-delimited WatchEvent JSON) instead of a list.', schema: { type: 'boolean' } },
  resourceVersion: { name: 'resourceVersion', in: 'query', description: 'With watch: send the changes after this version (410 Gone when too old). Unset or 0: the current objects as ADDED first.', schema: { type: 'string' } },
  timeoutSeconds: { name: 'timeoutSeconds', in: 'query', description: 'With watch: end the stream after this long.', schema: { type: 'integer', minimum: 1, maximum: 86400 } },
  follow: { name: 'follow', in: 'query', description: 'Keep streaming while the attempt\'s task runs.', schema: { type: 'boolean' } },
  tailLines: { name: 'tailLines', in: 'query', description: 'Only the last N lines present when the request starts.', schema: { type: 'integer', minimum: 0 } },
  attempt: { name: 'attempt', in: 'query', description: 'The attempt (1-based); default the latest.', schema: { type: 'integer', minimum: 1 } },
  timestamps: { name: 'timestamps', in: 'query', description: 'Prefix each line with its RFC 3339 timestamp and a space.', schema: { type: 'boolean' } },
};

const common = {
  '401': statusResponse('No valid bearer token (missing, unknown, revoked or expired).'),
  '403': statusResponse('The token\'s role or namespace scope does not allow this.'),
  '429': { ...statusResponse('The token exceeded its request rate; see Retry-After.'), headers: { 'Retry-After': { description: 'Seconds to wait.', schema: { type: 'integer' } } } },
};
const listResponses = (list: string, event: string) => ({
  '200': { description: `A page of the list, or with watch=true a stream of ${event} lines.`, content: { ...json(ref(list)), 'application/json;stream=watch': { schema: ref(event) } } },
  '400': statusResponse('A malformed selector, limit, continue token or resourceVersion.'),
  '410': statusResponse('watch: the resourceVersion is too old (or from another store); list again.'),
  ...common,
});
const bodyOf = (name: string) => ({ required: true, content: json(ref(name)) });
const optionalBodyOf = (name: string) => ({ required: false, content: json(ref(name)) });
const malformed = { '400': statusResponse('The body is not a JSON object.'), '413': statusResponse('The body is larger than the limit.') };

const RUN_FIELD_NAMES = 'metadata.name, spec.pool, status.phase, status.outcome';
type Operation = Json & { operationId: string; summary: string };
const OPERATIONS: Record<string, Operation> = {
  'GET pools': { operationId: 'listPools', summary: 'List or watch pools', parameters: [p.labelSelector, p.fieldSelector('metadata.name'), p.limit, p.continue, p.watch, p.resourceVersion, p.timeoutSeconds], responses: listResponses('PoolList', 'PoolWatchEvent') },
  'POST pools': { operationId: 'createPool', summary: 'Create a pool (200 with the stored pool if it exists with the same spec)', requestBody: bodyOf('PoolDocument'), responses: { '201': { description: 'Created.', content: json(ref('Pool')) }, '200': { description: 'Already there with the same spec.', content: json(ref('Pool')) }, ...malformed, '409': statusResponse('A pool of that name exists with a different spec.'), '422': statusResponse('Admission rejected the pool; every violation is in details.causes.'), ...common } },
  'GET pools/{name}': { operationId: 'readPool', summary: 'Read a pool', responses: { '200': { description: 'The pool.', content: json(ref('Pool')) }, '404': statusResponse('No such pool.'), ...common } },
  'PUT pools/{name}': { operationId: 'replacePool', summary: 'Create or replace a pool (as pool apply)', requestBody: bodyOf('PoolDocument'), responses: { '201': { description: 'Created.', content: json(ref('Pool')) }, '200': { description: 'Updated (or unchanged).', content: json(ref('Pool')) }, ...malformed, '409': statusResponse('A concurrent change won; retry.'), '422': statusResponse('Admission rejected the pool.'), ...common } },
  'DELETE pools/{name}': { operationId: 'deletePool', summary: 'Delete a pool (refused while it has live runs)', responses: { '200': { description: 'The deleted pool.', content: json(ref('Pool')) }, '404': statusResponse('No such pool.'), '409': statusResponse('The pool has live runs.'), ...common } },
  'GET pools/{name}/status': { operationId: 'readPoolStatus', summary: 'A pool\'s runs by phase and outcome, its limit slots and waiting line, its launches in the last minute and its account-region\'s Fargate launch ceiling', responses: { '200': { description: 'The pool\'s status.', content: json(ref('PoolStatus')) }, '404': statusResponse('No such pool.'), ...common } },
  'GET runsummary': { operationId: 'readRunSummary', summary: 'Count the runs a list with the same filters would return, by phase and by outcome (from the store\'s indexes unless a label selector or a name is given)', parameters: [p.labelSelector, p.fieldSelector(RUN_FIELD_NAMES)], responses: { '200': { description: 'The counts.', content: json(ref('RunSummary')) }, '400': statusResponse('A malformed selector.'), ...common } },
  'GET runs': { operationId: 'listRuns', summary: 'List or watch runs', parameters: [p.labelSelector, p.fieldSelector(RUN_FIELD_NAMES), p.limit, p.continue, p.watch, p.resourceVersion, p.timeoutSeconds], responses: listResponses('RunList', 'RunWatchEvent') },
  'POST runs': {
    operationId: 'createRuns', summary: 'Create a run, or a List of runs atomically (safe to retry)',
    requestBody: { required: true, content: json({ oneOf: [ref('RunDocument'), ref('RunBatch')] }) },
    responses: {
      '201': { description: 'Created (a List answers a RunList).', content: json({ oneOf: [ref('Run'), ref('RunList')] }) },
      '200': { description: 'Every run already existed with the same spec: the stored runs.', content: json({ oneOf: [ref('Run'), ref('RunList')] }) },
      ...malformed,
      '409': statusResponse('A run of that name exists with a different spec (nothing was stored).'),
      '422': statusResponse('Admission rejected a document; every violation is in details.causes (field items[i]… in a List); nothing was stored.'),
      ...common,
    },
  },
  'GET runs/{name}': { operationId: 'readRun', summary: 'Read a run', responses: { '200': { description: 'The run.', content: json(ref('Run')) }, '404': statusResponse('No such run.'), ...common } },
  'DELETE runs/{name}': { operationId: 'deleteRun', summary: 'Delete a stopped run', responses: { '200': { description: 'The deleted run.', content: json(ref('Run')) }, '404': statusResponse('No such run.'), '409': statusResponse('The run has not stopped; cancel it first.'), ...common } },
  'POST runs/{name}/cancel': { operationId: 'cancelRun', summary: 'Cancel a run', requestBody: optionalBodyOf('CancelOptions'), responses: { '202': statusResponse('The cancel is queued.'), '200': statusResponse('The run had already stopped.'), '404': statusResponse('No such run.'), ...malformed, '422': statusResponse('Invalid options.'), ...common } },
  'POST runs/{name}/kill': { operationId: 'killRun', summary: 'Stop a run\'s task now and wait (bounded) for the controller\'s answer', requestBody: optionalBodyOf('KillOptions'), responses: { '200': statusResponse('The task was stopped.'), '202': statusResponse('Queued; the controller has not answered within the timeout.'), '404': statusResponse('No such run.'), '409': statusResponse('Nothing to stop.'), '502': statusResponse('AWS refused the StopTask.'), ...malformed, '422': statusResponse('Invalid options.'), ...common } },
  'GET runs/{name}/log': {
    operationId: 'readRunLog', summary: 'The run\'s container output', parameters: [p.follow, p.tailLines, p.attempt, p.timestamps],
    responses: {
      '200': { description: 'One line per log event. A failure after the status line (the source\'s error, the server\'s shutdown) breaks the chunked body off without its last chunk: an incomplete body is an incomplete log.', content: { 'text/plain': { schema: { type: 'string' } } } },
      '400': statusResponse('Bad parameters, or logs are not enabled on the pool.'),
      '404': statusResponse('No such run or attempt, or no output yet.'),
      '503': statusResponse('CloudWatch Logs is unavailable.'),
      ...common,
    },
  },
  'GET tokens': { operationId: 'listTokens', summary: 'List tokens (never their secrets)', responses: { '200': { description: 'The tokens.', content: json(ref('TokenList')) }, ...common } },
  'POST tokens': { operationId: 'createToken', summary: 'Create a token', requestBody: bodyOf('TokenRequest'), responses: { '201': { description: 'The token (its secret is shown only here).', content: json(ref('Token')) }, ...malformed, '422': statusResponse('Invalid request.'), ...common } },
  'GET whoami': { operationId: 'whoami', summary: 'The caller\'s own role and namespace scope (any valid token, whatever its scope)', responses: { '200': { description: 'The token\'s role, scope and what it may do.', content: json(ref('SelfSubjectReview')) }, '401': common['401'], '429': common['429'] } },
  'DELETE tokens/{id}': { operationId: 'revokeToken', summary: 'Revoke a token', responses: { '200': statusResponse('Revoked.'), '404': statusResponse('No such token.'), ...common } },
};

function operationKey(route: Route): string {
  const tail = route.template.replace(/^.*\/namespaces\/\{namespace\}\//, '').replace(/^\/apis\/longshore\.dev\/v1alpha1\//, '');
  return `${route.method} ${tail}`;
}

function pathParameters(template: string): Json[] {
  return [...template.matchAll(/\{(\w+)\}/g)].map(([, name]) => p[name as 'namespace' | 'name' | 'id']);
}

export function generateOpenApi(): Json {
  const paths: Record<string, Json> = {};
  for (const route of ROUTES) {
    const operation = OPERATIONS[operationKey(route)];
    if (!operation) throw new Error(`no OpenAPI operation for ${route.method} ${route.template}`);
    const item = (paths[route.template] ??= { parameters: pathParameters(route.template) });
    item[route.method.toLowerCase()] = { ...operation, description: `Role: ${route.verb === 'read' ? 'viewer' : route.verb === 'submit' ? 'submitter' : route.verb === 'operate' ? 'operator' : 'admin (unscoped token)'} or above.`, tags: [tagOf(route)] };
  }
  for (const item of Object.values(paths)) if ((item.parameters as Json[]).length === 0) delete item.parameters;
  return {
    openapi: '3.1.0',
    info: {
      title: 'Longshore API',
      version: API_VERSION,
      description: 'Kubernetes-shaped API of Longshore: pools and runs, their watch streams, cancel, kill and logs. See docs/api.md.',
      license: { name: 'Apache-2.0', identifier: 'Apache-2.0' },
    },
    // Relative: wherever the document was fetched from (LONGSHORE_API_PORT, default 8080).
    servers: [{ url: '/', description: 'The API server this document was read from.' }],
    security: [{ bearer: [] }],
    tags: [{ name: 'pools', description: 'ECS targets and job templates.' }, { name: 'runs', description: 'Units of work run as ECS tasks.' }, { name: 'tokens', description: 'API tokens (admin).' }],
    paths,
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'A token from `longshore token create` (lst_…).' } },
      schemas: componentSchemas(),
    },
  };
}

function tagOf(route: Route): string {
  if (route.template.includes('/tokens') || route.template.endsWith('/whoami')) return 'tokens';
  return route.template.includes('/pools') ? 'pools' : 'runs';
}

/** The committed file's text: stable key order as generated, two-space indent, final newline. */
export function openApiText(): string {
  return `${JSON.stringify(generateOpenApi(), null, 2)}\n`;
}
