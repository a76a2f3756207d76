/**
 * pools/{name}/status: what a pool is doing now, read from the store — its runs by phase and outcome, the
 * slots its limits count and its waiting line, the attempts it launched in the last minute, and its
 * account-region's Fargate launch ceiling (the budget the controller paces RunTask with), and its fair share
 * of that budget as the budget script records it (controller/aws/pool-shares.ts: weight, priority, runs
 * waiting for their turn, launches and refusals of the last minute). AWS throttles are counted per
 * account-region, not per pool (a throttle is the account-region's): `launchBudget.throttlesLastMinute`.
 *
 * Cost: the counts as runsummary with a pool filter (index intersections); the launch window reads the
 * records of the pool's runs that are launching, submitted or running, and of those that stopped within
 * the window: O(launched live runs of the pool).
 */
import { z } from 'zod';
import { API_VERSION, type PoolRecord, type RunRecord } from '../../api/index.js';
import { DEFAULT_BUDGETS } from '../../aws/budgets.js';
import { namespaceBudgets } from '../../aws/namespace-budgets.js';
import { readScopeShares, readThrottlesLastMinute } from '../../aws/pool-shares.js';
import { scopeOf, shareKeyFor, type HomeScope } from '../../aws/budget-keys.js';
import { readerHome } from '../../aws/home-record.js';
import { unrecordedHomeNote } from '../../aws/home-policy.js';
import { targetOfPool } from '../../aws/target.js';
import type { ResourceStore } from '../../store/index.js';
import { resolvePlacement } from '../../../reconcilers/taskdef/placement.js';
import { poolSlotKeys } from '../../../reconcilers/run/pool-limits.js';
import type { HandlerResult, LaunchBudgetSettings, RequestContext } from '../context.js';
import { currentResourceVersion } from '../feed-position.js';
import { notFound } from '../status.js';
import { countsBody, RunCountsBody } from './run-summary.js';

/** The launch window: long enough to smooth a burst, short enough to say "now". */
export const LAUNCH_WINDOW_SECONDS = 60;
const CHUNK = 500;
const count = z.number().int().min(0);

export const PoolStatus = z.strictObject({
  apiVersion: z.literal(API_VERSION),
  kind: z.literal('PoolStatus'),
  metadata: z.strictObject({ name: z.string(), namespace: z.string(), resourceVersion: z.string().describe('The namespace\'s resourceVersion read before the counts.') }),
  status: z.strictObject({
    runs: RunCountsBody.describe('The pool\'s runs by phase and outcome (as runsummary with spec.pool=<name>).'),
    slots: z.strictObject({
      submitting: count.describe('Runs holding a submitting slot (launched, not yet RUNNING): what limits.maxSubmitting counts.'),
      running: count.describe('Runs holding a running slot (launched, task not stopped): what limits.maxRunning counts.'),
      waiting: count.describe('Runs in the pool\'s waiting line for a slot.'),
    }),
    launches: z.strictObject({
      windowSeconds: z.number().int().describe('The window counted, ending now.'),
      attempts: count.describe('Attempts whose RunTask was accepted (status.attempts[].submittedAt) within the window, counted from the pool\'s stored runs; runs deleted since are not counted.'),
      perSecond: z.number().describe('attempts / windowSeconds.'),
    }),
    launchBudget: z.strictObject({
      account: z.string().describe('The account whose ECS budget the pool spends (the role\'s, or default: the controller\'s own account, reached by its credentials or a role in it).'),
      region: z.string(),
      category: z.enum(['fargateLaunches', 'fargateSpotLaunches']).describe('The Fargate launch bucket a RunTask of this pool spends.'),
      burst: z.number().describe('The ceiling\'s burst (LONGSHORE_BUDGET_*), shared by every pool of the account-region.'),
      refillPerSecond: z.number().describe('The ceiling\'s sustained launches per second, shared by every pool of the account-region.'),
      tokens: z.number().describe('Tokens in the shared bucket now (after the reserve the controller keeps).'),
      rateFactor: z.number().describe('The adaptive factor (1 = full rate; lower after AWS throttled).'),
      throttlesLastMinute: count.describe('AWS throttling errors the controller met in this account-region over the last minute (any call; one per bucket a throttle lowered).'),
    }).optional().describe('Absent for EC2 or EXTERNAL launches, which spend no Fargate launch bucket.'),
    share: z.strictObject({
      weight: z.number().int().describe('spec.scheduling.weight: the pool\'s share of its account-region\'s launches against the other pools of its priority.'),
      priority: z.number().int().describe('spec.scheduling.priority: pools of a higher priority are served first.'),
      waitingRuns: count.describe('Runs refused a launch that wait for their turn at the account-region\'s budget now.'),
      launchesPerSecond: z.number().describe('Launches the budget granted the pool per second over the last minute (the scheduler\'s own count).'),
      sharePercent: z.number().describe('The pool\'s percent of its account-region\'s launches over the last minute (0 when none).'),
      refusalsLastMinute: count.describe('Launches of the pool the budget refused over the last minute (its turn had not come, or no tokens).'),
    }).describe('The pool\'s fair share of its account-region\'s launch budget (zeros when it has not launched or waited recently).'),
    home: z.strictObject({
      region: z.string().optional().describe('The Region pools without a region launch in; absent when none is known.'),
      account: z.string().optional().describe('The account id of the controller\'s own credentials, when it learned it (a role into it spends the same budget).'),
      recorded: z.boolean().describe('True: recorded by the namespace\'s controllers. False: none recorded one yet, so the API server\'s own AWS_REGION stood in, and the budget and share of a pool without a region may be another Region\'s.'),
    }).describe('The home account-region launchBudget and share were read with (the controller\'s, as its replicas recorded it).'),
  }),
});
export type PoolStatus = z.infer<typeof PoolStatus>;

export async function poolStatus(ctx: RequestContext): Promise<HandlerResult> {
  const { namespace, name } = ctx.params;
  const store = ctx.store(namespace);
  const resourceVersion = String(await currentResourceVersion(ctx.deps.redis, store.ctx.keys));
  const pool = await store.getPool(name);
  if (!pool) throw notFound('Pool', name);
  const slotKeys = poolSlotKeys(store.keyspace, name);
  const settings = ctx.deps.launchBudgets ?? { table: DEFAULT_BUDGETS, fallbackRegion: undefined, clockScale: 1 };
  // The keys are the controller's, derived from the home its replicas recorded, not from this process's Region.
  const { home, recorded } = await readerHome(ctx.deps.redis, store.keyspace, settings.fallbackRegion);
  if (!recorded) settings.homeNotRecorded?.(namespace, unrecordedHomeNote(namespace, settings.fallbackRegion, 'the API server\'s'));
  const [runs, submitting, running, waiting, launched, launchBudget, share] = await Promise.all([
    store.countRuns({ pool: name }),
    ctx.deps.redis.scard(slotKeys.submitting),
    ctx.deps.redis.scard(slotKeys.running),
    ctx.deps.redis.zcard(slotKeys.waiting),
    attemptsLaunchedSince(store, name, Date.now() - LAUNCH_WINDOW_SECONDS * 1000),
    budgetOf(ctx, store, pool, settings, home),
    shareOf(ctx, store, pool, home),
  ]);
  const body: PoolStatus = {
    apiVersion: API_VERSION,
    kind: 'PoolStatus',
    metadata: { name, namespace, resourceVersion },
    status: {
      runs: countsBody(runs),
      slots: { submitting, running, waiting },
      launches: { windowSeconds: LAUNCH_WINDOW_SECONDS, attempts: launched, perSecond: launched / LAUNCH_WINDOW_SECONDS },
      ...(launchBudget ? { launchBudget } : {}),
      share,
      home: { ...(home.region !== undefined ? { region: home.region } : {}), ...(home.account !== undefined ? { account: home.account } : {}), recorded },
    },
  };
  return { code: 200, body };
}

/**
 * Attempts of the pool's runs submitted at or after `sinceMs`. A run launched in the window is now past
 * pending (taskdef-resolved covers launching and backoff, then submitted, running) or stopped within the
 * window, so only those runs are read: ZINTER of the pool with each such phase, and the finished index by
 * score (when the run stopped) for the rest.
 */
async function attemptsLaunchedSince(store: ResourceStore, pool: string, sinceMs: number): Promise<number> {
  const { redis, keys } = store.ctx;
  const names = new Set<string>();
  for (const phase of ['taskdef-resolved', 'submitted', 'running'] as const) {
    for (const n of await redis.zinter(2, keys.runsByPhase(phase), keys.runsByPool(pool))) names.add(n);
  }
  const stoppedRecently = await redis.zrangebyscore(keys.finished, sinceMs, '+inf');
  const pools = stoppedRecently.length > 0 ? await redis.hmget(keys.finishedPool, ...stoppedRecently) : [];
  stoppedRecently.forEach((n, i) => { if (pools[i] === pool) names.add(n); });
  let attempts = 0;
  const list = [...names];
  for (let i = 0; i < list.length; i += CHUNK) {
    for (const run of await store.getRuns(list.slice(i, i + CHUNK))) {
      if (run?.spec.pool !== pool) continue;
      attempts += launchedAttempts(run, sinceMs);
    }
  }
  return attempts;
}

export function launchedAttempts(run: RunRecord, sinceMs: number): number {
  return run.status.attempts.filter((a) => a.submittedAt !== undefined && Date.parse(a.submittedAt) >= sinceMs).length;
}

async function budgetOf(ctx: RequestContext, store: ResourceStore, pool: PoolRecord, settings: LaunchBudgetSettings, home: HomeScope): Promise<PoolStatus['status']['launchBudget']> {
  const category = resolvePlacement(pool, { metadata: { name: '', uid: '' }, spec: { pool: pool.metadata.name } }).launchBucket;
  if (!category) return undefined;
  const scope = scopeOf(targetOfPool(pool.spec), home);
  // Built as the namespace's controllers build theirs (same keys, reserve and clock), so the level shown is theirs.
  const budgets = namespaceBudgets({ redis: ctx.deps.redis, keyspace: store.keyspace, budgets: settings.table, home, clockScale: settings.clockScale })(scope);
  const [level, throttlesLastMinute] = await Promise.all([
    budgets.level(category),
    readThrottlesLastMinute(ctx.deps.redis, shareKeyFor(store.keyspace, scope, home)),
  ]);
  const { burst, refillPerSecond } = settings.table[category];
  return { account: scope.account, region: scope.region, category, burst, refillPerSecond, tokens: level.tokens, rateFactor: level.rateFactor, throttlesLastMinute };
}

async function shareOf(ctx: RequestContext, store: ResourceStore, pool: PoolRecord, home: HomeScope): Promise<PoolStatus['status']['share']> {
  const scope = scopeOf(targetOfPool(pool.spec), home);
  const shares = await readScopeShares(ctx.deps.redis, store.keyspace, scope, home);
  const found = shares.find((s) => s.pool === pool.metadata.name);
  const scheduling = pool.spec.scheduling;
  return {
    // The spec is what the pool asks for now; the script's record is what its last launch carried.
    weight: scheduling?.weight ?? found?.weight ?? 1,
    priority: scheduling?.priority ?? found?.priority ?? 0,
    waitingRuns: found?.waitingRuns ?? 0,
    launchesPerSecond: found?.launchesPerSecond ?? 0,
    sharePercent: found?.sharePercent ?? 0,
    refusalsLastMinute: found?.refusalsLastMinute ?? 0,
  };
}
