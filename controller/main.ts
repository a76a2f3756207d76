/**
 * The composition root: builds every piece of one controller replica from the compiled configuration,
 * with explicit dependencies and no module-level state, and tears them down in order. Order of stopping:
 * stop taking new work (stream followers, then workers with their grace period), then samplers, queues,
 * AWS clients, Redis, and the HTTP server last so /healthz answers while draining.
 */
import { createArnTargets, poolRoles } from './aws/arn-targets.js';
import type { Logger } from 'pino';
import type { ControllerConfig, QueueName } from './config.js';
import { createMetrics, ControllerMetrics, recordRunCost } from './metrics.js';
import { runCost } from './pricing.js';
import { recordStatusWrite } from './run-metrics.js';
import { buildInfo, containerMemoryLimitBytes } from './build-info.js';
import { startStoreGaugeExporter } from './store-gauges.js';
import { awaitRedis, closeRedis, createRedisConnection, redisAnswers, redisConfigurationProblems, redisConnectionOpen, redisTarget, describeRedisTarget, seedNodeError } from './redis.js';
import { errorSummary, throttledLogger } from './log-throttle.js';
import { describeClusterFailure, explainRedisFailure, isTlsProtocolError } from './redis-failure.js';
import { startHttpServer } from './http-server.js';
import { startApi } from './server/start.js';
import { createAwsClientPool, sdkDefaultRegion } from './aws/clients.js';
import type { AwsGateway } from './aws/gateway.js';
import { createRoutedGateway } from './aws/routed-gateway.js';
import { namespaceBudgets } from './aws/namespace-budgets.js';
import { readScopeShares } from './aws/pool-shares.js';
import { budgetScopesOfPools, scopeOf, type HomeScope } from './aws/budget-keys.js';
import { learnOwnHome, readHomeRecord, startHomeRecording, stsCallerAccount } from './aws/home-record.js';
import { withRecordedAccount } from './aws/home-policy.js';
import type { BudgetScope } from './aws/target.js';
import type { RedisBudgets } from './aws/redis-budgets.js';
import { closeQueues, createQueues, createWakeUps, scheduleResync, scheduleSweep, WakeUps } from './queue/queues.js';
import { createPendingWakeUps } from './queue/pending-wake-ups.js';
import { createJobPriorities, type JobPriorities } from './queue/job-priorities.js';
import { startWorkers } from './queue/workers.js';
import { startStreamFollower, RunningFollower } from './queue/stream-follower.js';
import { changeFeedSource, controlStreamSource } from './queue/stream-sources.js';
import { sampleQueueDepth } from './queue/queue-metrics.js';
import type { Reconciler } from './queue/reconcile.js';
import { startReplicaRegistration } from './replica-registry.js';
import { ResourceStore } from './store/store.js';
import { listAll } from './store/queries.js';
import { changeWakesRun } from './store/change-feed.js';
import type { Keyspace } from './store/keys.js';
import { PHASES } from './api/run-status.js';
import type { RunRecord } from './api/run.js';
import { createTaskdefs } from '../reconcilers/taskdef/index.js';
import { createNetworkResolver } from '../reconcilers/launch/network.js';
import { taskdefKeys } from '../reconcilers/taskdef/keys.js';
import { createRunTaskdefAdapter } from '../reconcilers/taskdef/run-adapter.js';
import { createRunEcsPort } from '../reconcilers/run/ecs-adapter.js';
import { createLaunchBreaker } from '../reconcilers/launch/breaker.js';
import { BREAKER_POSITIONS } from '../reconcilers/launch/breaker-policy.js';
import { createRunReconciler } from '../reconcilers/run/reconciler.js';
import { createResyncReconciler } from '../reconcilers/observe/resync.js';
import { redisResyncTroubleStore } from '../reconcilers/observe/resync-backoff.js';
import { redisSeenTaskStore } from '../reconcilers/observe/seen-tasks.js';
import { redisEventHealth } from '../reconcilers/observe/event-health.js';
import { CLEANUP_KEYS, RETENTION_SWEEP_INTERVAL_MS, createCleanupReconciler, withCleanup } from '../reconcilers/cleanup/sweeps.js';
import { FINALIZE_GRACE_MS, finalizeRecoveryFor, wakeUnfinalizedRuns } from '../reconcilers/cleanup/finalize-recovery.js';
import { orphanSweepStore } from '../reconcilers/cleanup/orphan-sweep.js';
import { createControlHandler } from '../reconcilers/control/control.js';
import { createPoolLimiter } from '../reconcilers/run/pool-limits.js';
import { sqsTaskEventSource, startTaskEventConsumer } from '../reconcilers/observe/task-events.js';
import { TASK_EVENT_RESULTS } from '../reconcilers/observe/task-event-policy.js';
import type { EventSource } from '../reconcilers/observe/event-sources.js';
import { startEventSupervisor } from '../reconcilers/observe/event-supervisor.js';
import { createGatewayRunLogSource, type CloudWatchRunLogSource } from './logs/index.js';
import { createLogTailReconciler, logTailKey, redisLogTailTries, withLogTails } from './logs/log-tail.js';
import { planLogTail } from './logs/log-tail-policy.js';
import { redisOutputLeases } from './logs/output-lease.js';
import { startOutputForwarding } from './logs/stream-output.js';

/** How often each replica looks for streamOutput runs to forward, and how long its lease on one lasts. */
const OUTPUT_SCAN_INTERVAL_MS = 5_000;
const OUTPUT_LEASE_MS = 30_000;
/** How often the pools are read again for the task-event queues they name (event-supervisor.ts). */
const EVENT_SOURCES_INTERVAL_MS = 15_000;

export interface RunningController {
  metricsPort: number;
  /** The HTTP API's port when LONGSHORE_API_ENABLED=true. */
  apiPort?: number;
  metrics: ControllerMetrics;
  /** Stops taking work, lets in-flight jobs finish within the grace period, closes everything. */
  stop(): Promise<{ handedBack: boolean }>;
  /**
   * What a shutdown that overran its deadline reports: the step it was in ('stopped' once stop() returned)
   * and the Redis connections not yet closed, by name (the workers' BullMQ copies included).
   */
  shutdownReport(): { step: string; openRedisConnections: string[] };
}

/** How often the store gauges are read (by the elected replica) and Redis is pinged (by every replica). */
const STORE_GAUGE_INTERVAL_MS = 5000;
/** How long start-up waits for STS to name the controller's account before going on without it. */
const HOME_ACCOUNT_TIMEOUT_MS = 3000;

/** Everything reconcilers may be built from. */
export interface ReconcilerDependencies {
  config: ControllerConfig;
  store: ResourceStore;
  keyspace: Keyspace;
  gateway: AwsGateway;
  wakeUps: WakeUps;
  metrics: ControllerMetrics;
  logger: Logger;
  redis: ReturnType<typeof createRedisConnection>;
  /** The replica's run-log source (failure tails, streamOutput); built from the gateway when absent. */
  logs?: CloudWatchRunLogSource;
  /** The run queue's job priority per run, learned by the run reconciler (queue/job-priorities.ts). */
  runPriorities?: JobPriorities;
  /** The replica's home account-region as learned at start; AWS_REGION alone when absent (tests). */
  home?: HomeScope;
}

/** Builds the reconciler of each queue from the other engineers' modules. */
export function buildReconcilers(deps: ReconcilerDependencies): Partial<Record<QueueName, Reconciler>> {
  const { config, store, keyspace, gateway, wakeUps, metrics, logger, redis } = deps;
  const home = deps.home ?? { region: config.aws.region };
  const defaultRegion = home.region;
  const logs = deps.logs ?? createGatewayRunLogSource({ redis, gateway, store, defaultRegion });
  const taskdefs = createTaskdefs({
    redis, keyspace, gateway, wakeUps, defaultRegion, metrics, logger: logger.child({ component: 'taskdef' }),
    revalidateAfterSeconds: config.taskdefRevalidateSeconds,
  });
  const network = createNetworkResolver({ redis, keys: taskdefKeys(keyspace), gateway, holder: `replica ${config.replicaId}` });

  // Every phase change and outcome carries the run's pool (bounded: metrics.poolLabel); attempts begun and
  // tasks seen started are counted at the status write that records them, by whichever writer wins it.
  const onTransition = (from: string, to: string, _event: string, pool: string) => metrics.runTransitions.inc({ from, to, pool: metrics.poolLabel(pool) });
  const onWritten = (before: RunRecord, after: RunRecord) => recordStatusWrite(metrics, after.spec.pool, before.status, after.status);
  const adapter = createRunTaskdefAdapter({ resolver: taskdefs.resolver, network, defaultRegion });
  const breaker = createLaunchBreaker({
    redis,
    key: (region, cluster) => keyspace.key('breaker', 'run-task', region, cluster),
    logger: logger.child({ component: 'breaker' }),
    observer: {
      seen: (target) => {
        metrics.launchBreakerState.set(target, 0);
        metrics.launchBreakerRefused.inc(target, 0);
      },
      position: (target, position) => metrics.launchBreakerState.set(target, BREAKER_POSITIONS.indexOf(position)),
      refused: (target) => metrics.launchBreakerRefused.inc(target),
    },
  });
  const tasks = createRunEcsPort({
    gateway,
    namespace: config.namespace,
    launchDetails: (pool, run, arn) => adapter.launchDetails(pool, run, arn),
    defaultRegion,
    home,
    breaker,
  });
  const limiter = createPoolLimiter(redis, keyspace);
  const run = createRunReconciler({
    store,
    resolver: adapter,
    tasks,
    releaseTaskDefinition: (record, arn, pool) => adapter.release(record, arn, pool),
    // A failed or crashed run's tail is read after it concluded, on the resync queue (never holding it up).
    afterConclusion: async (record, pool) => {
      if (planLogTail(record, pool).kind === 'read') await wakeUps.wake('resync', logTailKey(record.metadata.name));
    },
    limiter,
    wake: (name) => wakeUps.wake('reconcile-run', name),
    ...(deps.runPriorities ? { priorities: deps.runPriorities } : {}),
    cost: (record, pool) => runCost(record.status.attempts, pool?.spec.region ?? defaultRegion ?? 'unknown', config.prices),
    observer: {
      rejected: (event) => metrics.runTransitionsRejected.inc({ event }),
      transition: onTransition,
      written: onWritten,
      // Recorded once per run, when it is finalized: its outcome, duration and cost (a Spot fallback is
      // counted earlier, by onWritten, when the run's first on-demand attempt is opened).
      concluded: (outcome, record, cost) => {
        metrics.runsCompleted.inc({ outcome, pool: metrics.poolLabel(record.spec.pool) });
        recordRunCost(metrics, metrics.poolLabel(record.spec.pool), cost);
        const seconds = (Date.now() - Date.parse(record.metadata.creationTimestamp)) / 1000;
        if (seconds >= 0) metrics.runDuration.observe({ outcome }, seconds);
      },
    },
  });
  const eventHealth = eventHealthOf(redis, keyspace, home);
  const arnTargets = createArnTargets(() => poolRoles(store));
  const resync = createResyncReconciler({
    store,
    clustersDue: (clusters) => eventHealth.clustersDue(clusters),
    gateway,
    targetOf: arnTargets,
    wake: (queue, key, options) => wakeUps.wake(queue, key, options),
    onRejected: (event) => metrics.runTransitionsRejected.inc({ event }),
    onTransition,
    onWritten,
    // A task seen RUNNING frees its run's submitting slot here, without waking the run (wake-policy.ts).
    releaseSlots: async (pool, name, keep) => {
      for (const waiter of await limiter.release(pool, name, keep)) await wakeUps.wake('reconcile-run', waiter);
    },
    logger: logger.child({ component: 'resync' }),
    seen: redisSeenTaskStore(redis, (cluster) => keyspace.key('resync-seen', cluster)),
    backoff: {
      troubles: redisResyncTroubleStore(redis, (cluster) => keyspace.key('resync-trouble', cluster)),
      // Created at 0 the first time this replica resyncs the cluster, so a rate() sees the first failure.
      onSeen: (cluster) => metrics.resyncFailures.inc({ cluster }, 0),
      onFailure: (cluster) => metrics.resyncFailures.inc({ cluster }),
    },
  });
  const finalize = finalizeRecoveryFor(store, (name) => wakeUps.wake('reconcile-run', name));
  const orphans = {
    namespace: config.namespace,
    store: orphanSweepStore(store),
    gateway,
    targetOf: arnTargets,
    defaultRegion,
    wake: (queue: 'reconcile-run' | 'resync', key: string) => wakeUps.wake(queue, key),
    onStopped: (cause: string) => metrics.orphanTasksStopped.inc({ cause }),
  };
  const cleanup = createCleanupReconciler({ store, finalize, orphans, logger: logger.child({ component: 'cleanup' }) });
  const logTail = createLogTailReconciler({
    namespace: config.namespace,
    store,
    source: logs,
    tries: redisLogTailTries(redis, (name) => keyspace.key('log-tail-tries', name)),
    logger: logger.child({ component: 'log-tail' }),
    onRecorded: (result) => metrics.runLogTails.inc({ result }),
  });
  return { 'reconcile-run': run, 'register-taskdef': taskdefs.reconciler, resync: withLogTails(withCleanup(resync, cleanup), logTail) };
}

/**
 * Task-event health per account-region, shared through Redis (the resync reads it, the event consumers report
 * to it). The hashes have names of their own: earlier versions kept plain keys `task-events:receiving` and
 * `task-events:evidence`, which a replica of such a version may still be writing during an upgrade.
 */
function eventHealthOf(redis: ReturnType<typeof createRedisConnection>, keyspace: Keyspace, home: HomeScope) {
  return redisEventHealth(redis, {
    receiving: keyspace.key('task-events', 'receiving-by-queue'), evidence: keyspace.key('task-events', 'evidence-by-scope'), ticks: keyspace.key('resync', 'ticks'),
  }, { home: { region: home.region, account: home.account } });
}

export async function startController(config: ControllerConfig, logger: Logger): Promise<RunningController> {
  // The home account-region (the Region the SDK sends region-less calls to, the account of the controller's
  // credentials) is learned while Redis is awaited: budget keys are derived from it (aws/budget-keys.ts).
  const learningHome = learnOwnHome({
    configuredRegion: config.aws.region,
    resolveRegion: sdkDefaultRegion,
    callerAccount: stsCallerAccount({ endpointUrl: config.aws.endpointUrl, requestTimeoutMs: HOME_ACCOUNT_TIMEOUT_MS }),
    timeoutMs: HOME_ACCOUNT_TIMEOUT_MS,
  });
  // ioredis reconnects by itself. Its errors are logged once per interval per kind (every connection reports
  // the same outage), and each connection that had failed says when it is back.
  const redisLog = throttledLogger(logger);
  let lastCommandConnectionError: unknown;
  const watch = (connection: ReturnType<typeof createRedisConnection>, role: string) => {
    let failing = false;
    connection.on('error', (error: Error) => {
      failing = true;
      if (role === 'command') lastCommandConnectionError = error;
      const { message, code } = errorSummary(error);
      const hint = isTlsProtocolError(error) ? 'TLS handshake failed — is the server TLS-enabled?' : undefined;
      redisLog.log('warn', `redis:${message}`, { connection: role, error: message, code, hint }, 'redis connection error');
    });
    connection.on('ready', () => {
      if (!failing) return;
      failing = false;
      logger.info({ connection: role }, 'redis connection restored');
    });
    return connection;
  };
  const connect = (name: string, blocking = false) =>
    watch(createRedisConnection(redisTarget(config), `longshore:${config.replicaId}:${name}`, blocking ? 'blocking' : 'command', config.redisTimeouts), name);
  const redis = connect('command');
  const queueConnection = connect('queues');
  const followerConnection = connect('changes', true);
  const controlConnection = connect('control', true);
  // Start-up waits a bounded time for Redis, then gives up: a replica that never reached Redis has nothing
  // to serve, and exiting (1, with the reason as the last log line) makes the orchestrator show it and
  // retry with its own backoff. After start, an outage never ends the process: /readyz answers 503 and
  // the connections reconnect.
  const neverAnswered = await awaitRedis(redis, config.redisStartupTimeoutMs);
  if (neverAnswered !== undefined) {
    const cause = lastCommandConnectionError ?? neverAnswered;
    await closeRedis(redis, queueConnection, followerConnection, controlConnection);
    // The probe behind the explanation dials the URL's one address; a cluster is named by its seed nodes
    // instead, and the first of them is asked directly what is wrong (ioredis keeps only a summary).
    const explained = config.redisClusterNodes
      ? describeClusterFailure(describeRedisTarget(redisTarget(config)), config.redisUrl, cause, await seedNodeError(redisTarget(config), config.redisTimeouts))
      : await explainRedisFailure(config.redisUrl, cause, { probeTimeoutMs: config.redisTimeouts.connectMs, timeoutMs: config.redisTimeouts.commandMs });
    const reason = explained ?? `${describeRedisTarget(redisTarget(config))}: ${errorSummary(cause).message}`;
    // No `cause`: pino would append its message to this one, which already explains it.
    throw new Error(`Redis did not answer within ${config.redisStartupTimeoutMs / 1000} s of start-up: ${reason}`);
  }
  for (const problem of await redisConfigurationProblems(redis)) logger.warn({ problem }, 'redis misconfigured');

  const store = new ResourceStore(redis, { namespace: config.namespace, finishedRunRetentionSeconds: config.runRetentionSeconds });
  const keyspace = store.keyspace;
  const learned = await learningHome;
  for (const problem of learned.problems) {
    logger.warn({ problem }, 'home account-region not fully known: a pool whose roleArn is in the controller\'s own account keeps budgets of its own');
  }
  // A replica STS did not answer takes the account its namespace's other replicas learned (same Region only).
  const home = withRecordedAccount(learned.home, await readHomeRecord(redis, keyspace).catch(() => undefined));
  const metrics = createMetrics({
    processMetrics: true, namespace: config.namespace, replica: config.replicaId, build: buildInfo(), memoryLimitBytes: containerMemoryLimitBytes(),
    region: home.region, accountLabel: config.metricsAccountLabel,
  });
  // Clients per (Region, role) and budgets per account-region: a pool's calls go where the pool says.
  const clientPool = createAwsClientPool({ region: config.aws.region, endpointUrl: config.aws.endpointUrl });
  // The API server and the CLI build the same budgets for this namespace's runs' logs (namespace-budgets.ts).
  const budgetsFor = namespaceBudgets({ redis, keyspace, budgets: config.budgets, home, clockScale: config.budgetTimeScale });
  /** The controller's own account in its own Region. */
  const homeBudgets = budgetsFor(scopeOf(undefined, home));
  /** Each account-region's budgets, for the store gauges (every account-region the pools use). */
  const budgetsByScope = new Map<string, RedisBudgets>();
  const scopedBudgets = (scope: BudgetScope): RedisBudgets => {
    const key = `${scope.account}/${scope.region}`;
    let budgets = budgetsByScope.get(key);
    if (budgets === undefined) {
      budgets = budgetsFor(scope);
      budgetsByScope.set(key, budgets);
    }
    return budgets;
  };
  const gateway = createRoutedGateway({
    clientPool,
    home,
    budgetsFor,
    metrics, logger: logger.child({ component: 'gateway' }), maxWaitMs: config.budgetMaxWaitMs,
  });
  const queues = createQueues(queueConnection, config.namespace, logger);
  const pendingWakeUps = createPendingWakeUps(redis, keyspace);
  // Runs of higher-priority pools are reconciled first (issue 11): learned per run by the run reconciler.
  const runPriorities = createJobPriorities();
  const wakeUps = createWakeUps(queues, pendingWakeUps, runPriorities);

  const logs = createGatewayRunLogSource({ redis, gateway, store, defaultRegion: home.region });
  const arnTargets = createArnTargets(() => poolRoles(store));
  const reconcilers = buildReconcilers({ config, store, keyspace, gateway, wakeUps, metrics, logger, redis, logs, runPriorities, home });
  const workers = startWorkers({
    namespace: config.namespace, replicaId: config.replicaId, reconcilers, concurrency: config.concurrency,
    connect: (name) => watch(createRedisConnection(redisTarget(config), name, 'blocking', config.redisTimeouts), name), queues, pendingWakeUps, logger, metrics,
    lockDurationMs: config.jobLockMs, runPriorities,
  });
  await scheduleResync(queues, config.resyncIntervalMs);
  await scheduleSweep(queues, CLEANUP_KEYS.retention, RETENTION_SWEEP_INTERVAL_MS);
  await scheduleSweep(queues, CLEANUP_KEYS.orphans, config.orphanSweepIntervalMs);

  const feed = store.changeFeed(followerConnection);
  const control = store.controlStream(controlConnection);
  const group = 'controller';
  await feed.ensureGroup(group, '0');
  await control.ensureGroup(group);
  const handleControl = createControlHandler({
    store, gateway, wake: (queue, key) => wakeUps.wake(queue, key), logger: logger.child({ component: 'control' }), targetOf: arnTargets,
    reply: (id, answer) => store.controlStream().reply(id, answer),
  });
  const sourceOptions = { group, consumer: config.replicaId, logger, metrics };
  const followers: RunningFollower[] = [
    startStreamFollower({
      name: 'changes', logger, claimIdleMs: config.jobLockMs,
      source: changeFeedSource(feed, sourceOptions),
      handle: async (change) => {
        if (changeWakesRun(change)) await wakeUps.wake('reconcile-run', change.name);
      },
    }),
    startStreamFollower({
      name: 'control', logger, batchSize: 20, claimIdleMs: config.jobLockMs,
      source: controlStreamSource(control, sourceOptions),
      handle: handleControl,
    }),
  ];
  // The optional event sources: the home queue and the pools' own, one consumer each, kept in step with the
  // pools; stopped with the followers (they, too, only feed wake-ups).
  const eventHealth = eventHealthOf(redis, keyspace, home);
  const eventLimiter = createPoolLimiter(redis, keyspace);
  const startConsumer = (source: EventSource) => {
    // Counted per account-region of the queue (the pool's target), a bounded label set like the AWS calls'.
    const scope = metrics.awsScopeLabels(scopeOf(source.target, home));
    for (const result of TASK_EVENT_RESULTS) metrics.taskEvents.inc({ result, ...scope }, 0);
    return startTaskEventConsumer({
      source: sqsTaskEventSource(clientPool.clientsFor(source.target).sqs, source.queueUrl),
      store,
      wake: (queue, key, options) => wakeUps.wake(queue, key, options),
      onRejected: (event) => metrics.runTransitionsRejected.inc({ event }),
      onTransition: (from, to, _event, pool) => metrics.runTransitions.inc({ from, to, pool: metrics.poolLabel(pool) }),
      onWritten: (before, after) => recordStatusWrite(metrics, after.spec.pool, before.status, after.status),
      // As the resync does: a task seen RUNNING frees its submitting slot without waking its run.
      releaseSlots: async (pool, name, keep) => {
        for (const waiter of await eventLimiter.release(pool, name, keep)) await wakeUps.wake('reconcile-run', waiter);
      },
      onResult: (result, origin) => {
        metrics.taskEvents.inc({ result, ...scope });
        eventHealth.judged(result, origin, source.queueUrl).catch(() => undefined);
      },
      // Best effort: a failed health note must not lose the batch just received (the resync then stays frequent).
      onReceived: () => eventHealth.received(source.queueUrl).catch(() => undefined),
      logger: logger.child({ component: 'task-events', queueUrl: source.queueUrl }),
    });
  };
  const eventSupervisor = startEventSupervisor({
    homeQueueUrl: config.taskEventsQueueUrl,
    homeRegion: home.region,
    listPools: async () => (await listAll((cursor) => store.listPools(cursor === undefined ? {} : { cursor }))).map((pool) => ({ name: pool.metadata.name, spec: pool.spec })),
    start: startConsumer,
    logger: logger.child({ component: 'task-events' }),
    intervalMs: EVENT_SOURCES_INTERVAL_MS,
  });
  followers.push(eventSupervisor);
  await wakeUnfinishedRuns(store, wakeUps);
  // In the background: counts read the records until every stopped run is in the outcome index (store/counts.ts).
  let stopping = false;
  const outcomeIndexing = store.indexOutcomes(() => stopping).then(
    (added) => { if (added > 0) logger.info({ added }, 'stopped runs added to the outcome index'); },
    (error: unknown) => logger.warn({ err: error }, 'indexing stopped runs by outcome failed; the next start tries again'),
  );
  // streamOutput: one replica (the lease holder) forwards each such run's output into this log.
  const outputForwarding = startOutputForwarding({
    namespace: config.namespace,
    store,
    source: logs,
    leases: redisOutputLeases(redis, (kind, run) => keyspace.key(kind, run), config.replicaId, OUTPUT_LEASE_MS),
    logger: logger.child({ component: 'run-output' }),
    scanIntervalMs: OUTPUT_SCAN_INTERVAL_MS,
    onLine: (result) => metrics.runOutputLines.inc({ result }),
    onForwarders: (count) => metrics.runOutputForwarders.set(count),
  });
  const registration = startReplicaRegistration({ redis, keyspace, replica: config.replicaId, logger });
  // For the API's pool status and `pool describe`, which derive this namespace's budget keys from it.
  const homeRecording = startHomeRecording({ redis, keyspace, replica: config.replicaId, home, logger });
  await homeRecording.started;

  const storeGauges = startStoreGaugeExporter({
    redis, keyspace, replicaId: config.replicaId, metrics, intervalMs: STORE_GAUGE_INTERVAL_MS,
    sampleQueues: sampleQueueDepth(queues, metrics),
    budgetScopes: async () => budgetScopesOfPools((await listAll((cursor) => store.listPools(cursor === undefined ? {} : { cursor }))).map((pool) => pool.spec), home),
    budgetLevel: (scope, category) => scopedBudgets(scope).level(category),
    budgetCapacity: (category) => homeBudgets.usableBurst(category),
    poolShares: async (scopes) => (await Promise.all(scopes.map((scope) => readScopeShares(redis, keyspace, scope, home)))).flat(),
    redisAnswers: () => redisAnswers(redis),
  });
  const http = await startHttpServer({
    host: config.metricsHost, port: config.metricsPort, registry: metrics.registry,
    readiness: { redis: () => redisAnswers(redis), workers: () => workers.started() },
  });

  // One-process installs: the HTTP API in this process, its metrics on this registry.
  const api = config.api.enabled ? await startApi(config, logger, { registry: metrics.registry }) : undefined;
  if (api) logger.info({ url: api.url }, 'API serving');

  const ownConnections = { command: redis, queues: queueConnection, changes: followerConnection, control: controlConnection };
  let step = 'running';
  return {
    metricsPort: http.port,
    ...(api ? { apiPort: api.port } : {}),
    metrics,
    async stop() {
      stopping = true;
      step = 'api';
      await api?.stop();
      step = 'stream followers';
      await Promise.all(followers.map((f) => f.stop()));
      step = 'output forwarding';
      await outputForwarding.stop();
      step = 'outcome indexing';
      await outcomeIndexing;
      step = 'workers';
      const result = await workers.stop(config.shutdownGraceMs);
      step = 'replica registration';
      homeRecording.stop();
      await registration.stop();
      step = 'store gauges';
      await storeGauges.stop();
      step = 'queues';
      await closeQueues(queues);
      clientPool.destroy();
      step = 'redis connections';
      await closeRedis(...Object.values(ownConnections));
      step = 'http server';
      await http.close();
      step = 'stopped';
      return result;
    },
    shutdownReport: () => ({
      step,
      openRedisConnections: [
        ...Object.entries(ownConnections).filter(([, c]) => redisConnectionOpen(c)).map(([name, c]) => `${name} (${c.status})`),
        ...workers.openConnections(),
      ],
    }),
  };
}

/**
 * On start, every run not yet stopped gets a wake-up, so nothing waits on a change that came while no replica
 * ran; so does every stopped run not yet finalized (after the finalize recovery's checkpoint).
 */
async function wakeUnfinishedRuns(store: ResourceStore, wakeUps: WakeUps): Promise<void> {
  const wake = (name: string) => wakeUps.wake('reconcile-run', name);
  await wakeUnfinalizedRuns(finalizeRecoveryFor(store, wake), Date.now(), Date.now() - FINALIZE_GRACE_MS);
  for (const phase of PHASES.filter((p) => p !== 'stopped')) {
    let cursor: string | undefined;
    do {
      const page = await store.listRuns({ phase, limit: 500, cursor });
      await Promise.all(page.items.map((run) => wake(run.metadata.name)));
      cursor = page.cursor;
    } while (cursor);
  }
}
