/**
 * The controller's Prometheus metrics, in one registry created per process (no globals). Names follow
 * controller-runtime's (`longshore_reconcile_total{reconciler,result}`…), use base units (seconds), and
 * every known label set is initialised to 0 so dashboards never show "no data".
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { OUTCOMES, PHASES } from './api/run-status.js';
import { GATEWAY_ACTIONS, THROTTLE_CATEGORIES } from './aws/budgets.js';
import { QUEUE_NAMES } from './config.js';
import { ORPHAN_STOP_CAUSES } from '../reconcilers/cleanup/orphan-plan.js';
import { RUN_TASK_FAILURE_REASONS } from '../reconcilers/launch/outcome.js';
import { EXIT_CODE_REASON, INFRASTRUCTURE_STOP_REASONS } from '../machines/classify-stop.js';
import { LIFECYCLE_FAILURE_REASONS } from '../machines/run-logic.js';
import { possiblePhaseTransitions } from '../machines/run-phases.js';
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

export interface ControllerMetrics {
  registry: Registry;
  queueJobs: Gauge<'queue' | 'state'>;
  reconcileTotal: Counter<'reconciler' | 'result'>;
  reconcileDuration: Histogram<'reconciler'>;
  ecsApiCalls: Counter<'action' | 'outcome'>;
  ecsApiThrottles: Counter<'action'>;
  ecsApiCallDuration: Histogram<'action'>;
  budgetTokens: Gauge<'category'>;
  budgetRateFactor: Gauge<'category'>;
  budgetExhausted: Counter<'category'>;
  taskdefCacheHits: Counter;
  taskdefCacheMisses: Counter;
  taskdefRegistrations: Counter;
  taskdefRegistrationConflicts: Counter;
  runs: Gauge<'phase'>;
  runsCompleted: Counter<'outcome'>;
  /** By phase (the user-facing vocabulary), counted only when the phase changes. */
  runTransitions: Counter<'from' | 'to'>;
  runTransitionsRejected: Counter<'event'>;
  runSubmitToRunning: Histogram;
  runDuration: Histogram<'outcome'>;
  runRetries: Counter<'reason'>;
  orphanTasksStopped: Counter<'cause'>;
  /** Per cluster (few): 0 closed, 1 half-open (one run probes), 2 open. As this replica last saw it. */
  launchBreakerState: Gauge<'region' | 'cluster'>;
  /** Launches the breaker did not let call RunTask. */
  launchBreakerRefused: Counter<'region' | 'cluster'>;
  /** SQS task events by what became of them (TASK_EVENT_RESULTS). */
  taskEvents: Counter<'result'>;
  streamEntriesMalformed: Counter<'stream'>;
  /** Per cluster (few): resyncs whose DescribeTasks failed; the cluster then backs off. */
  resyncFailures: Counter<'cluster'>;
}

export interface CreateMetricsOptions {
  /** Adds Node.js process metrics (CPU, memory, event loop) with the longshore_ prefix. */
  processMetrics?: boolean;
}

export function createMetrics(options: CreateMetricsOptions = {}): ControllerMetrics {
  const registry = new Registry();
  if (options.processMetrics) collectDefaultMetrics({ register: registry, prefix: 'longshore_' });
  const registers = [registry];
  const latency = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
  const runTimes = [1, 5, 10, 30, 60, 120, 300, 600, 1800, 3600, 14_400];

  const m: ControllerMetrics = {
    registry,
    queueJobs: new Gauge({ name: 'longshore_queue_jobs', help: 'Jobs in each BullMQ queue by state.', labelNames: ['queue', 'state'], registers }),
    reconcileTotal: new Counter({ name: 'longshore_reconcile_total', help: 'Reconciles by reconciler and result.', labelNames: ['reconciler', 'result'], registers }),
    reconcileDuration: new Histogram({ name: 'longshore_reconcile_duration_seconds', help: 'Time spent in one reconcile.', labelNames: ['reconciler'], buckets: latency, registers }),
    ecsApiCalls: new Counter({ name: 'longshore_ecs_api_calls_total', help: 'AWS API calls made through the gateway by action and outcome.', labelNames: ['action', 'outcome'], registers }),
    ecsApiThrottles: new Counter({ name: 'longshore_ecs_api_throttles_total', help: 'AWS calls answered with a throttling error.', labelNames: ['action'], registers }),
    ecsApiCallDuration: new Histogram({ name: 'longshore_ecs_api_call_duration_seconds', help: 'Latency of AWS calls (without token waits).', labelNames: ['action'], buckets: latency, registers }),
    budgetTokens: new Gauge({ name: 'longshore_budget_tokens', help: 'Tokens left in the shared bucket after the last take.', labelNames: ['category'], registers }),
    budgetRateFactor: new Gauge({ name: 'longshore_budget_rate_factor', help: 'Fraction of the configured refill rate in use (below 1 after throttles).', labelNames: ['category'], registers }),
    budgetExhausted: new Counter({ name: 'longshore_budget_exhausted_total', help: 'Calls refused or delayed for want of a token.', labelNames: ['category'], registers }),
    taskdefCacheHits: new Counter({ name: 'longshore_taskdef_cache_hits_total', help: 'Task-definition hash lookups answered from the cache.', registers }),
    taskdefCacheMisses: new Counter({ name: 'longshore_taskdef_cache_misses_total', help: 'Task-definition hash lookups that needed a registration.', registers }),
    taskdefRegistrations: new Counter({ name: 'longshore_taskdef_registrations_total', help: 'Task definitions registered.', registers }),
    taskdefRegistrationConflicts: new Counter({ name: 'longshore_taskdef_registration_conflicts_total', help: 'Registrations refused for a concurrent registration on the family.', registers }),
    runs: new Gauge({ name: 'longshore_runs', help: 'Runs by phase.', labelNames: ['phase'], registers }),
    runsCompleted: new Counter({ name: 'longshore_runs_completed_total', help: 'Runs that reached stopped, by outcome.', labelNames: ['outcome'], registers }),
    runTransitions: new Counter({ name: 'longshore_run_transitions_total', help: 'Phase changes of runs, from one phase to another.', labelNames: ['from', 'to'], registers }),
    runTransitionsRejected: new Counter({ name: 'longshore_run_transitions_rejected_total', help: 'Events the lifecycle machine rejected as illegal.', labelNames: ['event'], registers }),
    runSubmitToRunning: new Histogram({ name: 'longshore_run_submit_to_running_seconds', help: 'From RunTask accepted to the task RUNNING.', buckets: runTimes, registers }),
    runDuration: new Histogram({ name: 'longshore_run_duration_seconds', help: 'From run creation to stopped, by outcome.', labelNames: ['outcome'], buckets: runTimes, registers }),
    runRetries: new Counter({ name: 'longshore_run_retries_total', help: 'New attempts started, by why the attempt before ended.', labelNames: ['reason'], registers }),
    orphanTasksStopped: new Counter({ name: 'longshore_orphan_tasks_stopped_total', help: 'Tasks carrying our startedBy that the orphan sweep stopped, by cause.', labelNames: ['cause'], registers }),
    launchBreakerState: new Gauge({ name: 'longshore_breaker_state', help: "A cluster's RunTask breaker as this replica last saw it: 0 closed, 1 half-open, 2 open.", labelNames: ['region', 'cluster'], registers }),
    launchBreakerRefused: new Counter({ name: 'longshore_breaker_refused_total', help: 'Launches held back by an open RunTask breaker instead of calling RunTask.', labelNames: ['region', 'cluster'], registers }),
    taskEvents: new Counter({ name: 'longshore_task_events_total', help: 'SQS task state change events by result (applied, duplicate, stale, foreign, unknown-task, malformed, confirm-requested).', labelNames: ['result'], registers }),
    streamEntriesMalformed: new Counter({ name: 'longshore_stream_entries_malformed_total', help: 'Stream entries that did not parse, acknowledged and dropped, by stream.', labelNames: ['stream'], registers }),
    resyncFailures: new Counter({ name: 'longshore_resync_failures_total', help: "Cluster resyncs whose DescribeTasks failed (the cluster's resync then backs off).", labelNames: ['cluster'], registers }),
  };

  for (const queue of QUEUE_NAMES) for (const state of QUEUE_STATES) m.queueJobs.set({ queue, state }, 0);
  for (const reconciler of RECONCILERS) {
    for (const result of RECONCILE_RESULTS) m.reconcileTotal.inc({ reconciler, result }, 0);
    m.reconcileDuration.zero({ reconciler });
  }
  for (const action of GATEWAY_ACTIONS) {
    for (const outcome of CALL_OUTCOMES) m.ecsApiCalls.inc({ action, outcome }, 0);
    m.ecsApiThrottles.inc({ action }, 0);
    m.ecsApiCallDuration.zero({ action });
  }
  for (const category of THROTTLE_CATEGORIES) {
    m.budgetTokens.set({ category }, 0);
    m.budgetRateFactor.set({ category }, 1);
    m.budgetExhausted.inc({ category }, 0);
  }
  for (const phase of PHASES) m.runs.set({ phase }, 0);
  for (const outcome of OUTCOMES) {
    m.runsCompleted.inc({ outcome }, 0);
    m.runDuration.zero({ outcome });
  }
  // Exactly the phase changes the lifecycle machine allows, so every series a controller can produce exists.
  for (const { from, to } of possiblePhaseTransitions()) m.runTransitions.inc({ from, to }, 0);
  for (const reason of RETRY_REASONS) m.runRetries.inc({ reason }, 0);
  for (const cause of ORPHAN_STOP_CAUSES) m.orphanTasksStopped.inc({ cause }, 0);
  for (const result of TASK_EVENT_RESULTS) m.taskEvents.inc({ result }, 0);
  for (const stream of FOLLOWED_STREAMS) m.streamEntriesMalformed.inc({ stream }, 0);
  return m;
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
