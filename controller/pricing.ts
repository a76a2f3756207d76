/**
 * What a run cost, estimated from its attempts, pure. AWS Fargate pricing: "pricing is calculated based on
 * the vCPU and memory resources used from the time you start to download your container image until the
 * Amazon ECS Task terminates, rounded up to the nearest second. A minimum charge of 1 minute applies"
 * (aws.amazon.com/fargate/pricing, docs/operations.md "Cost"). So an attempt is billed from its
 * pullStartedAt to its stoppedAt, rounded up to the second, at least 60 s, by task vCPU (cpu units / 1024)
 * and memory (GB = MiB / 1024), at the price of its Region, capacity (on-demand or Spot) and architecture.
 * EC2 and EXTERNAL attempts are sized the same way (no minimum) but not priced: their instances are billed
 * by EC2 or not by AWS at all. Ephemeral storage above 20 GB, data transfer and public IPv4 are left out.
 */
import { z } from 'zod';
import type { Attempt, AttemptCost, CostCapacity, RunCost } from './api/run-status.js';

export const FARGATE_MINIMUM_SECONDS = 60;
/** USD amounts are kept to a millionth of a dollar. */
const USD_DECIMALS = 6;

const hourly = z.number().nonnegative().finite();
export const Rate = z.strictObject({ vcpuHour: hourly, gbHour: hourly });
export type Rate = z.infer<typeof Rate>;
export const ArchitecturePrices = z.strictObject({ onDemand: Rate, spot: Rate });
export const RegionPrices = z.strictObject({ x86_64: ArchitecturePrices, arm64: ArchitecturePrices });
export type RegionPrices = z.infer<typeof RegionPrices>;
export type PriceTable = Readonly<Record<string, RegionPrices>>;

/** A partial table, as LONGSHORE_FARGATE_PRICES overrides the defaults (Region → architecture → capacity → rate). */
export const PriceTableOverride = z.record(
  z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d+$/, 'an AWS Region such as us-east-1'),
  z.strictObject({
    x86_64: z.strictObject({ onDemand: Rate.optional(), spot: Rate.optional() }).optional(),
    arm64: z.strictObject({ onDemand: Rate.optional(), spot: Rate.optional() }).optional(),
  }),
);
export type PriceTableOverride = z.infer<typeof PriceTableOverride>;

/*
 * Published Linux on-demand rates (US East (N. Virginia), the same in us-east-2, us-west-2 and eu-west-1):
 * x86 $0.04048 per vCPU-hour and $0.004445 per GB-hour; ARM (Graviton) $0.03238 and $0.00356. Only these
 * four Regions have defaults; a run elsewhere is sized but not priced, and says so (RunCost.unpriced).
 * Fargate Spot's price moves with spare capacity ("up to 70%" below on-demand): the default Spot rate is an
 * assumption, on-demand less the full 70%, so an installation that wants its own current Spot rates sets
 * them in LONGSHORE_FARGATE_PRICES.
 */
const X86_ON_DEMAND: Rate = { vcpuHour: 0.04048, gbHour: 0.004445 };
const ARM_ON_DEMAND: Rate = { vcpuHour: 0.03238, gbHour: 0.00356 };
const SPOT_SHARE = 0.3;
const spotOf = (rate: Rate): Rate => ({ vcpuHour: round(rate.vcpuHour * SPOT_SHARE, 8), gbHour: round(rate.gbHour * SPOT_SHARE, 8) });
const STANDARD: RegionPrices = {
  x86_64: { onDemand: X86_ON_DEMAND, spot: spotOf(X86_ON_DEMAND) },
  arm64: { onDemand: ARM_ON_DEMAND, spot: spotOf(ARM_ON_DEMAND) },
};
export const DEFAULT_PRICES: PriceTable = Object.freeze({
  'us-east-1': STANDARD,
  'us-east-2': STANDARD,
  'us-west-2': STANDARD,
  'eu-west-1': STANDARD,
});

/** The defaults with an override laid over them, rate by rate; a Region only in the override needs all four rates. */
export function mergePrices(defaults: PriceTable, override: PriceTableOverride): PriceTable {
  const out: Record<string, RegionPrices> = { ...defaults };
  for (const [region, archs] of Object.entries(override)) {
    const base = defaults[region];
    const merged = {
      x86_64: { onDemand: archs.x86_64?.onDemand ?? base?.x86_64.onDemand, spot: archs.x86_64?.spot ?? base?.x86_64.spot },
      arm64: { onDemand: archs.arm64?.onDemand ?? base?.arm64.onDemand, spot: archs.arm64?.spot ?? base?.arm64.spot },
    };
    const parsed = RegionPrices.safeParse(merged);
    if (!parsed.success) {
      throw new Error(`prices for ${region}: a Region without default prices needs x86_64 and arm64, each with onDemand and spot`);
    }
    out[region] = parsed.data;
  }
  return Object.freeze(out);
}

/** Where the attempt ran, from what ECS reported; undefined when no task was ever placed. */
export function capacityOf(attempt: Pick<Attempt, 'capacityProvider' | 'launchType'>): CostCapacity | undefined {
  if (attempt.capacityProvider === 'FARGATE_SPOT') return 'spot';
  if (attempt.capacityProvider === 'FARGATE') return 'on-demand';
  if (attempt.launchType === 'FARGATE') return 'on-demand';
  if (attempt.launchType === 'EC2') return 'ec2';
  if (attempt.launchType === 'EXTERNAL') return 'external';
  return undefined;
}

/** Seconds billed for one attempt: from image pull start to stop, rounded up, with Fargate's minimum. */
export function billedSeconds(pullStartedAt: string | undefined, stoppedAt: string | undefined, fargate: boolean): number {
  if (pullStartedAt === undefined || stoppedAt === undefined) return 0;
  const ms = Date.parse(stoppedAt) - Date.parse(pullStartedAt);
  if (!Number.isFinite(ms) || ms < 0) return 0;
  const seconds = Math.ceil(ms / 1000);
  return fargate ? Math.max(FARGATE_MINIMUM_SECONDS, seconds) : seconds;
}

export function attemptCost(attempt: Attempt, prices: RegionPrices | undefined): AttemptCost | undefined {
  const capacity = capacityOf(attempt);
  if (capacity === undefined || attempt.pullStartedAt === undefined) return undefined;
  const fargate = capacity === 'on-demand' || capacity === 'spot';
  const seconds = billedSeconds(attempt.pullStartedAt, attempt.stoppedAt, fargate);
  const vcpu = Number(attempt.cpu ?? 0) / 1024;
  const gb = Number(attempt.memory ?? 0) / 1024;
  const cost: AttemptCost = { number: attempt.number, capacity, billedSeconds: seconds, vcpu: finite(vcpu), gb: finite(gb) };
  if (!fargate || prices === undefined) return cost;
  const arch = attempt.cpuArchitecture === 'arm64' || attempt.cpuArchitecture === 'ARM64' ? prices.arm64 : prices.x86_64;
  const rate = capacity === 'spot' ? arch.spot : arch.onDemand;
  cost.estimatedUsd = usd(cost, rate);
  cost.onDemandUsd = usd(cost, arch.onDemand);
  return cost;
}

/** Why a Fargate attempt in `region` cannot be priced from `table`: the table has no prices for it. */
export function unpricedRegion(region: string, table: PriceTable): string {
  const known = Object.keys(table).sort();
  const has = known.length === 0 ? 'has no Regions' : `has ${known.join(', ')}`;
  return `no Fargate price is configured for Region ${region} (the price table ${has}; add it with LONGSHORE_FARGATE_PRICES or the Helm value controller.fargatePrices)`;
}

/** The run's cost: each attempt that placed a task, summed. USD only over the attempts that could be priced. */
export function runCost(attempts: readonly Attempt[], region: string, table: PriceTable): RunCost {
  const prices = Object.hasOwn(table, region) ? table[region] : undefined;
  const costs = attempts.map((a) => attemptCost(a, prices)).filter((c): c is AttemptCost => c !== undefined);
  const sum = (pick: (c: AttemptCost) => number | undefined): number | undefined => {
    const values = costs.map(pick).filter((v): v is number => v !== undefined);
    return values.length === 0 ? undefined : round(values.reduce((a, b) => a + b, 0), USD_DECIMALS);
  };
  const cost: RunCost = {
    estimate: true,
    region,
    vcpuSeconds: round(costs.reduce((s, c) => s + c.vcpu * c.billedSeconds, 0), 3),
    gbSeconds: round(costs.reduce((s, c) => s + c.gb * c.billedSeconds, 0), 3),
    attempts: costs,
  };
  const estimated = sum((c) => c.estimatedUsd);
  const onDemand = sum((c) => c.onDemandUsd);
  if (estimated !== undefined) cost.estimatedUsd = estimated;
  if (onDemand !== undefined) cost.onDemandUsd = onDemand;
  // Said, not left to be inferred from a missing estimatedUsd, which EC2 and EXTERNAL runs share.
  if (prices === undefined && costs.some((c) => c.capacity === 'on-demand' || c.capacity === 'spot')) cost.unpriced = unpricedRegion(region, table);
  return cost;
}

function usd(cost: Pick<AttemptCost, 'billedSeconds' | 'vcpu' | 'gb'>, rate: Rate): number {
  const hours = cost.billedSeconds / 3600;
  return round(cost.vcpu * hours * rate.vcpuHour + cost.gb * hours * rate.gbHour, USD_DECIMALS);
}

function finite(value: number): number {
  return Number.isFinite(value) && value > 0 ? value : 0;
}

function round(value: number, decimals: number): number {
  const factor = 10 ** decimals;
  return Math.round(value * factor) / factor;
}
