/**
 * The benchmark's figures, computed from what it observed: run records, the simulator's audit and each
 * replica's readings. Pure, so the arithmetic is testable and the report is reproducible from its inputs.
 */
import type { RunRecord } from '../../controller/api/run.js';
import { OUTCOMES } from '../../controller/api/run-status.js';
import type { SimulatorAudit } from '@longshore/simulator';
import { perfectPacingAllRunningSeconds } from './headline.js';
import { RUN_KINDS, type RunKind } from './workload.js';

/** AWS Fargate task launch rate per account and region (docs/ecs-facts.md#throttling): 100 burst, 20/s sustained. */
export const FARGATE_LAUNCH_CEILING = { burst: 100, sustainedPerSecond: 20 };
/** A run whose status text shows one of these was reached by an AWS throttle it should never see. */
const FORBIDDEN_ERRORS = /ThrottlingException|Rate exceeded|Too many concurrent attempts/;

export interface Seconds { real: number; simulated: number }
export interface Distribution { count: number; p50: Seconds; p95: Seconds; max: Seconds }

export interface Observations {
  timeScale: number;
  definitions: number;
  kinds: ReadonlyMap<string, RunKind>;
  records: RunRecord[];
  /** Real ms when the bench began submitting, and when it saw every run stopped (undefined: never). */
  submitStartedMs: number;
  allStoppedMs?: number;
  audit: SimulatorAudit;
  /** Per replica: its own counters, parsed by the caller. */
  replicas: Array<{ name: string; throttles: Record<string, number>; budgetExhausted: Record<string, number>; reconciles?: Record<string, number>; peakRssBytes?: number; cpuSeconds?: number }>;
}

const seconds = (realMs: number, timeScale: number): Seconds => ({ real: round(realMs / 1000), simulated: round((realMs / 1000) * timeScale) });
const round = (value: number) => Math.round(value * 1000) / 1000;
const sum = (values: Iterable<number>) => [...values].reduce((a, b) => a + b, 0);

/** Nearest-rank percentile of sorted values. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

/** Most launches inside any window of `windowMs`, over sorted launch times. */
export function peakInWindow(sortedMs: readonly number[], windowMs: number): number {
  let best = 0;
  for (let start = 0, end = 0; end < sortedMs.length; end += 1) {
    while (sortedMs[end] - sortedMs[start] >= windowMs) start += 1;
    best = Math.max(best, end - start + 1);
  }
  return best;
}

function mergeCounts(counts: Array<Record<string, number>>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const c of counts) for (const [k, n] of Object.entries(c)) out[k] = (out[k] ?? 0) + n;
  return out;
}

/** The Region a task ARN names (`arn:aws:ecs:<region>:<account>:task/…`), `unknown` for anything else. */
export function regionOfTaskArn(arn: string): string {
  const parts = arn.split(':');
  return parts.length >= 6 && parts[0] === 'arn' && parts[3] !== '' ? parts[3] : 'unknown';
}

/** Launches and the simulated launch rate of each Region, from the first attempts' ARNs and acceptance times. */
function launchesByRegion(firstAttempts: ReadonlyArray<{ taskArn: string; atMs: number }>, timeScale: number): Record<string, { firstLaunches: number; launchesPerSimulatedSecond?: number }> {
  const times = new Map<string, number[]>();
  for (const a of firstAttempts) {
    const region = regionOfTaskArn(a.taskArn);
    const list = times.get(region) ?? [];
    list.push(a.atMs);
    times.set(region, list);
  }
  const out: Record<string, { firstLaunches: number; launchesPerSimulatedSecond?: number }> = {};
  for (const [region, list] of [...times].sort(([a], [b]) => a.localeCompare(b))) {
    const windowSimSeconds = list.length > 1 ? ((Math.max(...list) - Math.min(...list)) / 1000) * timeScale : 0;
    out[region] = { firstLaunches: list.length, ...(windowSimSeconds > 0 ? { launchesPerSimulatedSecond: round(list.length / windowSimSeconds) } : {}) };
  }
  return out;
}

/**
 * Per Region, each first attempt's start time (RunTask accepted → RUNNING, simulated s), in the order the
 * attempts were launched: the mean start every lower bound adds once, and what the efficiency ceiling
 * (headline.ts) replays at the ideal launch moments.
 */
function startsInLaunchOrderByRegion(records: readonly RunRecord[], timeScale: number): Record<string, number[]> {
  const launched = records
    .map((r) => r.status.attempts[0])
    .filter((a) => a?.submittedAt !== undefined && a.startedAt !== undefined && a.taskArn !== undefined)
    .map((a) => ({
      region: regionOfTaskArn(a.taskArn ?? ''),
      atMs: Date.parse(a.submittedAt ?? ''),
      // submittedAt is stamped by the controller after RunTask answers, startedAt by ECS: on a loaded machine at
      // a high time scale the task can start before the stamp, and a negative start would make the bound (and so
      // the efficiency) meaningless. A start takes no less than zero time.
      startSimSeconds: (Math.max(0, Date.parse(a.startedAt ?? '') - Date.parse(a.submittedAt ?? '')) / 1000) * timeScale,
    }))
    .sort((a, b) => a.atMs - b.atMs);
  const out: Record<string, number[]> = {};
  for (const a of launched) (out[a.region] ??= []).push(a.startSimSeconds);
  return out;
}

const firstRunningMs = (r: RunRecord) => {
  const startedAt = r.status.attempts.find((a) => a.startedAt !== undefined)?.startedAt;
  return startedAt === undefined ? undefined : Date.parse(startedAt);
};

export function computeFigures(o: Observations) {
  const { records, timeScale } = o;
  const stopped = records.filter((r) => r.status.phase === 'stopped');
  const byOutcome = Object.fromEntries(OUTCOMES.map((x) => [x, stopped.filter((r) => r.status.outcome === x).length]));
  const byKind: Record<string, Record<string, number>> = {};
  const unexpected: string[] = [];
  for (const r of stopped) {
    const kind = o.kinds.get(r.metadata.name);
    if (kind === undefined) continue;
    const row = (byKind[kind] ??= {});
    const outcome = r.status.outcome ?? 'none';
    row[outcome] = (row[outcome] ?? 0) + 1;
    if (outcome !== RUN_KINDS[kind].outcome) unexpected.push(`${r.metadata.name} (${kind}): ${outcome} ${r.status.message ?? ''}`.trim());
  }
  const notTerminal = records.filter((r) => r.status.phase !== 'stopped').map((r) => `${r.metadata.name}: ${r.status.phase}`);
  const reachedByThrottle = records
    .filter((r) => FORBIDDEN_ERRORS.test([r.status.message ?? '', ...r.status.conditions.map((c) => c.message ?? '')].join(' ')))
    .map((r) => r.metadata.name);

  // Submit → RUNNING, per run from its own creation to its first task RUNNING (as ECS reported startedAt).
  const firstRunning = records.map((r) => ({ r, at: firstRunningMs(r) })).filter((x): x is { r: RunRecord; at: number } => x.at !== undefined);
  const waits = firstRunning.map(({ r, at }) => at - Date.parse(r.metadata.creationTimestamp)).sort((a, b) => a - b);
  const runningTimes = firstRunning.map((x) => x.at);
  const latency = {
    submitToFirstRunning: runningTimes.length ? seconds(Math.min(...runningTimes) - o.submitStartedMs, timeScale) : undefined,
    submitToAllRunning: runningTimes.length ? seconds(Math.max(...runningTimes) - o.submitStartedMs, timeScale) : undefined,
    submitToAllStopped: o.allStoppedMs === undefined ? undefined : seconds(o.allStoppedMs - o.submitStartedMs, timeScale),
    submitToRunningPerRun: {
      count: waits.length,
      p50: seconds(percentile(waits, 50), timeScale),
      p95: seconds(percentile(waits, 95), timeScale),
      max: seconds(percentile(waits, 100), timeScale),
    } satisfies Distribution,
  };

  // Launch throughput: when each run's first RunTask was accepted, in simulated time. Retries are left out:
  // they wait out a backoff, so they measure the retry policy rather than the launch path.
  const attempts = records.flatMap((r) => r.status.attempts);
  const firstAttempts = records
    .map((r) => r.status.attempts[0])
    .filter((a) => a !== undefined && a.submittedAt !== undefined && a.taskArn !== undefined)
    .map((a) => ({ taskArn: a.taskArn ?? '', atMs: Date.parse(a.submittedAt ?? '') }));
  const launchMs = firstAttempts.map((a) => a.atMs).sort((a, b) => a - b);
  const windowSimSeconds = launchMs.length > 1 ? ((launchMs[launchMs.length - 1] - launchMs[0]) / 1000) * timeScale : 0;
  const burst = FARGATE_LAUNCH_CEILING.burst;
  const afterBurstSimSeconds = launchMs.length > burst ? ((launchMs[launchMs.length - 1] - launchMs[burst - 1]) / 1000) * timeScale : 0;
  // How long ECS took from accepting a first RunTask to the task RUNNING, per Region in launch order.
  const startsByRegion = startsInLaunchOrderByRegion(records, timeScale);
  const starts = Object.values(startsByRegion).flat();
  const throughput = {
    firstLaunches: launchMs.length,
    meanStartSimulatedSeconds: starts.length ? round(sum(starts) / starts.length) : undefined,
    /** Submit → last run RUNNING had every first launch gone at its ideal moment (the efficiency ceiling's denominator). */
    perfectPacingAllRunningSimulatedSeconds: perfectPacingAllRunningSeconds(startsByRegion),
    retryLaunches: attempts.filter((a) => a.number > 1 && a.taskArn !== undefined).length,
    launchWindow: seconds(launchMs.length > 1 ? launchMs[launchMs.length - 1] - launchMs[0] : 0, timeScale),
    /** From the benchmark's submit call to the first RunTask accepted: admission, wake-up, task definitions. */
    submitToFirstLaunch: launchMs.length ? seconds(launchMs[0] - o.submitStartedMs, timeScale) : undefined,
    launchesPerSimulatedSecond: windowSimSeconds > 0 ? round(launchMs.length / windowSimSeconds) : undefined,
    sustainedAfterBurstPerSimulatedSecond: afterBurstSimSeconds > 0 ? round((launchMs.length - burst) / afterBurstSimSeconds) : undefined,
    peakLaunchesInOneSimulatedSecond: peakInWindow(launchMs, 1000 / timeScale),
    /** Per Region (from each first attempt's task ARN): ECS paces launches per account and Region. */
    byRegion: launchesByRegion(firstAttempts, timeScale),
    fargateCeiling: FARGATE_LAUNCH_CEILING,
  };

  const calls = o.audit.calls;
  const ok = (action: string) => calls[action]?.ok ?? 0;
  const runs = records.length;
  const api = {
    callsByAction: calls,
    totalOkCalls: sum(Object.values(calls).map((c) => c.ok)),
    attempts: attempts.length,
    tasksLaunched: o.audit.tasks.length,
    runTaskOk: ok('RunTask'),
    runTaskPerAttempt: attempts.length ? round(ok('RunTask') / attempts.length) : 0,
    describeTasksPerRun: runs ? round(ok('DescribeTasks') / runs) : 0,
    callsPerRun: runs ? round(sum(Object.values(calls).map((c) => c.ok)) / runs) : 0,
    registerTaskDefinitionOk: ok('RegisterTaskDefinition'),
    distinctDefinitions: o.definitions,
  };

  const throttles = {
    simulator: sum(Object.values(calls).map((c) => c.throttled)),
    simulatorByAction: Object.fromEntries(Object.entries(calls).filter(([, c]) => c.throttled > 0).map(([a, c]) => [a, c.throttled])),
    controllers: sum(o.replicas.map((r) => sum(Object.values(r.throttles)))),
    budgetExhausted: sum(o.replicas.map((r) => sum(Object.values(r.budgetExhausted)))),
    budgetExhaustedByCategory: mergeCounts(o.replicas.map((r) => r.budgetExhausted)),
    runsReachedByThrottle: reachedByThrottle,
  };

  // Reconciles (jobs processed) by reconciler over every replica: what a run's lifecycle costs in queue work.
  const reconcilesByReconciler = mergeCounts(o.replicas.map((r) => r.reconciles ?? {}));
  const reconciles = {
    byReconciler: reconcilesByReconciler,
    runReconcilesPerRun: runs ? round((reconcilesByReconciler.run ?? 0) / runs) : 0,
  };

  return {
    runs: { total: runs, stopped: stopped.length, byOutcome, byKind, unexpected, notTerminal },
    reconciles,
    latency,
    throughput,
    api,
    throttles,
    replicas: o.replicas,
  };
}
export type Figures = ReturnType<typeof computeFigures>;
