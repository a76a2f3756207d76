/**
 * One benchmark run: a dedicated redis-server, the simulator in-process, N controller replicas as child
 * processes, one pool; then up to three phases on the same processes:
 *   burst  — R runs submitted at once, waited until every one stopped (speed, API economy, Redis commands, CPU);
 *   cancel — C long runs, every one RUNNING, then all cancelled at once (cancel → StopTask latency, StopTask calls);
 *   rest   — T long runs RUNNING and nothing changing, watched for a while (resync CPU, DescribeTasks, memory).
 * Everything started here is stopped here, whatever happens.
 */
import { randomBytes } from 'node:crypto';
import { cpus, loadavg, totalmem } from 'node:os';
import { Redis } from 'ioredis';
import type { RunRecord } from '../../controller/api/run.js';
import { PHASES, type Phase } from '../../controller/api/run-status.js';
import { THROTTLE_CATEGORIES, budgetEnvName } from '../../controller/aws/budgets.js';
import { ResourceStore, keyspace, storeKeys, listAll } from '../../controller/store/index.js';
import { bullPrefix } from '../../controller/queue/queues.js';
import { startSimulator, type RunningSimulator } from '@longshore/simulator';
import { computeFigures, percentile, type Figures } from './figures.js';
import { fetchMetrics, keyspaceMemory, metricByLabel, processMemory, redisUsedMemory, sumMetric } from '../probes.js';
import { startReplica, waitReady, type Replica } from '../replicas.js';
import { commandDelta, parseCommandStats, startDedicatedRedis, type DedicatedRedis } from './redis-server.js';
import { headlineFigures, type Headline } from './headline.js';
import { benchPools, longRunDocuments, planRuns, poolDocument, type OutcomeMix } from './workload.js';
import { priorityPhase, sharePhase, type PriorityReading, type ShareReading } from './share-phase.js';

export interface BenchOptions {
  /** Runs of the burst phase (0: no burst phase). */
  runs: number;
  definitions: number;
  replicas: number;
  /** Regions the burst's pools are spread over, one pool each (`--regions`; 1: the one `bench` pool). */
  regions: number;
  timeScale: number;
  seed: number;
  /** `aws` (the simulator's AWS-like phase timings), `quick` (short phases) or a scenario JSON file. */
  scenario: string;
  mix: OutcomeMix;
  /** Simulated seconds each task runs. */
  runSeconds: number;
  /** Simulated seconds between task resyncs (the controller's default is 10). */
  resyncSeconds: number;
  /** Also feed task state change events through SQS. */
  events: boolean;
  /** Budgets (LONGSHORE_BUDGET_*) and the simulator's throttles off: measures the controller, not ECS. */
  unthrottled: boolean;
  /** Runs cancelled at once in the cancel phase (0: no cancel phase). */
  cancelRuns: number;
  /** Tasks kept RUNNING in the rest phase (0: no rest phase), and the real seconds it is watched. */
  restTasks: number;
  restSeconds: number;
  /** Real seconds allowed for every wait (all stopped, all running). */
  deadlineSeconds: number;
  /** A directory for each replica's CPU profile (node --cpu-prof), written when it stops. */
  cpuProfDir?: string;
  /** More node/V8 flags for each replica (a later flag overrides the same flag before it). */
  replicaNodeArgs?: string[];
  /** The share phase (share-phase.ts): two pools of these weights, `shareRuns` runs each at once. */
  shareWeights?: [number, number];
  shareRuns?: number;
  /** The priority phase (share-phase.ts): [backlog runs at priority 0, urgent runs at priority 1]. */
  priorityBacklog?: [number, number];
  /** Progress lines (stderr by default). */
  log: (line: string) => void;
  /** Ends the wait early (Ctrl-C); everything is still read, reported and cleaned up. */
  signal?: AbortSignal;
}

export const QUICK_PHASES = { provisioning: 1, pending: 2, activating: 0.5, running: 2, deactivating: 0.5, stopping: 0.5, deprovisioning: 1 };
/** The simulator's scenario for `--scenario`: `aws` (its defaults), `quick`, or a file path. */
export function scenarioOf(name: string): object | string {
  return name === 'aws' ? {} : name === 'quick' ? { phases: QUICK_PHASES } : name;
}
/** Simulated seconds a task of the cancel and rest phases runs: longer than any benchmark (11.6 days; the simulator's timers hold at most 2^31 ms). */
const LONG_RUN_SECONDS = 1_000_000;
/** A budget no benchmark reaches: `--unthrottled` sets every LONGSHORE_BUDGET_* to it. */
const UNLIMITED_BUDGET = '1000000/1000000';

export interface CancelReading {
  runs: number;
  /** Real ms from the cancel messages being sent to the simulator receiving each task's StopTask. */
  latencyMs: { p50: number; p99: number; max: number };
  /** Runs whose task never received a StopTask. */
  notStopped: number;
  stopTaskCalls: number;
  stopTaskCallsPerRun: number;
  allStoppedRealSeconds?: number;
}

export interface RestReading {
  tasks: number;
  realSeconds: number;
  /** CPU seconds per real second of each replica while watched (process.cpuUsage as the replica reports it). */
  coresPerReplica: Record<string, number>;
  describeTasks: number;
  /** DescribeTasks ÷ (tasks × simulated minutes watched). */
  describeTasksPerRunMinute: number;
  redisCommandsPerSecond: number;
  /** The replicas' Redis commands during the watch, by command, most frequent first. */
  redisCommandsByCommand: Record<string, number>;
}

export interface BurstReading {
  figures: Figures;
  /** Commands of every replica (INFO commandstats of the dedicated server, the benchmark's own polling taken out). */
  redisCommands: { total: number; byCommand: Record<string, number> };
  /** CPU seconds of each replica between submit and every run stopped. */
  controllerCpuSeconds: Record<string, number>;
  memory: { redisUsedMemoryBytes: { before: number; peak: number; after: number }; namespaceAtEnd: { keys: number; bytes: number } };
  simulatorProcessCpuSeconds: number;
}

export interface BenchReport extends Headline {
  startedAt: string;
  /** The Redis namespace the run used. */
  namespace: string;
  machine: { cpus: number; cpuModel: string; totalMemoryBytes: number; node: string; platform: string; loadAverageAtStart: number[] };
  loadAverage: { start: number[]; end: number[] };
  redis: { url: string; dedicated: true };
  options: Omit<BenchOptions, 'log' | 'signal'>;
  burst?: BurstReading;
  cancel?: CancelReading;
  rest?: RestReading;
  share?: ShareReading;
  priority?: PriorityReading;
  /** Peak RSS (VmHWM) of each replica at the end of every phase. */
  controllersPeakRssBytes: Record<string, number | undefined>;
  passed: boolean;
  failures: string[];
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const round = (value: number, digits = 3) => Math.round(value * 10 ** digits) / 10 ** digits;
const loadAverage = () => loadavg().map((x) => round(x, 2));

/** Commands the benchmark itself sends while phases are measured, so they can be taken out of the counts. */
class OwnCommands {
  readonly counts: Record<string, number> = {};
  add(command: string, n = 1) {
    this.counts[command] = (this.counts[command] ?? 0) + n;
  }
}

/** The benchmark's view of the replicas: their own CPU figure (process.cpuUsage through /metrics). */
async function replicaCpuSeconds(replicas: Replica[]): Promise<number[]> {
  return Promise.all(replicas.map(async (r) => sumMetric(await fetchMetrics(r.metricsPort), 'longshore_process_cpu_seconds_total')));
}

export async function runBenchmark(options: BenchOptions): Promise<BenchReport> {
  const startedAt = new Date().toISOString();
  const loadAverageAtStart = loadAverage();
  const namespace = `bench-${randomBytes(3).toString('hex')}`;
  const ks = keyspace(namespace);
  const keys = storeKeys(ks);
  const redisServer: DedicatedRedis = await startDedicatedRedis();
  const redis = new Redis(redisServer.url, { lazyConnect: true, maxRetriesPerRequest: 2 });
  const replicas: Replica[] = [];
  let sim: RunningSimulator | undefined;
  const failures: string[] = [];
  try {
    await redis.connect();
    const scenario = scenarioOf(options.scenario);
    // When each task first receives a StopTask (UserInitiated), for the cancel phase's latency.
    const stopReceived = new Map<string, number>();
    sim = await startSimulator({
      timeScale: options.timeScale, seed: options.seed, scenario, throttling: options.unthrottled ? false : undefined,
      onTaskChange: (task) => {
        const arn = task.taskArn;
        if (task.stopCode === 'UserInitiated' && typeof arn === 'string' && !stopReceived.has(arn)) stopReceived.set(arn, Date.now());
      },
    });
    options.log(`simulator ${sim.url}: time scale ×${options.timeScale}, seed ${sim.seed}, scenario ${options.scenario}, ` +
      `${options.unthrottled ? 'throttles off' : 'AWS-default throttles'}; Redis ${redisServer.url} (dedicated)`);
    const env: Record<string, string> = {
      REDIS_URL: redisServer.url, LONGSHORE_NAMESPACE: namespace, AWS_ENDPOINT_URL: sim.url, AWS_REGION: sim.region,
      AWS_ACCESS_KEY_ID: 'bench', AWS_SECRET_ACCESS_KEY: 'bench', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      LONGSHORE_BUDGET_TIME_SCALE: String(options.timeScale),
      LONGSHORE_RESYNC_INTERVAL_SECONDS: String(options.resyncSeconds / options.timeScale),
      LONGSHORE_SHUTDOWN_GRACE_SECONDS: '5', LONGSHORE_LOG_LEVEL: 'warn',
    };
    if (options.unthrottled) for (const category of THROTTLE_CATEGORIES) env[budgetEnvName(category)] = UNLIMITED_BUDGET;
    if (options.events) env.LONGSHORE_TASK_EVENTS_QUEUE_URL = sim.eventQueueUrl;
    const nodeArgs = [...(options.cpuProfDir === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${options.cpuProfDir}`]), ...(options.replicaNodeArgs ?? [])];
    for (let i = 0; i < options.replicas; i += 1) replicas.push(await startReplica(`replica-${i + 1}`, env, 'longshore-bench', nodeArgs));
    await Promise.all(replicas.map((r) => waitReady(r, 60_000)));
    options.log(`${replicas.length} replicas ready (namespace ${namespace}); logs ${replicas.map((r) => r.logFile).join(', ')}`);

    const store = new ResourceStore(redis, { namespace });
    const pools = benchPools(options.regions);
    await store.submit(pools.map(poolDocument), { mode: 'apply' });
    const controllerRegion = sim.region;
    options.log(`pools: ${pools.map((p) => `${p.name} (${p.region ?? `${controllerRegion}, the controller's Region`})`).join(', ')}`);
    const own = new OwnCommands();
    const poller = new PhasePoller(redis, keys, options, replicas, own);
    const context = { options, store, redis, sim, replicas, own, poller, failures, stopReceived, namespace, pattern: ks.pattern };

    const burst = options.runs > 0 ? await burstPhase(context) : undefined;
    const cancel = options.cancelRuns > 0 && !options.signal?.aborted ? await cancelPhase(context) : undefined;
    const rest = options.restTasks > 0 && !options.signal?.aborted ? await restPhase(context) : undefined;
    const shareContext = {
      store, timeScale: options.timeScale, definitions: options.definitions, runSeconds: options.runSeconds, deadlineSeconds: options.deadlineSeconds,
      log: options.log, ...(options.signal ? { signal: options.signal } : {}),
    };
    const share = options.shareWeights !== undefined && !options.signal?.aborted ? await sharePhase(shareContext, options.shareWeights, options.shareRuns ?? 1000) : undefined;
    const priority = options.priorityBacklog !== undefined && !options.signal?.aborted
      ? await priorityPhase(shareContext, options.priorityBacklog[0], options.priorityBacklog[1]) : undefined;
    if (share !== undefined && share.launched.some((n) => n < share.runsPerPool)) failures.push(`share: not every run launched within ${options.deadlineSeconds} s`);
    if (priority !== undefined && priority.urgentLastLaunchSimulatedSeconds === undefined) failures.push(`priority: not every urgent run launched within ${options.deadlineSeconds} s`);

    const peaks = await Promise.all(replicas.map(async (r) => [r.name, (await processMemory(r.pid)).peakRssBytes] as const));
    for (const r of replicas) if (r.exitCode() !== null) failures.push(`${r.name} exited with ${r.exitCode()} during the benchmark; see ${r.logFile}`);
    if (options.signal?.aborted) failures.push('interrupted before the benchmark ended');
    const { log: _log, signal: _signal, ...reported } = options;
    const controllersPeakRssBytes = Object.fromEntries(peaks);
    return {
      startedAt,
      namespace,
      machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model ?? 'unknown', totalMemoryBytes: totalmem(), node: process.version, platform: process.platform, loadAverageAtStart },
      loadAverage: { start: loadAverageAtStart, end: loadAverage() },
      redis: { url: redisServer.url, dedicated: true },
      options: { ...reported, seed: sim.seed },
      ...headlineFigures({ burst, cancel, rest, controllersPeakRssBytes, options }),
      burst, cancel, rest, share, priority, controllersPeakRssBytes,
      passed: failures.length === 0,
      failures,
    };
  } finally {
    await Promise.all(replicas.map((r) => r.stop(15_000)));
    await sim?.close();
    redis.disconnect();
    await redisServer.stop();
    options.log(`stopped the replicas, the simulator and the dedicated Redis (${redisServer.url})`);
  }
}

interface PhaseContext {
  options: BenchOptions;
  store: ResourceStore;
  redis: Redis;
  sim: RunningSimulator;
  replicas: Replica[];
  own: OwnCommands;
  poller: PhasePoller;
  failures: string[];
  stopReceived: Map<string, number>;
  namespace: string;
  pattern: string;
}

async function commandStats(ctx: PhaseContext): Promise<Record<string, number>> {
  return parseCommandStats(await ctx.redis.info('commandstats'));
}

/** The replicas' commands between two snapshots: INFO is left out (every connection's ready check sends one). */
function replicaCommands(before: Record<string, number>, after: Record<string, number>, ownBefore: Record<string, number>, ownAfter: Record<string, number>) {
  const byCommand = commandDelta(before, after);
  delete byCommand.info;
  for (const [command, n] of Object.entries(commandDelta(ownBefore, ownAfter))) {
    if (byCommand[command] === undefined) continue;
    byCommand[command] -= n;
    if (byCommand[command] <= 0) delete byCommand[command];
  }
  const sorted = Object.fromEntries(Object.entries(byCommand).sort((a, b) => b[1] - a[1]));
  return { total: Object.values(byCommand).reduce((a, b) => a + b, 0), byCommand: sorted };
}

async function burstPhase(ctx: PhaseContext): Promise<BurstReading> {
  const { options, store, redis, sim, replicas, own } = ctx;
  const pools = benchPools(options.regions).map((p) => p.name);
  const planned = planRuns({ runs: options.runs, definitions: options.definitions, mix: options.mix, seed: options.seed, runSeconds: options.runSeconds, pools });
  const redisBefore = await redisUsedMemory(redis);
  const cpuBefore = process.cpuUsage();
  const controllerCpuBefore = await replicaCpuSeconds(replicas);
  const ownBefore = { ...own.counts };
  const statsBefore = await commandStats(ctx);

  const submitStartedMs = Date.now();
  await store.submit(planned.map((p) => p.document), { mode: 'create' });
  options.log(`burst: submitted ${planned.length} runs in ${((Date.now() - submitStartedMs) / 1000).toFixed(2)} s`);
  const stopped = await ctx.poller.until('burst', submitStartedMs, (counts) => counts.stopped >= options.runs);

  const statsAfter = await commandStats(ctx);
  const ownAfter = { ...own.counts };
  const controllerCpuAfter = await replicaCpuSeconds(replicas);
  const cpuUsed = process.cpuUsage(cpuBefore);
  const records: RunRecord[] = await listAll((cursor) => store.listRuns({ limit: 500, cursor }));
  const audit = sim.audit();
  const readings = await Promise.all(replicas.map(async (r, i) => {
    const metrics = await fetchMetrics(r.metricsPort);
    return {
      name: r.name,
      throttles: metricByLabel(metrics, 'longshore_ecs_api_throttles_total', 'action'),
      budgetExhausted: metricByLabel(metrics, 'longshore_budget_exhausted_total', 'category'),
      // Since the replica started; the burst is its first phase, so this is the burst's work (plus start-up's).
      reconciles: metricByLabel(metrics, 'longshore_reconcile_total', 'reconciler'),
      peakRssBytes: (await processMemory(r.pid)).peakRssBytes,
      cpuSeconds: round(controllerCpuAfter[i] - controllerCpuBefore[i], 2),
    };
  }));
  const redisAfter = await redisUsedMemory(redis);
  const figures = computeFigures({
    timeScale: options.timeScale, definitions: options.definitions, kinds: new Map(planned.map((p) => [p.name, p.kind])),
    records, submitStartedMs, allStoppedMs: stopped.atMs, audit, replicas: readings,
  });
  ctx.failures.push(...judge(figures, options));
  return {
    figures,
    redisCommands: replicaCommands(statsBefore, statsAfter, ownBefore, ownAfter),
    controllerCpuSeconds: Object.fromEntries(readings.map((r) => [r.name, r.cpuSeconds])),
    memory: {
      redisUsedMemoryBytes: { before: redisBefore, peak: Math.max(stopped.redisPeak, redisAfter), after: redisAfter },
      namespaceAtEnd: await keyspaceMemory(redis, ctx.pattern),
    },
    simulatorProcessCpuSeconds: round((cpuUsed.user + cpuUsed.system) / 1e6, 2),
  };
}

/** Submits `count` long runs named `<prefix>-<i>` and waits until `running` of them (and any before) run. */
async function submitLongRuns(ctx: PhaseContext, prefix: string, count: number): Promise<string[] | undefined> {
  const pools = benchPools(ctx.options.regions).map((p) => p.name);
  const documents = longRunDocuments(prefix, count, { definitions: ctx.options.definitions, runSeconds: LONG_RUN_SECONDS, pools });
  const startedMs = Date.now();
  for (let i = 0; i < documents.length; i += 1000) await ctx.store.submit(documents.slice(i, i + 1000), { mode: 'create' });
  const base = await ctx.poller.counts();
  ctx.options.log(`${prefix}: submitted ${count} long runs in ${((Date.now() - startedMs) / 1000).toFixed(2)} s`);
  const target = base.running + base.pending + base['taskdef-resolved'] + base.submitted;
  const reached = await ctx.poller.until(prefix, startedMs, (counts) => counts.running >= target);
  if (reached.atMs === undefined) {
    ctx.failures.push(`${prefix}: not every one of ${count} runs reached RUNNING within ${ctx.options.deadlineSeconds} s`);
    return undefined;
  }
  return documents.map((d) => d.metadata.name);
}

async function cancelPhase(ctx: PhaseContext): Promise<CancelReading | undefined> {
  const { options, store, sim } = ctx;
  const names = await submitLongRuns(ctx, 'cancel', options.cancelRuns);
  if (names === undefined) return undefined;
  const records = await store.getRuns(names);
  const taskOf = new Map(records.map((r) => [r?.metadata.name ?? '', r?.status.attempts.at(-1)?.taskArn]));
  const stopTasks = () => {
    const c = sim.audit().calls.StopTask;
    return c === undefined ? 0 : c.ok + c.throttled + c.error;
  };
  const stopTasksBefore = stopTasks();
  const stoppedBefore = (await ctx.poller.counts()).stopped;
  const sentMs = Date.now();
  await Promise.all(names.map((run) => store.sendControl({ type: 'cancel', run, reason: 'benchmark: cancelled at once' })));
  options.log(`cancel: ${names.length} cancel messages sent in ${Date.now() - sentMs} ms`);
  const stopped = await ctx.poller.until('cancel', sentMs, (counts) => counts.stopped >= stoppedBefore + names.length);
  // The last StopTask may land after the run is recorded stopped by the resync: give the simulator a moment.
  await sleep(500);
  const latencies: number[] = [];
  let notStopped = 0;
  for (const name of names) {
    const arn = taskOf.get(name);
    const at = arn === undefined ? undefined : ctx.stopReceived.get(arn);
    if (at === undefined) notStopped += 1;
    else latencies.push(at - sentMs);
  }
  latencies.sort((a, b) => a - b);
  if (notStopped > 0) ctx.failures.push(`cancel: ${notStopped} of ${names.length} cancelled runs' tasks never received a StopTask`);
  if (stopped.atMs === undefined) ctx.failures.push(`cancel: not every cancelled run stopped within ${options.deadlineSeconds} s`);
  const stopTaskCalls = stopTasks() - stopTasksBefore;
  return {
    runs: names.length,
    latencyMs: { p50: percentile(latencies, 50), p99: percentile(latencies, 99), max: percentile(latencies, 100) },
    notStopped,
    stopTaskCalls,
    stopTaskCallsPerRun: round(stopTaskCalls / names.length),
    allStoppedRealSeconds: stopped.atMs === undefined ? undefined : round((stopped.atMs - sentMs) / 1000),
  };
}

async function restPhase(ctx: PhaseContext): Promise<RestReading | undefined> {
  const { options, sim, replicas, own } = ctx;
  const names = await submitLongRuns(ctx, 'rest', options.restTasks);
  if (names === undefined) return undefined;
  // Let the launch traffic drain (no run reconcile waiting or active) and a few resyncs pass before watching.
  const settleMs = Math.max(3000, (3 * options.resyncSeconds * 1000) / options.timeScale);
  options.log(`rest: ${names.length} tasks RUNNING; settling at least ${settleMs / 1000} s and until the run queue is drained, then watching ${options.restSeconds} s`);
  const describe = () => sim.audit().calls.DescribeTasks?.ok ?? 0;
  const describedAtRunning = describe();
  await sleep(settleMs);
  const drainedAfter = await untilRunQueueDrained(ctx);
  options.log(`rest: run queue drained ${drainedAfter === undefined ? 'NOT (deadline)' : `after ${drainedAfter.toFixed(1)} s more`}`);
  // Two full resync passes over every task since they all ran (100 tasks per DescribeTasks), so what is
  // watched is the steady state, not the first passes that record what the launch burst left.
  const passes = 2 * Math.ceil(names.length / 100);
  const passedAfter = await until(() => describe() - describedAtRunning >= passes, options);
  options.log(`rest: ${passedAfter === undefined ? 'NOT' : ''} two resync passes done${passedAfter === undefined ? ' (deadline)' : ` after ${passedAfter.toFixed(1)} s more`}`);
  const cpuBefore = await replicaCpuSeconds(replicas);
  const describeBefore = describe();
  const ownBefore = { ...own.counts };
  const statsBefore = await commandStats(ctx);
  const startMs = Date.now();
  await sleep(options.restSeconds * 1000);
  const statsAfter = await commandStats(ctx);
  const cpuAfter = await replicaCpuSeconds(replicas);
  const realSeconds = (Date.now() - startMs) / 1000;
  const describeTasks = describe() - describeBefore;
  const commands = replicaCommands(statsBefore, statsAfter, ownBefore, { ...own.counts });
  const counts = await ctx.poller.counts();
  if (counts.running < names.length) ctx.failures.push(`rest: only ${counts.running} of ${names.length} runs still RUNNING after the watch`);
  const runMinutes = (names.length * realSeconds * options.timeScale) / 60;
  return {
    tasks: names.length,
    realSeconds: round(realSeconds),
    coresPerReplica: Object.fromEntries(replicas.map((r, i) => [r.name, round((cpuAfter[i] - cpuBefore[i]) / realSeconds, 4)])),
    describeTasks,
    describeTasksPerRunMinute: round(describeTasks / runMinutes, 5),
    redisCommandsPerSecond: round(commands.total / realSeconds, 1),
    redisCommandsByCommand: commands.byCommand,
  };
}

/** Seconds until `done()` (polled each second), or undefined at the deadline. */
async function until(done: () => boolean, options: BenchOptions): Promise<number | undefined> {
  const startMs = Date.now();
  while (Date.now() - startMs < options.deadlineSeconds * 1000 && !options.signal?.aborted) {
    if (done()) return (Date.now() - startMs) / 1000;
    await sleep(1000);
  }
  return undefined;
}

/** Seconds until the reconcile-run queue has no waiting, prioritized or active job twice in a row (undefined: deadline). */
async function untilRunQueueDrained(ctx: PhaseContext): Promise<number | undefined> {
  const startMs = Date.now();
  const queue = `${bullPrefix(ctx.namespace)}:reconcile-run`;
  let quiet = 0;
  while (Date.now() - startMs < ctx.options.deadlineSeconds * 1000 && !ctx.options.signal?.aborted) {
    const [[, wait], [, active], [, prioritized]] = (await ctx.redis.pipeline().llen(`${queue}:wait`).llen(`${queue}:active`).zcard(`${queue}:prioritized`).exec()) ?? [];
    ctx.own.add('llen', 2);
    ctx.own.add('zcard');
    quiet = Number(wait) + Number(active) + Number(prioritized) === 0 ? quiet + 1 : 0;
    if (quiet >= 2) return (Date.now() - startMs) / 1000;
    await sleep(1000);
  }
  return undefined;
}

type PhaseCounts = Record<Phase, number>;

/** Polls the phase index (one ZCARD per phase, pipelined) and Redis memory; counts its own commands. */
class PhasePoller {
  constructor(
    private readonly redis: Redis, private readonly keys: ReturnType<typeof storeKeys>, private readonly options: BenchOptions,
    private readonly replicas: Replica[], private readonly own: OwnCommands,
  ) {}

  async counts(): Promise<PhaseCounts> {
    const pipeline = this.redis.pipeline();
    for (const phase of PHASES) pipeline.zcard(this.keys.runsByPhase(phase));
    this.own.add('zcard', PHASES.length);
    const values = ((await pipeline.exec()) ?? []).map(([, value]) => Number(value));
    return Object.fromEntries(PHASES.map((p, i) => [p, values[i]])) as PhaseCounts;
  }

  /** Until `done(counts)`, a replica died, the deadline passed or the signal fired; atMs is when done was seen. */
  async until(label: string, sinceMs: number, done: (counts: PhaseCounts) => boolean): Promise<{ atMs?: number; redisPeak: number }> {
    const deadline = sinceMs + this.options.deadlineSeconds * 1000;
    let redisPeak = 0;
    let lastLog = 0;
    for (;;) {
      const counts = await this.counts();
      const now = Date.now();
      this.own.add('info');
      redisPeak = Math.max(redisPeak, await redisUsedMemory(this.redis));
      const finished = done(counts);
      if (now - lastLog >= 2000 || finished) {
        lastLog = now;
        this.options.log(`${label} ${((now - sinceMs) / 1000).toFixed(1)} s  ${PHASES.map((p) => `${p} ${counts[p]}`).join('  ')}`);
      }
      if (finished) return { atMs: now, redisPeak };
      const dead = this.replicas.find((r) => r.exitCode() !== null);
      if (dead !== undefined || now > deadline || this.options.signal?.aborted) return { redisPeak };
      await sleep(250);
    }
  }
}

/** The conditions under which the benchmark fails: the controller lost a run or let AWS throttles reach one. */
export function judge(figures: Figures, options: Pick<BenchOptions, 'runs' | 'deadlineSeconds'>): string[] {
  const failures: string[] = [];
  const { runs, throttles } = figures;
  if (runs.total !== options.runs) failures.push(`${runs.total} runs found in the store, ${options.runs} submitted`);
  if (runs.notTerminal.length > 0) {
    failures.push(`${runs.notTerminal.length} runs not stopped when the benchmark ended (deadline ${options.deadlineSeconds} s): ${runs.notTerminal.slice(0, 5).join('; ')}`);
  }
  if (runs.unexpected.length > 0) failures.push(`${runs.unexpected.length} runs ended with an unexpected outcome: ${runs.unexpected.slice(0, 5).join('; ')}`);
  if (throttles.runsReachedByThrottle.length > 0) {
    failures.push(`${throttles.runsReachedByThrottle.length} runs show a throttling error: ${throttles.runsReachedByThrottle.slice(0, 5).join(', ')}`);
  }
  return failures;
}
