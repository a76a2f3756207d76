/**
 * runsummary: how many runs match a filter, by phase and by outcome — the same labelSelector and
 * fieldSelector a runs list takes — so a client can show counts for a whole filter without paging through
 * it (the console's counts, its bulk-cancel count, `run list`'s summary line). Counted from the store's
 * indexes where they answer (controller/store/counts.ts has the cost of each case).
 */
import { z } from 'zod';
import { API_VERSION, OUTCOMES, PHASES } from '../../api/index.js';
import type { RunCounts } from '../../store/index.js';
import type { HandlerResult, RequestContext } from '../context.js';
import { currentResourceVersion } from '../feed-position.js';
import { fieldFilter } from '../query.js';

const count = z.number().int().min(0);
const byKeys = <K extends string>(keys: readonly K[]) => z.strictObject(Object.fromEntries(keys.map((key) => [key, count])) as Record<K, typeof count>);

export const RunCountsBody = z.strictObject({
  total: count.describe('Runs matching the filter.'),
  live: count.describe('Matching runs not yet stopped (what a cancel of every matching run would reach).'),
  byPhase: byKeys(PHASES).describe('Matching runs by phase.'),
  byOutcome: byKeys(OUTCOMES).describe('Matching stopped runs by outcome.'),
  countedBy: z.enum(['indexes', 'records']).describe('indexes: from the store\'s indexes alone (cheap at any size); records: by reading the matching records (a label selector or a name), O(runs in the narrowest index).'),
});
export type RunCountsBody = z.infer<typeof RunCountsBody>;

export const RunSummary = z.strictObject({
  apiVersion: z.literal(API_VERSION),
  kind: z.literal('RunSummary'),
  metadata: z.strictObject({ resourceVersion: z.string().describe('The namespace\'s resourceVersion read before counting: a watch from it sees every later change.') }),
  status: RunCountsBody,
});
export type RunSummary = z.infer<typeof RunSummary>;

export function countsBody(counts: RunCounts): RunCountsBody {
  return { total: counts.total, live: counts.total - counts.byPhase.stopped, byPhase: counts.byPhase, byOutcome: counts.byOutcome, countedBy: counts.countedBy };
}

export async function runSummary(ctx: RequestContext): Promise<HandlerResult> {
  const { namespace } = ctx.params;
  const fields = fieldFilter(ctx.url.searchParams, 'Run');
  const store = ctx.store(namespace);
  const resourceVersion = String(await currentResourceVersion(ctx.deps.redis, store.ctx.keys));
  const counts = await store.countRuns({ ...fields, labelSelector: ctx.url.searchParams.get('labelSelector') ?? undefined });
  const body: RunSummary = { apiVersion: API_VERSION, kind: 'RunSummary', metadata: { resourceVersion }, status: countsBody(counts) };
  return { code: 200, body };
}
