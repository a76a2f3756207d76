/** List answers (RunList, PoolList): one page, its continue token, and the version to watch from. */
import { API_VERSION } from '../../api/index.js';
import type { RequestContext } from '../context.js';
import { currentResourceVersion } from '../feed-position.js';
import { intParam } from '../query.js';
import { present, type ResourceKind } from '../resources.js';
import type { FieldFilter } from '../query.js';
import type { JsonReply } from '../context.js';

export const DEFAULT_PAGE = 500;

export async function listPage(ctx: RequestContext, namespace: string, kind: ResourceKind, fields: FieldFilter): Promise<JsonReply> {
  const store = ctx.store(namespace);
  const query = ctx.url.searchParams;
  const limit = intParam(query, 'limit', 1, 10_000) ?? DEFAULT_PAGE;
  const options = { labelSelector: query.get('labelSelector') ?? undefined, limit, cursor: query.get('continue') || undefined };
  // Read before the listing: a watch from here sees every change the listing may have missed (some twice).
  const resourceVersion = String(await currentResourceVersion(ctx.deps.redis, store.ctx.keys));
  const page = kind === 'Run'
    ? await store.listRuns({ ...options, pool: fields.pool, phase: fields.phase, outcome: fields.outcome })
    : await store.listPools(options);
  const items = page.items.filter((record) => fields.name === undefined || record.metadata.name === fields.name);
  return {
    code: 200,
    body: {
      apiVersion: API_VERSION,
      kind: `${kind}List`,
      metadata: { resourceVersion, ...(page.cursor ? { continue: page.cursor } : {}) },
      items: items.map((record) => present(kind, record, namespace)),
    },
  };
}
