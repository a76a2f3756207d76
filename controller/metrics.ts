/**
 * The controller's Prometheus metrics, in one registry created per process (no globals). Names follow
 * controller-runtime's (`longshore_reconcile_total{reconciler,result}`…), use base units (seconds), and
 * every known label set is initialised to 0 so dashboards never show "no data". Every series carries the
 * installation's key namespace (`longshore_namespace`) and the replica (`longshore_replica`), so two
 * installations scraped in one Kubernetes namespace never merge. Gauges read from the shared store
 * (`STORE_GAUGES`) are exported by one elected replica only (controller/store-gauges.ts).
 */
import type { BuildInfo } from './build-info.js';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { COST_CAPACITIES, OUTCOMES, PHASES, type RunCost } from './api/run-status.js';
import { GATEWAY_ACTIONS, THROTTLE_CATEGORIES } from './aws/budgets.js';
import { QUEUE_NAMES } from './config.js';
import { ORPHAN_STOP_CAUSES } from '../reconcilers/cleanup/orphan-plan.js';
import { RUN_TASK_FAILURE_REASONS } from '../reconcilers/launch/outcome.js';
import { EXIT_CODE_REASON, INFRASTRUCTURE_STOP_REASONS } from '../machines/classify-stop.js';
import { LIFECYCLE_FAILURE_REASONS } from '../machines/run-logic.js';
import { lifecycleEventTypes, possiblePhaseTransitions } from '../machines/run-phases.js';
import { TASK_EVENT_RESULTS } from '../reconcilers/observe/task-event-policy.js';

/** Outcomes of an AWS call: success or the gateway's error kind. */
export const CALL_OUTCOMES = ['success', 'throttled', 'transient', 'conflict', 'client', 'notFound'] as const;
export const RECONCILERS = ['run', 'taskdef', 'resync'] as const;
export const RECONCILE_RESULTS = ['success', 'requeue', 'error', 'terminal'] as const;
export const QUEUE_STATES = ['waiting', 'active', 'delayed', 'failed'] as const;
/** The Redis streams the controller follows through a consumer group. */
export const FOLLOWED_STREAMS = ['changes', 'control'] as const;
/**
 * Why an attempt was followed by another (its failureReason), as the bounded `reason` label: classifyStop's
 * infrastructure reasons and ExitCode, the lifecycle's own (TaskMissing, StartTimeout), RunTask's failures
 * and a clientToken conflict that names no task (reconcilers/run-plan.ts). An undocumented `RESOURCE:*` is
 * counted as RESOURCE:OTHER, anything else as Other.
 */
export const RETRY_REASONS = [
  ...INFRASTRUCTURE_STOP_REASONS, EXIT_CODE_REASON, ...Object.values(LIFECYCLE_FAILURE_REASONS),
  ...RUN_TASK_FAILURE_REASONS, 'ClientTokenConflict', 'RESOURCE:OTHER', 'Other',
] as const;
export type RetryReason = (typeof RETRY_REASONS)[number];

export function retryReasonLabel(failureReason: string | undefined): RetryReason {
  const known = RETRY_REASONS.find((reason) => reason === failureReason);
  if (known !== undefined) return known;
  return failureReason?.startsWith('RESOURCE:') ? 'RESOURCE:OTHER' : 'Other';
}

/**
 * The most pools that get their own `pool` label value in one process; runs of any further pool are counted
 * under OTHER_POOLS. Pools are few (an operator creates each), so this only guards against a runaway.
 */
export const MAX_POOL_LABELS = 50;
export const OTHER_POOLS = '_other';

export interface ControllerMetrics {
  registry: Registry;
  /**
   * The `pool` label value for a pool (itself, or OTHER_POOLS once MAX_POOL_LABELS pools have one), with
   * that pool's counters pre-initialised the first time it is seen.
   */
  poolLabel(pool: string): string;
  buildInfo: Gauge<'version' | 'revision' | 'node'>;
  /** 1 while this replica's Redis connection answers, 0 while it does not. */
  redisUp: Gauge;
  /** 1 on the replica elected to export the store gauges, 0 on the others. */
  storeGaugesElected: Gauge;
  queueJobs: Gauge<'queue' | 'state'>;
  reconcileTotal: Counter<'reconciler' | 'result'>;
  reconcileDuration: Histogram<'reconciler'>;
  ecsApiCalls: Counter<'action' | 'outcome' | AwsScopeLabel>;
  ecsApiThrottles: Counter<'action' | AwsScopeLabel>;
  ecsApiCallDuration: Histogram<'action' | AwsScopeLabel>;
  budgetTokens: Gauge<'category' | AwsScopeLabel>;
  budgetCapacity: Gauge<'category' | AwsScopeLabel>;
  budgetRateFactor: Gauge<'category' | AwsScopeLabel>;
  budgetExhausted: Counter<'category' | AwsScopeLabel>;
  /** Fair share of its account-region's launch budget, per pool (controller/aws/pool-shares.ts). */
  poolLaunchWaiting: Gauge<'pool'>;
  poolLaunchSharePercent: Gauge<'pool'>;
  poolLaunchesPerSecond: Gauge<'pool'>;
  /** The `region` (and, unless turned off, `account`) labels of one account-region's AWS calls. */
  awsScopeLabels(scope: { account: string; region: string }): Partial<Record<AwsScopeLabel, string>>;
  taskdefCacheHits: Counter;
  taskdefCacheMisses: Counter;
  taskdefRegistrations: Counter;
  taskdefRegistrationConflicts: Counter;
  runs: Gauge<'phase'>;
  poolRuns: Gauge<'pool' | 'phase'>;
  runsCompleted: Counter<'outcome' | 'pool'>;
  /** By phase (the user-facing vocabulary), counted only when the phase changes. */
  runTransitions: Counter<'from' | 'to' | 'pool'>;
  runTransitionsRejected: Counter<'event'>;
  runSubmitToRunning: Histogram;
  runDuration: Histogram<'outcome'>;
  runRetries: Counter<'reason' | 'pool'>;
  orphanTasksStopped: Counter<'cause'>;
  /** Per cluster (few): 0 closed, 1 half-open (one run probes), 2 open. As this replica last saw it. */
  launchBreakerState: Gauge<'region' | 'cluster'>;
  /** Launches the breaker did not let call RunTask. */
  launchBreakerRefused: Counter<'region' | 'cluster'>;
  /** SQS task events by what became of them (TASK_EVENT_RESULTS). */
  /** Per account-region of the queue that delivered them (a consumer's target: bounded by the pools). */
  taskEvents: Counter<'result' | AwsScopeLabel>;
  streamEntriesMalformed: Counter<'stream'>;
  /** Per cluster (few): resyncs whose DescribeTasks failed; the cluster then backs off. */
  resyncFailures: Counter<'cluster'>;
  /** Failure tails recorded in a run's status: with lines, or with the error that stopped the read. */
  runLogTails: Counter<'result'>;
  /** Run output lines offered to the controller's log (pool streamOutput), by what became of them. */
  runOutputLines: Counter<'result'>;
  /** Runs whose output this replica forwards now (it holds their forwarding lease). */
  runOutputForwarders: Gauge;
  /** Estimated USD of finished runs by pool and capacity (on-demand, spot; EC2 and EXTERNAL are not priced). */
  costUsd: Counter<'pool' | 'capacity'>;
  costVcpuSeconds: Counter<'pool' | 'capacity'>;
  costGbSeconds: Counter<'pool' | 'capacity'>;
  /** What the same attempts would have cost on Fargate on-demand, by pool (the Spot savings are the difference). */
  costOnDemandUsd: Counter<'pool'>;
  /** Spot → on-demand fallbacks, counted when a run's first on-demand attempt is opened, by pool and why (interruptions, capacity). */
  spotFallbacks: Counter<'pool' | 'reason'>;
}

/** What became of a run's failure tail. */
export const LOG_TAIL_RESULTS = ['lines', 'error'] as const;
/** What became of one line of run output offered to the controller's log. */
export const OUTPUT_LINE_RESULTS = ['forwarded', 'dropped-run-cap', 'dropped-overall-cap'] as const;

export interface CreateMetricsOptions {
  /** Adds Node.js process metrics (CPU, memory, event loop, heap) with the longshore_ prefix. */
  processMetrics?: boolean;
  /** The key namespace, as the `longshore_namespace` label on every series. */
  namespace?: string;
  /** The replica id, as the `longshore_replica` label on every series. */
  replica?: string;
  build?: BuildInfo;
  /** The container's memory limit in bytes (cgroup), exported as longshore_process_memory_limit_bytes when known. */
  memoryLimitBytes?: number;
  /** The controller's own Region: the `region` label the AWS call series start with. Default `default`. */
  region?: string | undefined;
  /** false: AWS call series carry no `account` label (LONGSHORE_METRICS_ACCOUNT_LABEL). Default true. */
  accountLabel?: boolean;
}

/** AWS call series are per account-region, as ECS's budgets are (docs/operations.md "Regions and accounts"). */
export type AwsScopeLabel = 'region' | 'account';

/**
 * The gauges computed from the shared store (runs, queues, budget buckets): the same for every replica, so
 * exported by the elected one only; the other replicas reset them (storeGauges.ts).
 */
export const STORE_GAUGES = ['runs', 'poolRuns', 'queueJobs', 'budgetTokens', 'budgetCapacity', 'budgetRateFactor', 'poolLaunchWaiting', 'poolLaunchSharePercent', 'poolLaunchesPerSecond'] as const satisfies readonly (keyof ControllerMetrics)[];

/**
 * prom-client's default collectors name three gauges `*_total` (active handles, requests, resources), which
 * Prometheus reserves for counters (`promtool check metrics` flags them). The per-type gauges of the same
 * collectors stay; their sum is the total.
 */
const NON_COUNTER_TOTALS = ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total'];

export function createMetrics(options: CreateMetricsOptions = {}): ControllerMetrics {
  const registry = new Registry();
  const defaultLabels: Record<string, string> = {};
  if (options.namespace !== undefined) defaultLabels.longshore_namespace = options.namespace;
  if (options.replica !== undefined) defaultLabels.longshore_replica = options.replica;
  registry.setDefaultLabels(defaultLabels);
  if (options.processMetrics) {
    collectDefaultMetrics({ register: registry, prefix: 'longshore_' });
    for (const name of NON_COUNTER_TOTALS) registry.removeSingleMetric(`longshore_${name}`);
  }
  const registers = [registry];
  const accountLabel = options.accountLabel ?? true;
  const scopeLabels: AwsScopeLabel[] = accountLabel ? ['region', 'account'] : ['region'];
  if (options.memoryLimitBytes !== undefined) {
    const limit = new Gauge({ name: 'longshore_process_memory_limit_bytes', help: "The container's memory limit (cgroup), to compare longshore_process_resident_memory_bytes with.", registers });
    limit.set(options.memoryLimitBytes);
  }
  const latency = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
  const runTimes = [1, 5, 10, 30, 60, 120, 300, 600, 1800, 3600, 14_400];

  const m: ControllerMetrics = {
    registry,
    poolLabel: (pool) => poolLabel(pool),
    buildInfo: new Gauge({ name: 'longshore_build_info', help: 'Always 1: the controller version, git revision and Node.js version as labels.', labelNames: ['version', 'revision', 'node'], registers }),
    redisUp: new Gauge({ name: 'longshore_redis_up', help: "1 while this replica's Redis connection answers a PING, 0 while it does not.", registers }),
    storeGaugesElected: new Gauge({ name: 'longshore_store_gauges_elected', help: '1 on the one replica elected to export the store gauges (runs, queue jobs, budgets), 0 on the others.', registers }),
    queueJobs: new Gauge({ name: 'longshore_queue_jobs', help: 'Jobs in each BullMQ queue by state (installation-wide; exported by the elected replica).', labelNames: ['queue', 'state'], registers }),
    reconcileTotal: new Counter({ name: 'longshore_reconcile_total', help: 'Reconciles by reconciler and result.', labelNames: ['reconciler', 'result'], registers }),
    reconcileDuration: new Histogram({ name: 'longshore_reconcile_duration_seconds', help: 'Time spent in one reconcile.', labelNames: ['reconciler'], buckets: latency, registers }),
    ecsApiCalls: new Counter({ name: 'longshore_ecs_api_calls_total', help: 'AWS API calls made through the gateway by action, outcome and account-region.', labelNames: ['action', 'outcome', ...scopeLabels], registers }),
    ecsApiThrottles: new Counter({ name: 'longshore_ecs_api_throttles_total', help: 'AWS calls answered with a throttling error, by account-region.', labelNames: ['action', ...scopeLabels], registers }),
    ecsApiCallDuration: new Histogram({ name: 'longshore_ecs_api_call_duration_seconds', help: 'Latency of AWS calls (without token waits).', labelNames: ['action', ...scopeLabels], buckets: latency, registers }),
    budgetTokens: new Gauge({ name: 'longshore_budget_tokens', help: "Tokens in the shared bucket of each account-region the pools use, refilled to now (a bucket nobody used is full; exported by the elected replica).", labelNames: ['category', ...scopeLabels], registers }),
    budgetCapacity: new Gauge({ name: 'longshore_budget_capacity', help: "The most tokens each account-region's bucket holds (its burst less the reserve): what longshore_budget_tokens reads when full (exported by the elected replica).", labelNames: ['category', ...scopeLabels], registers }),
    budgetRateFactor: new Gauge({ name: 'longshore_budget_rate_factor', help: "Fraction of the configured refill rate in use in each account-region (below 1 after throttles; exported by the elected replica).", labelNames: ['category', ...scopeLabels], registers }),
    budgetExhausted: new Counter({ name: 'longshore_budget_exhausted_total', help: 'Calls refused or delayed for want of a token, by account-region.', labelNames: ['category', ...scopeLabels], registers }),
    poolLaunchWaiting: new Gauge({ name: 'longshore_pool_launch_waiting', help: "Runs of a pool waiting their turn for their account-region's launch budget (fair share; exported by the elected replica).", labelNames: ['pool'], registers }),
    poolLaunchSharePercent: new Gauge({ name: 'longshore_pool_launch_share_percent', help: "A pool's percent of the launches of its account-region over the last minute (fair share; exported by the elected replica).", labelNames: ['pool'], registers }),
    poolLaunchesPerSecond: new Gauge({ name: 'longshore_pool_launches_per_second', help: "A pool's launches per second over the last minute in its account-region (fair share; exported by the elected replica).", labelNames: ['pool'], registers }),
    awsScopeLabels: (scope) => (accountLabel ? { region: scope.region, account: scope.account } : { region: scope.region }),
    taskdefCacheHits: new Counter({ name: 'longshore_taskdef_cache_hits_total', help: 'Task-definition hash lookups answered from the cache.', registers }),
    taskdefCacheMisses: new Counter({ name: 'longshore_taskdef_cache_misses_total', help: 'Runs whose task-definition lookup found no cached revision and began waiting for a registration (once per run and wait, not per look).', registers }),
    taskdefRegistrations: new Counter({ name: 'longshore_taskdef_registrations_total', help: 'Task definitions registered.', registers }),
    taskdefRegistrationConflicts: new Counter({ name: 'longshore_taskdef_registration_conflicts_total', help: 'Registrations refused for a concurrent registration on the family.', registers }),
    runs: new Gauge({ name: 'longshore_runs', help: 'Runs by phase, one consistent snapshot of the store (exported by the elected replica).', labelNames: ['phase'], registers }),
    poolRuns: new Gauge({ name: 'longshore_pool_runs', help: `Runs not yet stopped by pool and phase, from the same snapshot as longshore_runs (pools past the first ${MAX_POOL_LABELS} as pool="${OTHER_POOLS}").`, labelNames: ['pool', 'phase'], registers }),
    runsCompleted: new Counter({ name: 'longshore_runs_completed_total', help: 'Runs that reached stopped, by outcome and pool.', labelNames: ['outcome', 'pool'], registers }),
    runTransitions: new Counter({ name: 'longshore_run_transitions_total', help: 'Phase changes of runs, from one phase to another, by pool.', labelNames: ['from', 'to', 'pool'], registers }),
    runTransitionsRejected: new Counter({ name: 'longshore_run_transitions_rejected_total', help: 'Events the lifecycle machine rejected as illegal.', labelNames: ['event'], registers }),
    runSubmitToRunning: new Histogram({ name: 'longshore_run_submit_to_running_seconds', help: 'From RunTask accepted to the task RUNNING, recorded when the attempt is seen running.', buckets: runTimes, registers }),
    runDuration: new Histogram({ name: 'longshore_run_duration_seconds', help: 'From run creation to stopped, by outcome.', labelNames: ['outcome'], buckets: runTimes, registers }),
    runRetries: new Counter({ name: 'longshore_run_retries_total', help: `New attempts, counted when each begins, by why the attempt before ended and pool (pools past the first ${MAX_POOL_LABELS} as pool="${OTHER_POOLS}").`, labelNames: ['reason', 'pool'], registers }),
    orphanTasksStopped: new Counter({ name: 'longshore_orphan_tasks_stopped_total', help: 'Tasks carrying our startedBy that the orphan sweep stopped, by cause.', labelNames: ['cause'], registers }),
    launchBreakerState: new Gauge({ name: 'longshore_breaker_state', help: "A cluster's RunTask breaker as this replica last saw it: 0 closed, 1 half-open, 2 open.", labelNames: ['region', 'cluster'], registers }),
    launchBreakerRefused: new Counter({ name: 'longshore_breaker_refused_total', help: 'Launches held back by an open RunTask breaker instead of calling RunTask.', labelNames: ['region', 'cluster'], registers }),
    taskEvents: new Counter({ name: 'longshore_task_events_total', help: 'SQS task state change events by result (applied, duplicate, stale, foreign, unknown-task, malformed, confirm-requested) and the account-region of the queue that delivered them.', labelNames: ['result', ...scopeLabels], registers }),
    streamEntriesMalformed: new Counter({ name: 'longshore_stream_entries_malformed_total', help: 'Stream entries that did not parse, acknowledged and dropped, by stream.', labelNames: ['stream'], registers }),
    resyncFailures: new Counter({ name: 'longshore_resync_failures_total', help: "Cluster resyncs whose DescribeTasks failed (the cluster's resync then backs off).", labelNames: ['cluster'], registers }),
    runLogTails: new Counter({ name: 'longshore_run_log_tails_total', help: "Failed or crashed runs' last lines recorded in their status, by result (lines, error).", labelNames: ['result'], registers }),
    runOutputLines: new Counter({ name: 'longshore_run_output_lines_total', help: 'Run output lines offered to the controller log (pool streamOutput): forwarded, or dropped by the per-run or overall cap.', labelNames: ['result'], registers }),
    runOutputForwarders: new Gauge({ name: 'longshore_run_output_forwarders', help: 'Runs whose output this replica forwards into its log now.', registers }),
    costUsd: new Counter({ name: 'longshore_cost_usd_total', help: 'Estimated USD of finished runs (Fargate prices, an estimate), by pool and capacity.', labelNames: ['pool', 'capacity'], registers }),
    costVcpuSeconds: new Counter({ name: 'longshore_cost_vcpu_seconds_total', help: 'Billed vCPU-seconds of finished runs, by pool and capacity.', labelNames: ['pool', 'capacity'], registers }),
    costGbSeconds: new Counter({ name: 'longshore_cost_memory_gigabyte_seconds_total', help: 'Billed GB-seconds of memory of finished runs, by pool and capacity.', labelNames: ['pool', 'capacity'], registers }),
    costOnDemandUsd: new Counter({ name: 'longshore_cost_on_demand_usd_total', help: 'What the same attempts would have cost on Fargate on-demand (an estimate), by pool.', labelNames: ['pool'], registers }),
    spotFallbacks: new Counter({ name: 'longshore_spot_fallbacks_total', help: "Spot → on-demand fallbacks by pool and reason (interruptions, capacity), counted as each run's first on-demand attempt is opened.", labelNames: ['pool', 'reason'], registers }),
  };

  for (const queue of QUEUE_NAMES) for (const state of QUEUE_STATES) m.queueJobs.set({ queue, state }, 0);
  for (const reconciler of RECONCILERS) {
    for (const result of RECONCILE_RESULTS) m.reconcileTotal.inc({ reconciler, result }, 0);
    m.reconcileDuration.zero({ reconciler });
  }
  // The controller's own account-region starts at zero; other account-regions appear with their first call.
  const home = m.awsScopeLabels({ account: 'default', region: options.region ?? 'default' });
  for (const action of GATEWAY_ACTIONS) {
    for (const outcome of CALL_OUTCOMES) m.ecsApiCalls.inc({ action, outcome, ...home }, 0);
    m.ecsApiThrottles.inc({ action, ...home }, 0);
    m.ecsApiCallDuration.zero({ action, ...home });
  }
  // Budget levels are not pre-initialised: the elected replica reads every bucket of every account-region the
  // pools use (an unused one is full), so no series ever reads 0 for a budget nobody spent.
  for (const category of THROTTLE_CATEGORIES) {
    m.budgetRateFactor.set({ category, ...home }, 1);
    m.budgetExhausted.inc({ category, ...home }, 0);
  }
  for (const phase of PHASES) m.runs.set({ phase }, 0);
  for (const outcome of OUTCOMES) m.runDuration.zero({ outcome });
  for (const event of lifecycleEventTypes()) m.runTransitionsRejected.inc({ event }, 0);
  for (const cause of ORPHAN_STOP_CAUSES) m.orphanTasksStopped.inc({ cause }, 0);
  for (const result of TASK_EVENT_RESULTS) m.taskEvents.inc({ result, ...home }, 0);
  for (const stream of FOLLOWED_STREAMS) m.streamEntriesMalformed.inc({ stream }, 0);
  for (const result of LOG_TAIL_RESULTS) m.runLogTails.inc({ result }, 0);
  for (const result of OUTPUT_LINE_RESULTS) m.runOutputLines.inc({ result }, 0);
  m.redisUp.set(1);
  m.storeGaugesElected.set(0);
  if (options.build) m.buildInfo.set({ ...options.build }, 1);

  // Pools get their label on first sight, with exactly the phase changes the lifecycle machine allows, every
  // outcome and every retry reason at 0, so rate() and increase() see a pool's first run.
  const transitions = possiblePhaseTransitions();
  const labelled = new Set<string>();
  function poolLabel(pool: string): string {
    if (labelled.has(pool)) return pool;
    if (labelled.size >= MAX_POOL_LABELS && pool !== OTHER_POOLS) return poolLabel(OTHER_POOLS);
    labelled.add(pool);
    for (const { from, to } of transitions) m.runTransitions.inc({ from, to, pool }, 0);
    for (const outcome of OUTCOMES) m.runsCompleted.inc({ outcome, pool }, 0);
    for (const reason of RETRY_REASONS) m.runRetries.inc({ reason, pool }, 0);
    initPoolCostMetrics(m, pool);
    return pool;
  }
  return m;
}

export const SPOT_FALLBACK_REASONS = ['interruptions', 'capacity'] as const;

/**
 * A pool's cost and fallback series, created at 0 the first time this replica labels the pool (pools are
 * named by operators and few; unknown ones cannot be pre-initialised).
 */
export function initPoolCostMetrics(m: ControllerMetrics, pool: string): void {
  for (const capacity of COST_CAPACITIES) {
    m.costUsd.inc({ pool, capacity }, 0);
    m.costVcpuSeconds.inc({ pool, capacity }, 0);
    m.costGbSeconds.inc({ pool, capacity }, 0);
  }
  m.costOnDemandUsd.inc({ pool }, 0);
  for (const reason of SPOT_FALLBACK_REASONS) m.spotFallbacks.inc({ pool, reason }, 0);
}

/** Counts one finished run's cost (its Spot fallback was counted when it happened: run-metrics.ts). */
export function recordRunCost(m: ControllerMetrics, pool: string, cost: RunCost | undefined): void {
  initPoolCostMetrics(m, pool); // idempotent; the pool label usually created them already
  if (!cost) return;
  for (const attempt of cost.attempts) {
    const labels = { pool, capacity: attempt.capacity };
    m.costVcpuSeconds.inc(labels, attempt.vcpu * attempt.billedSeconds);
    m.costGbSeconds.inc(labels, attempt.gb * attempt.billedSeconds);
    if (attempt.estimatedUsd !== undefined) m.costUsd.inc(labels, attempt.estimatedUsd);
    if (attempt.onDemandUsd !== undefined) m.costOnDemandUsd.inc({ pool }, attempt.onDemandUsd);
  }
}

/** Role label of an API request: the caller's role, or `none` before (or without) authentication. */
export const API_ROLE_LABELS = ['none', 'viewer', 'submitter', 'operator', 'admin'] as const;
/** Route label for a request that matched no route (bounded: the path itself never becomes a label). */
export const API_UNMATCHED_ROUTE = 'unmatched';

export interface ApiMetrics {
  /** By route template (or `unmatched`), status code and role. */
  requests: Counter<'route' | 'method' | 'code' | 'role'>;
  /** Until the response ends: for watches and followed logs, the stream's whole life. */
  requestDuration: Histogram<'route' | 'method'>;
  /** Open watch and log streams. */
  openStreams: Gauge<'route'>;
}

/**
 * The API server's metrics in `registry` (the controller's when it serves the API in-process). Every
 * route's series exist from the start with the common answer (200) for each role.
 */
export function createApiMetrics(registry: Registry, routes: ReadonlyArray<{ method: string; template: string }>): ApiMetrics {
  const registers = [registry];
  const m: ApiMetrics = {
    requests: new Counter({ name: 'longshore_api_requests_total', help: 'API requests by route template, method, status code and role.', labelNames: ['route', 'method', 'code', 'role'], registers }),
    requestDuration: new Histogram({
      name: 'longshore_api_request_duration_seconds', help: 'API request latency until the response ended, by route template and method.',
      labelNames: ['route', 'method'], buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10], registers,
    }),
    openStreams: new Gauge({ name: 'longshore_api_open_streams', help: 'Open watch and log streams by route template.', labelNames: ['route'], registers }),
  };
  for (const { method, template } of routes) {
    for (const role of API_ROLE_LABELS.filter((r) => r !== 'none')) m.requests.inc({ route: template, method, code: '200', role }, 0);
    m.requestDuration.zero({ route: template, method });
    m.openStreams.set({ route: template }, 0);
  }
  return m;
}
