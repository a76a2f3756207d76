/**
 * runs and runs/{name}: list/watch, create (one Run, or a `List` of Runs stored atomically), get, delete.
 *
 * Create is safe to retry: a run whose name exists with the same spec is answered with the stored run
 * (200 when nothing new was stored), a different spec is 409. In a batch, runs that exist identically are
 * left out and the rest is stored in one atomic write (store.submit, as `run submit`), or nothing is.
 */
import { API_VERSION, RunSpec, type RunRecord } from '../../api/index.js';
import { AdmissionError } from '../../api/admission/index.js';
import { AlreadyExistsError, NotFoundError, type ResourceStore } from '../../store/index.js';
import { sameJson } from '../../store/records.js';
import { readJson } from '../body.js';
import type { HandlerResult, RequestContext } from '../context.js';
import { currentResourceVersion } from '../feed-position.js';
import { boolParam, fieldFilter } from '../query.js';
import { presentRun } from '../resources.js';
import { ApiError, knownError, notFound } from '../status.js';
import { serveWatch } from '../watch.js';
import { asObject, nameOf, requireKind, withoutNamespace } from './documents.js';
import { listPage } from './lists.js';

export async function listRuns(ctx: RequestContext): Promise<HandlerResult> {
  const { namespace } = ctx.params;
  const fields = fieldFilter(ctx.url.searchParams, 'Run');
  if (boolParam(ctx.url.searchParams, 'watch')) return serveWatch(ctx, namespace, 'Run', fields);
  return listPage(ctx, namespace, 'Run', fields);
}

export async function getRun(ctx: RequestContext): Promise<HandlerResult> {
  const { namespace, name } = ctx.params;
  const record = await ctx.store(namespace).getRun(name);
  if (!record) throw notFound('Run', name);
  return { code: 200, body: presentRun(record, namespace) };
}

/** Deletes a stopped run (409 for a live one: cancel it first). */
export async function deleteRun(ctx: RequestContext): Promise<HandlerResult> {
  const { namespace, name } = ctx.params;
  try {
    return { code: 200, body: presentRun(await ctx.store(namespace).deleteRun(name), namespace) };
  } catch (error) {
    if (error instanceof NotFoundError) throw notFound('Run', name);
    throw error;
  }
}

export async function createRuns(ctx: RequestContext): Promise<HandlerResult> {
  const { namespace } = ctx.params;
  const body = asObject(await readJson(ctx.req, ctx.deps.bodyLimitBytes));
  const batch = body.kind === 'List';
  if (batch && !Array.isArray(body.items)) {
    throw new ApiError(422, 'Invalid', 'a List needs items', { causes: [{ field: 'items', reason: 'FieldValueRequired', message: 'schema: items must be an array of Run documents' }] });
  }
  const inputs = batch ? (body.items as unknown[]) : [body];
  if (batch && inputs.length === 0) throw new ApiError(422, 'Invalid', 'the List has no items', { causes: [{ field: 'items', reason: 'FieldValueRequired', message: 'schema: at least one item' }] });
  const docs = inputs.map((doc, i) => withoutNamespace(doc, namespace, batch ? `items[${i}].` : ''));
  requireKind(docs, 'Run', batch);
  const store = ctx.store(namespace);
  let outcome: { records: RunRecord[]; created: number };
  try {
    outcome = await createIdempotently(store, docs);
  } catch (error) {
    throw knownError(error, { batch }) ?? error;
  }
  const code = outcome.created > 0 ? 201 : 200;
  if (!batch) return { code, body: presentRun(outcome.records[0], namespace) };
  return {
    code,
    body: {
      apiVersion: API_VERSION,
      kind: 'RunList',
      metadata: { resourceVersion: String(await currentResourceVersion(ctx.deps.redis, store.ctx.keys)) },
      items: outcome.records.map((r) => presentRun(r, namespace)),
    },
  };
}

/**
 * Stores the documents whose names are new, atomically; answers the stored run for each one that exists
 * with the same spec. Throws AdmissionError with indexes of the caller's documents, or a 409.
 */
async function createIdempotently(store: ResourceStore, docs: readonly unknown[]): Promise<{ records: RunRecord[]; created: number }> {
  const records: Array<RunRecord | undefined> = docs.map(() => undefined);
  let pending = docs.map((_, index) => index);
  // Bounded: each round either stores the rest or finds one more existing run (a create racing ours).
  for (let round = 0; round <= docs.length; round += 1) {
    const names = pending.map((i) => nameOf(docs[i]));
    const existing = await store.getRuns(names.map((n) => n ?? ''));
    pending = pending.filter((index, k) => {
      const stored = names[k] !== undefined ? existing[k] : null;
      // An invalid document stays, so admission answers 422 for it whatever its name.
      if (!stored || !RunSpec.safeParse((docs[index] as { spec?: unknown }).spec).success) return true;
      if (!sameSpec(docs[index], stored)) throw conflict(stored.metadata.name);
      records[index] = stored;
      return false;
    });
    if (pending.length === 0) return { records: records as RunRecord[], created: 0 };
    try {
      const results = await store.submit(pending.map((i) => docs[i]), { mode: 'create' });
      results.forEach((result, k) => (records[pending[k]] = result.record as RunRecord));
      return { records: records as RunRecord[], created: results.length };
    } catch (error) {
      if (error instanceof AdmissionError) {
        throw new AdmissionError(error.rejections.map((r) => ({ ...r, index: pending[r.index] ?? r.index })));
      }
      if (!(error instanceof AlreadyExistsError)) throw error;
      // Created by someone else since we looked: look again.
    }
  }
  throw new ApiError(409, 'Conflict', 'the runs kept being created concurrently; retry');
}

/** Same spec as stored; the store's own `cancelRequested` does not count (a retried create after a cancel). */
function sameSpec(doc: unknown, stored: RunRecord): boolean {
  const parsed = RunSpec.safeParse((doc as { spec?: unknown }).spec);
  if (!parsed.success) return false;
  const { cancelRequested: _a, ...wanted } = parsed.data;
  const { cancelRequested: _b, ...have } = stored.spec;
  return sameJson(wanted, have);
}

const conflict = (name: string) =>
  new ApiError(409, 'AlreadyExists', `Run "${name}" already exists with a different spec`, { name, kind: 'runs' });
