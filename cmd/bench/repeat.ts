/** `--repeat N`: the median and spread (min, max) of every headline figure over N runs of the benchmark. Pure. */
import type { BenchReport } from './run-bench.js';

export interface Spread { median: number; min: number; max: number; values: number[] }

/** The figures summarised: the headline (issue 10's targets), with the nested cancel latency flattened. */
export function headlineValues(report: BenchReport): Record<string, number | null> {
  return {
    efficiency: report.efficiency,
    efficiencyCeiling: report.efficiencyCeiling,
    launchWindowEfficiency: report.launchWindowEfficiency,
    launchesPerSimulatedSecond: report.launchesPerSimulatedSecond,
    redisCommandsPerRun: report.redisCommandsPerRun,
    controllerCpuMsPerRun: report.controllerCpuMsPerRun,
    runsPerSecondPerReplica: report.runsPerSecondPerReplica,
    peakRssMb: report.peakRssMb,
    resyncCoresAtRest: report.resyncCoresAtRest,
    describeTasksPerRunMinute: report.describeTasksPerRunMinute,
    cancelLatencyMsP50: report.cancelLatencyMs?.p50 ?? null,
    cancelLatencyMsP99: report.cancelLatencyMs?.p99 ?? null,
    stopTaskCallsPerCancelledRun: report.stopTaskCallsPerCancelledRun,
    submitToAllRunningSimulatedSeconds: report.burst?.figures.latency.submitToAllRunning?.simulated ?? null,
    runTaskThrottlesAtSimulator: report.burst?.figures.throttles.simulatorByAction.RunTask ?? (report.burst ? 0 : null),
  };
}

/** Median of sorted values (the mean of the middle two for an even count). */
export function median(sorted: readonly number[]): number {
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

export function summarize(reports: readonly BenchReport[]): Record<string, Spread> {
  const out: Record<string, Spread> = {};
  const rows = reports.map(headlineValues);
  for (const name of Object.keys(rows[0] ?? {})) {
    const values = rows.map((r) => r[name]).filter((v): v is number => v !== null);
    if (values.length === 0) continue;
    const sorted = [...values].sort((a, b) => a - b);
    out[name] = { median: Math.round(median(sorted) * 10000) / 10000, min: sorted[0], max: sorted[sorted.length - 1], values };
  }
  return out;
}
