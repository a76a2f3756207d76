/**
 * The figures issue 10 sets targets for, computed from the phases' readings. Pure. A figure a run did not
 * measure (no such phase, or meaningless there, e.g. the bucket-bound efficiency with budgets off) is null.
 */
import { DEFAULT_BUDGETS } from '../../controller/aws/budgets.js';
import type { BenchOptions, BurstReading, CancelReading, RestReading } from './run-bench.js';

/** The bucket every Fargate launch spends one token of (one RunTask call of count 1 per run). */
const RUN_TASK_CALLS = DEFAULT_BUDGETS.fargateRunTaskCalls;

export interface Headline {
  /** Lower bound ÷ (submit → last run RUNNING), simulated; the bound is the RunTask call bucket's ideal window plus the mean start time. */
  efficiency: number | null;
  /** The RunTask call bucket's ideal window for the first launches ÷ the measured launch window. */
  launchWindowEfficiency: number | null;
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

export function headlineFigures({ burst, cancel, rest, controllersPeakRssBytes, options }: HeadlineInputs): Headline {
  const f = burst?.figures;
  const runs = f?.runs.total ?? 0;
  const bucketBound = f !== undefined && !options.unthrottled && f.throughput.firstLaunches > 0;
  const allRunning = f?.latency.submitToAllRunning?.simulated;
  const meanStart = f?.throughput.meanStartSimulatedSeconds;
  const lowerBound = bucketBound && meanStart !== undefined ? idealLaunchWindowSeconds(f.throughput.firstLaunches) + meanStart : undefined;
  const window = f?.throughput.launchWindow.simulated ?? 0;
  const cpu = burst === undefined ? undefined : Object.values(burst.controllerCpuSeconds).reduce((a, b) => a + b, 0);
  const allStopped = f?.latency.submitToAllStopped?.real;
  const peaks = Object.values(controllersPeakRssBytes).filter((b): b is number => b !== undefined);
  return {
    efficiency: lowerBound !== undefined && allRunning ? round(lowerBound / allRunning) : null,
    launchWindowEfficiency: bucketBound && window > 0 ? round(idealLaunchWindowSeconds(f.throughput.firstLaunches) / window) : null,
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
