/**
 * The figures issue 10 sets targets for, computed from the phases' readings. Pure. A figure a run did not
 * measure (no such phase, or meaningless there, e.g. the bucket-bound efficiency with budgets off) is null.
 */
import { DEFAULT_BUDGETS } from '../../controller/aws/budgets.js';
import type { BenchOptions, BurstReading, CancelReading, RestReading } from './run-bench.js';

/** The bucket every Fargate launch spends one token of (one RunTask call of count 1 per run). */
const RUN_TASK_CALLS = DEFAULT_BUDGETS.fargateRunTaskCalls;

export interface Headline {
  /**
   * Lower bound ÷ (submit → last run RUNNING), simulated; the bound is the RunTask call bucket's ideal window
   * plus the mean start time. With several Regions each has its own bucket (ECS paces per account and Region),
   * so the window is the longest of the Regions' ideal windows: N × the single-Region rate for an even spread.
   */
  efficiency: number | null;
  /**
   * The efficiency a perfect controller would score with these tasks: every first launch at its ideal moment
   * (the bucket's burst at submit, then its refill rate), each task taking the start time ECS gave the task
   * launched in that position. The lower bound adds the *mean* start time once, but the last run RUNNING is
   * the latest of launch + start, and random start times put that above the mean (in the simulator's `aws`
   * scenario a start takes 8–23 s): so no controller reaches an efficiency of 1, and this is the figure to
   * read `efficiency` against.
   */
  efficiencyCeiling: number | null;
  /** The RunTask call buckets' ideal window for the first launches (longest over the Regions) ÷ the measured launch window. */
  launchWindowEfficiency: number | null;
  /** First launches per simulated second over the launch window, every Region together. */
  launchesPerSimulatedSecond: number | null;
  /** The Regions the burst launched in. */
  regions: number | null;
  /** Redis commands of every replica during the burst ÷ runs. */
  redisCommandsPerRun: number | null;
  /** CPU ms of every replica during the burst ÷ runs. */
  controllerCpuMsPerRun: number | null;
  /** Runs ÷ real seconds from submit to every run stopped ÷ replicas. */
  runsPerSecondPerReplica: number | null;
  /** The largest peak RSS (VmHWM) of any replica, in MB (10^6 bytes). */
  peakRssMb: number | null;
  /** The busiest replica's CPU cores while the rest phase's tasks ran and nothing changed. */
  resyncCoresAtRest: number | null;
  /** DescribeTasks per run-minute during the rest phase (with `--events`, the events-healthy figure). */
  describeTasksPerRunMinute: number | null;
  cancelLatencyMs: { p50: number; p99: number } | null;
  stopTaskCallsPerCancelledRun: number | null;
}

const round = (value: number, digits = 3) => Math.round(value * 10 ** digits) / 10 ** digits;

export interface HeadlineInputs {
  burst?: BurstReading;
  cancel?: CancelReading;
  rest?: RestReading;
  controllersPeakRssBytes: Record<string, number | undefined>;
  options: Pick<BenchOptions, 'runs' | 'replicas' | 'unthrottled'>;
}

/** The ideal simulated seconds for `launches` RunTask calls from a full call bucket: the burst at once, then the refill rate. */
export function idealLaunchWindowSeconds(launches: number): number {
  return Math.max(0, launches - RUN_TASK_CALLS.burst) / RUN_TASK_CALLS.refillPerSecond;
}

/** The simulated seconds after submit at which the i-th (from 0) first launch of a full call bucket ideally happens. */
export function idealLaunchAtSeconds(index: number): number {
  return Math.max(0, index + 1 - RUN_TASK_CALLS.burst) / RUN_TASK_CALLS.refillPerSecond;
}

/**
 * Submit → last run RUNNING under perfect pacing, simulated s: per Region, the latest ideal launch moment plus
 * the start time of the task launched in that position; the latest Region's. Undefined without starts.
 */
export function perfectPacingAllRunningSeconds(startsInLaunchOrder: Readonly<Record<string, readonly number[]>>): number | undefined {
  let latest: number | undefined;
  for (const starts of Object.values(startsInLaunchOrder)) {
    starts.forEach((start, i) => {
      const at = idealLaunchAtSeconds(i) + start;
      if (latest === undefined || at > latest) latest = at;
    });
  }
  return latest;
}

/** The ideal window when each Region launches its share from its own full bucket: the longest Region's. */
export function idealRegionsWindowSeconds(launchesByRegion: readonly number[]): number {
  return Math.max(0, ...launchesByRegion.map(idealLaunchWindowSeconds));
}

export function headlineFigures({ burst, cancel, rest, controllersPeakRssBytes, options }: HeadlineInputs): Headline {
  const f = burst?.figures;
  const runs = f?.runs.total ?? 0;
  const bucketBound = f !== undefined && !options.unthrottled && f.throughput.firstLaunches > 0;
  const allRunning = f?.latency.submitToAllRunning?.simulated;
  const meanStart = f?.throughput.meanStartSimulatedSeconds;
  const byRegion = f === undefined ? [] : Object.values(f.throughput.byRegion).map((r) => r.firstLaunches);
  const ideal = idealRegionsWindowSeconds(byRegion);
  const lowerBound = bucketBound && meanStart !== undefined ? ideal + meanStart : undefined;
  const perfect = f?.throughput.perfectPacingAllRunningSimulatedSeconds;
  const window = f?.throughput.launchWindow.simulated ?? 0;
  const cpu = burst === undefined ? undefined : Object.values(burst.controllerCpuSeconds).reduce((a, b) => a + b, 0);
  const allStopped = f?.latency.submitToAllStopped?.real;
  const peaks = Object.values(controllersPeakRssBytes).filter((b): b is number => b !== undefined);
  return {
    efficiency: lowerBound !== undefined && allRunning ? round(lowerBound / allRunning) : null,
    efficiencyCeiling: lowerBound !== undefined && perfect ? round(lowerBound / perfect) : null,
    launchWindowEfficiency: bucketBound && window > 0 ? round(ideal / window) : null,
    launchesPerSimulatedSecond: f?.throughput.launchesPerSimulatedSecond ?? null,
    regions: f === undefined ? null : byRegion.length,
    redisCommandsPerRun: burst && runs > 0 ? round(burst.redisCommands.total / runs, 1) : null,
    controllerCpuMsPerRun: cpu !== undefined && runs > 0 ? round((cpu * 1000) / runs, 2) : null,
    runsPerSecondPerReplica: allStopped ? round(runs / allStopped / options.replicas, 1) : null,
    peakRssMb: peaks.length ? round(Math.max(...peaks) / 1e6, 1) : null,
    resyncCoresAtRest: rest ? round(Math.max(...Object.values(rest.coresPerReplica)), 4) : null,
    describeTasksPerRunMinute: rest ? rest.describeTasksPerRunMinute : null,
    cancelLatencyMs: cancel ? { p50: cancel.latencyMs.p50, p99: cancel.latencyMs.p99 } : null,
    stopTaskCallsPerCancelledRun: cancel ? cancel.stopTaskCallsPerRun : null,
  };
}
