/**
 * How cost looks to people (issue 12): a run's status.cost on `run describe`, a pool's retained runs summed
 * on `pool describe`, and where each attempt ran. Always labelled an estimate: prices come from the
 * controller's price table (LONGSHORE_FARGATE_PRICES over the published defaults), not from AWS billing.
 */
import type { Attempt, RunCost, RunRecord } from '../../controller/api/index.js';
import { renderTable } from './output.js';

/** Where an attempt ran: the capacity provider ECS placed it with, else its launch type. */
export function attemptPlacement(attempt: Attempt): string {
  const where = attempt.capacityProvider ?? attempt.launchType ?? '-';
  return attempt.requestedCapacity === 'on-demand' ? `${where} (spot fallback)` : where;
}

export function usd(value: number | undefined): string {
  return value === undefined ? '-' : `$${value.toFixed(6)}`;
}

/** The `Cost (estimate)` section of `run describe`. */
export function runCostLines(run: RunRecord): string[] {
  const lines = ['', 'Where attempts ran:'];
  if (run.status.attempts.length === 0) lines.push('  <none>');
  for (const attempt of run.status.attempts) lines.push(`  ${attempt.number}: ${attemptPlacement(attempt)}`);
  if (run.status.spotFallback) {
    lines.push(`  Spot fallback: from attempt ${run.status.spotFallback.fromAttempt} on-demand (${run.status.spotFallback.reason === 'capacity' ? 'Fargate Spot had no capacity' : 'Spot interruptions'})`);
  }
  lines.push('', 'Cost (estimate):');
  const cost = run.status.cost;
  if (!cost) {
    lines.push(run.status.phase === 'stopped' ? '  <not recorded>' : '  <when the run has stopped>');
    return lines;
  }
  lines.push(...costSummary(cost));
  if (cost.unpriced !== undefined) lines.push(`  Not priced: ${cost.unpriced}`);
  if (cost.attempts.length > 0) {
    const rows = cost.attempts.map((a) => [String(a.number), a.capacity, String(a.billedSeconds), String(a.vcpu), String(a.gb), usd(a.estimatedUsd), usd(a.onDemandUsd)]);
    lines.push(...renderTable(['#', 'CAPACITY', 'BILLED S', 'VCPU', 'GB', 'ESTIMATED', 'ON-DEMAND'], rows).trimEnd().split('\n').map((l) => `  ${l}`));
  }
  return lines;
}

function costSummary(cost: Pick<RunCost, 'vcpuSeconds' | 'gbSeconds' | 'estimatedUsd' | 'onDemandUsd'>): string[] {
  const savings = cost.estimatedUsd !== undefined && cost.onDemandUsd !== undefined ? cost.onDemandUsd - cost.estimatedUsd : undefined;
  return [
    `  vCPU-seconds: ${round(cost.vcpuSeconds)}   GB-seconds: ${round(cost.gbSeconds)}`,
    `  Estimated: ${usd(cost.estimatedUsd)}   On-demand would be: ${usd(cost.onDemandUsd)}   Spot savings: ${usd(savings)}`,
  ];
}

/** The `Cost (estimate)` section of `pool describe`: the pool's finished runs still retained, summed. */
export function poolCostLines(runs: readonly RunRecord[]): string[] {
  const costs = runs.map((r) => r.status.cost).filter((c): c is RunCost => c !== undefined);
  const sum = (pick: (c: RunCost) => number | undefined): number | undefined => {
    const values = costs.map(pick).filter((v): v is number => v !== undefined);
    return values.length === 0 ? undefined : values.reduce((a, b) => a + b, 0);
  };
  const fallbacks = runs.filter((r) => r.status.spotFallback !== undefined).length;
  const unpriced = costs.filter((c) => c.unpriced !== undefined);
  const lines = [
    '',
    `Cost (estimate, ${costs.length} finished run(s) still retained; longshore_cost_usd_total counts all):`,
    ...costSummary({ vcpuSeconds: sum((c) => c.vcpuSeconds) ?? 0, gbSeconds: sum((c) => c.gbSeconds) ?? 0, estimatedUsd: sum((c) => c.estimatedUsd), onDemandUsd: sum((c) => c.onDemandUsd) }),
    `  Runs that fell back from Spot to on-demand: ${fallbacks}`,
  ];
  // The sums above leave these runs' Fargate time unpriced; say so rather than show a total that looks whole.
  if (unpriced.length > 0) lines.push(`  Runs not priced: ${unpriced.length} (${unpriced[0].unpriced})`);
  return lines;
}

function round(value: number): string {
  return String(Math.round(value * 1000) / 1000);
}
