/**
 * One benchmark run: the simulator in-process, N controller replicas as child processes, one pool, R runs;
 * waits for every run to stop (or the deadline), takes its readings, cleans its namespace, and returns the
 * report. Everything started here is stopped here, whatever happens.
 */
import { randomBytes } from 'node:crypto';
import { cpus, loadavg, totalmem } from 'node:os';
import { Redis } from 'ioredis';
import type { RunRecord } from '../../controller/api/run.js';
import { PHASES } from '../../controller/api/run-status.js';
import { ResourceStore, keyspace, storeKeys, listAll } from '../../controller/store/index.js';
import { startSimulator, type RunningSimulator } from '@longshore/simulator';
import { computeFigures, type Figures } from './figures.js';
import { deleteKeys, fetchMetrics, keyspaceMemory, metricByLabel, processCpuSeconds, processMemory, redisUsedMemory } from '../probes.js';
import { startReplica, waitReady, type Replica } from '../replicas.js';
import { planRuns, poolDocument, type OutcomeMix } from './workload.js';

export interface BenchOptions {
  runs: number;
  definitions: number;
  replicas: number;
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
  /** Real seconds allowed for every run to stop. */
  deadlineSeconds: number;
  redisUrl: string;
  /** Progress lines (stderr by default). */
  log: (line: string) => void;
  /** Ends the wait early (Ctrl-C); everything is still read, reported and cleaned up. */
  signal?: AbortSignal;
}

export const QUICK_PHASES = { provisioning: 1, pending: 2, activating: 0.5, running: 2, deactivating: 0.5, stopping: 0.5, deprovisioning: 1 };

export interface BenchReport {
  startedAt: string;
  /** The Redis namespace the run used (deleted at the end). */
  namespace: string;
  machine: { cpus: number; cpuModel: string; totalMemoryBytes: number; node: string; platform: string; loadAverageAtStart: number[] };
  options: Omit<BenchOptions, 'log' | 'redisUrl' | 'signal'>;
  figures: Figures;
  memory: {
    controllersPeakRssBytes: Record<string, number | undefined>;
    redisUsedMemoryBytes: { before: number; peak: number; after: number };
    namespaceAtEnd: { keys: number; bytes: number };
  };
  cpu: { simulatorProcessSeconds: number; controllersSeconds: Record<string, number | undefined> };
  passed: boolean;
  failures: string[];
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function runBenchmark(options: BenchOptions): Promise<BenchReport> {
  const startedAt = new Date().toISOString();
  const loadAverageAtStart = loadavg().map((x) => Math.round(x * 100) / 100);
  const namespace = `bench-${randomBytes(3).toString('hex')}`;
  const ks = keyspace(namespace);
  const redis = new Redis(options.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 2 });
  await redis.connect();
  const replicas: Replica[] = [];
  let sim: RunningSimulator | undefined;
  try {
    const scenario = options.scenario === 'aws' ? {} : options.scenario === 'quick' ? { phases: QUICK_PHASES } : options.scenario;
    sim = await startSimulator({ timeScale: options.timeScale, seed: options.seed, scenario });
    options.log(`simulator ${sim.url}: time scale ×${options.timeScale}, seed ${sim.seed}, scenario ${options.scenario}, AWS-default throttles`);
    const env: Record<string, string> = {
      REDIS_URL: options.redisUrl, LONGSHORE_NAMESPACE: namespace, AWS_ENDPOINT_URL: sim.url, AWS_REGION: sim.region,
      AWS_ACCESS_KEY_ID: 'bench', AWS_SECRET_ACCESS_KEY: 'bench', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      LONGSHORE_BUDGET_TIME_SCALE: String(options.timeScale),
      LONGSHORE_RESYNC_INTERVAL_SECONDS: String(options.resyncSeconds / options.timeScale),
      LONGSHORE_SHUTDOWN_GRACE_SECONDS: '5', LONGSHORE_LOG_LEVEL: 'warn',
    };
    if (options.events) env.LONGSHORE_TASK_EVENTS_QUEUE_URL = sim.eventQueueUrl;
    for (let i = 0; i < options.replicas; i += 1) replicas.push(await startReplica(`replica-${i + 1}`, env, 'longshore-bench'));
    await Promise.all(replicas.map((r) => waitReady(r, 60_000)));
    options.log(`${replicas.length} replicas ready (namespace ${namespace}); logs ${replicas.map((r) => r.logFile).join(', ')}`);

    const store = new ResourceStore(redis, { namespace });
    await store.submit([poolDocument()], { mode: 'apply' });
    const planned = planRuns({ runs: options.runs, definitions: options.definitions, mix: options.mix, seed: options.seed, runSeconds: options.runSeconds });
    const redisBefore = await redisUsedMemory(redis);
    const cpuBefore = process.cpuUsage();
    const controllerCpuBefore = await Promise.all(replicas.map((r) => processCpuSeconds(r.pid)));

    const submitStartedMs = Date.now();
    await store.submit(planned.map((p) => p.document), { mode: 'create' });
    options.log(`submitted ${planned.length} runs in ${((Date.now() - submitStartedMs) / 1000).toFixed(2)} s`);
    const { allStoppedMs, redisPeak } = await waitAllStopped(redis, storeKeys(ks), options, submitStartedMs, redisBefore, replicas);

    const records: RunRecord[] = await listAll((cursor) => store.listRuns({ limit: 500, cursor }));
    const cpuUsed = process.cpuUsage(cpuBefore);
    const audit = sim.audit();
    const readings = await Promise.all(replicas.map(async (r, i) => {
      const metrics = await fetchMetrics(r.metricsPort);
      const memory = await processMemory(r.pid);
      const cpuNow = await processCpuSeconds(r.pid);
      const cpuStart = controllerCpuBefore[i];
      return {
        name: r.name,
        throttles: metricByLabel(metrics, 'longshore_ecs_api_throttles_total', 'action'),
        budgetExhausted: metricByLabel(metrics, 'longshore_budget_exhausted_total', 'category'),
        peakRssBytes: memory.peakRssBytes,
        cpuSeconds: cpuNow !== undefined && cpuStart !== undefined ? Math.round((cpuNow - cpuStart) * 100) / 100 : undefined,
      };
    }));
    const redisAfter = await redisUsedMemory(redis);
    const namespaceAtEnd = await keyspaceMemory(redis, ks.pattern);

    const figures = computeFigures({
      timeScale: options.timeScale, definitions: options.definitions, kinds: new Map(planned.map((p) => [p.name, p.kind])),
      records, submitStartedMs, allStoppedMs, audit, replicas: readings,
    });
    const failures = judge(figures, options);
    for (const r of replicas) if (r.exitCode() !== null) failures.push(`${r.name} exited with ${r.exitCode()} during the benchmark; see ${r.logFile}`);
    if (options.signal?.aborted) failures.push('interrupted before every run stopped');
    const { log: _log, redisUrl: _url, signal: _signal, ...reported } = options;
    return {
      startedAt,
      namespace,
      machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model ?? 'unknown', totalMemoryBytes: totalmem(), node: process.version, platform: process.platform, loadAverageAtStart },
      options: { ...reported, seed: sim.seed },
      figures,
      memory: {
        controllersPeakRssBytes: Object.fromEntries(readings.map((r) => [r.name, r.peakRssBytes])),
        redisUsedMemoryBytes: { before: redisBefore, peak: Math.max(redisPeak, redisAfter), after: redisAfter },
        namespaceAtEnd,
      },
      cpu: {
        simulatorProcessSeconds: Math.round(((cpuUsed.user + cpuUsed.system) / 1e6) * 100) / 100,
        controllersSeconds: Object.fromEntries(readings.map((r) => [r.name, r.cpuSeconds])),
      },
      passed: failures.length === 0,
      failures,
    };
  } finally {
    await Promise.all(replicas.map((r) => r.stop(15_000)));
    await sim?.close();
    const removed = await deleteKeys(redis, ks.pattern);
    options.log(`cleaned namespace ${namespace} (${removed} keys)`);
    await redis.quit();
  }
}

/** Polls the phase index (cheap: one ZCARD per phase) until every run stopped, sampling Redis memory. */
async function waitAllStopped(
  redis: Redis, keys: ReturnType<typeof storeKeys>, options: BenchOptions, submitStartedMs: number, redisBefore: number, replicas: Replica[],
): Promise<{ allStoppedMs?: number; redisPeak: number }> {
  const deadline = submitStartedMs + options.deadlineSeconds * 1000;
  let redisPeak = redisBefore;
  let lastLog = 0;
  for (;;) {
    const pipeline = redis.pipeline();
    for (const phase of PHASES) pipeline.zcard(keys.runsByPhase(phase));
    const counts = ((await pipeline.exec()) ?? []).map(([, value]) => Number(value));
    const now = Date.now();
    redisPeak = Math.max(redisPeak, await redisUsedMemory(redis));
    const stopped = counts[PHASES.indexOf('stopped')];
    if (now - lastLog >= 2000 || stopped >= options.runs) {
      lastLog = now;
      options.log(`${((now - submitStartedMs) / 1000).toFixed(1)} s  ${PHASES.map((p, i) => `${p} ${counts[i]}`).join('  ')}`);
    }
    if (stopped >= options.runs) return { allStoppedMs: now, redisPeak };
    const dead = replicas.find((r) => r.exitCode() !== null);
    if (dead !== undefined || now > deadline || options.signal?.aborted) return { redisPeak };
    await sleep(250);
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
