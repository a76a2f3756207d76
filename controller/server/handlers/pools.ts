/** pools and pools/{name}: list/watch, create (idempotent), replace (PUT, as `pool apply`), get, delete. */
import { PoolSpec, type PoolRecord } from '../../api/index.js';
import { AlreadyExistsError, NotFoundError } from '../../store/index.js';
import { sameJson } from '../../store/records.js';
import { readJson } from '../body.js';
import type { HandlerResult, RequestContext } from '../context.js';
import { boolParam, fieldFilter } from '../query.js';
import { presentPool } from '../resources.js';
import { ApiError, badRequest, notFound } from '../status.js';
import { serveWatch } from '../watch.js';
import { asObject, nameOf, requireKind, withoutNamespace } from './documents.js';
import { listPage } from './lists.js';

export async function listPools(ctx: RequestContext): Promise<HandlerResult> {
  const { namespace } = ctx.params;
  const fields = fieldFilter(ctx.url.searchParams, 'Pool');
  if (boolParam(ctx.url.searchParams, 'watch')) return serveWatch(ctx, namespace, 'Pool', fields);
  return listPage(ctx, namespace, 'Pool', fields);
}

export async function getPool(ctx: RequestContext): Promise<HandlerResult> {
  const { namespace, name } = ctx.params;
  const record = await ctx.store(namespace).getPool(name);
  if (!record) throw notFound('Pool', name);
  return { code: 200, body: presentPool(record, namespace) };
}

/** POST: 201 created; 200 with the stored pool when one of that name has the same spec; 409 otherwise. */
export async function createPool(ctx: RequestContext): Promise<HandlerResult> {
  const { namespace } = ctx.params;
  const doc = withoutNamespace(asObject(await readJson(ctx.req, ctx.deps.bodyLimitBytes)), namespace);
  requireKind([doc], 'Pool', false);
  const store = ctx.store(namespace);
  try {
    return { code: 201, body: presentPool(await store.createPool(doc), namespace) };
  } catch (error) {
    if (!(error instanceof AlreadyExistsError)) throw error;
    const existing = await store.getPool(error.resourceName);
    if (existing && sameSpec(doc, existing)) return { code: 200, body: presentPool(existing, namespace) };
    throw new ApiError(409, 'AlreadyExists', `Pool "${error.resourceName}" already exists with a different spec; PUT replaces it`, { name: error.resourceName, kind: 'pools' });
  }
}

/** PUT: creates (201) or updates (200) the pool named in the path, like `pool apply`. */
export async function replacePool(ctx: RequestContext): Promise<HandlerResult> {
  const { namespace, name } = ctx.params;
  const body = asObject(withoutNamespace(asObject(await readJson(ctx.req, ctx.deps.bodyLimitBytes)), namespace));
  const given = nameOf(body);
  if (given !== undefined && given !== name) throw badRequest(`metadata.name ${JSON.stringify(given)} does not match the name in the URL (${name})`);
  const metadata = typeof body.metadata === 'object' && body.metadata !== null ? body.metadata : {};
  const doc = { ...body, metadata: { ...metadata, name } };
  requireKind([doc], 'Pool', false);
  const [result] = await ctx.store(namespace).submit([doc], { mode: 'apply' });
  return { code: result.action === 'created' ? 201 : 200, body: presentPool(result.record as PoolRecord, namespace) };
}

export async function deletePool(ctx: RequestContext): Promise<HandlerResult> {
  const { namespace, name } = ctx.params;
  try {
    return { code: 200, body: presentPool(await ctx.store(namespace).deletePool(name), namespace) };
  } catch (error) {
    if (error instanceof NotFoundError) throw notFound('Pool', name);
    throw error;
  }
}

function sameSpec(doc: unknown, existing: PoolRecord): boolean {
  const spec = PoolSpec.safeParse((doc as { spec?: unknown }).spec);
  return spec.success && sameJson(spec.data, existing.spec);
}
