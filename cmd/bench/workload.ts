/**
 * What the benchmark submits: one Fargate pool per Region (`--regions`) and R runs over D task definitions, each run given a kind
 * from the outcome mix. Pure: the same options and seed give the same runs in the same order.
 */
import { DEFAULT_REGIONS, mulberry32 } from '@longshore/simulator';

export const API_VERSION = 'longshore.dev/v1alpha1';
export const POOL_NAME = 'bench';

/**
 * The Regions `--regions N` spreads the burst over, in this order: the controller's own Region first (the
 * simulator's default), then one in Europe and one in Asia Pacific as the issue names them, then the rest of
 * the Regions every account has enabled. The simulator serves each with its own ECS state and throttles.
 */
export const BENCH_REGIONS: readonly string[] = [
  ...new Set(['us-east-1', 'eu-west-1', 'ap-southeast-2', ...DEFAULT_REGIONS]),
];

/** One pool per Region: `bench` alone (the controller's Region, as before `--regions`) or `bench-<region>` each. */
export interface BenchPool { name: string; region?: string }
export function benchPools(regions: number): BenchPool[] {
  if (!Number.isInteger(regions) || regions < 1 || regions > BENCH_REGIONS.length) {
    throw new Error(`regions: expected an integer from 1 to ${BENCH_REGIONS.length}, got ${regions}`);
  }
  if (regions === 1) return [{ name: POOL_NAME }];
  return BENCH_REGIONS.slice(0, regions).map((region) => ({ name: `${POOL_NAME}-${region}`, region }));
}

/** How a run is asked to behave, and the outcome that behaviour must end in. */
export const RUN_KINDS = {
  /** Exits 0. */
  succeed: { outcome: 'succeeded', attempts: 1 },
  /** Exits 3: an application failure, not retried. */
  fail: { outcome: 'failed', attempts: 1 },
  /** On Fargate Spot, interrupted once halfway through its run: the first attempt crashes, the retry succeeds. */
  spot: { outcome: 'succeeded', attempts: 2 },
  /** Fails to start (CannotPullContainerError) once: the retry succeeds. */
  'start-retry': { outcome: 'succeeded', attempts: 2 },
} as const;
export type RunKind = keyof typeof RUN_KINDS;
export const KIND_NAMES = Object.keys(RUN_KINDS) as RunKind[];

export type OutcomeMix = Partial<Record<RunKind, number>>;
export const DEFAULT_MIX: OutcomeMix = { succeed: 90, fail: 5, spot: 3, 'start-retry': 2 };

/** `succeed=90,fail=5,spot=3` → weights; unknown kinds and negative weights are errors. */
export function parseMix(text: string): OutcomeMix {
  const mix: OutcomeMix = {};
  for (const part of text.split(',').map((p) => p.trim()).filter((p) => p !== '')) {
    const [name, weight] = part.split('=');
    if (!(KIND_NAMES as string[]).includes(name)) throw new Error(`unknown run kind "${name}"; expected one of ${KIND_NAMES.join(', ')}`);
    const value = Number(weight);
    if (!Number.isFinite(value) || value < 0) throw new Error(`weight of "${name}": expected a number >= 0, got "${weight}"`);
    mix[name as RunKind] = value;
  }
  if (Object.values(mix).reduce((a, b) => a + b, 0) <= 0) throw new Error('the mix needs at least one positive weight');
  return mix;
}

/** Exact counts per kind summing to `runs` (largest remainder), so the report can check every outcome. */
export function kindCounts(runs: number, mix: OutcomeMix): Record<RunKind, number> {
  const total = KIND_NAMES.reduce((sum, k) => sum + (mix[k] ?? 0), 0);
  const exact = KIND_NAMES.map((k) => ((mix[k] ?? 0) * runs) / total);
  const counts = exact.map(Math.floor);
  const byRemainder = KIND_NAMES.map((_, i) => i).sort((a, b) => exact[b] - counts[b] - (exact[a] - counts[a]));
  for (let left = runs - counts.reduce((a, b) => a + b, 0), j = 0; left > 0; left -= 1, j += 1) counts[byRemainder[j]] += 1;
  return Object.fromEntries(KIND_NAMES.map((k, i) => [k, counts[i]])) as Record<RunKind, number>;
}

export interface PlannedRun {
  name: string;
  kind: RunKind;
  document: { apiVersion: string; kind: 'Run'; metadata: { name: string }; spec: Record<string, unknown> };
}

export interface WorkloadOptions {
  runs: number;
  definitions: number;
  mix: OutcomeMix;
  seed: number;
  /** Simulated seconds each task runs. */
  runSeconds: number;
  /**
   * The pools the runs are dealt over, run i to pool i mod n, and deployment ⌊i ÷ n⌋ mod D so that every pool
   * (every Region) uses every definition. Default: the one `bench` pool.
   */
  pools?: readonly string[];
}

export function planRuns(options: WorkloadOptions): PlannedRun[] {
  const counts = kindCounts(options.runs, options.mix);
  const kinds = KIND_NAMES.flatMap((k) => Array.from({ length: counts[k] }, () => k));
  const random = mulberry32(options.seed);
  for (let i = kinds.length - 1; i > 0; i -= 1) {
    const j = Math.floor(random() * (i + 1));
    [kinds[i], kinds[j]] = [kinds[j], kinds[i]];
  }
  const pools = options.pools ?? [POOL_NAME];
  return kinds.map((kind, i) => {
    const name = `bench-${String(i).padStart(5, '0')}`;
    const spec: Record<string, unknown> = {
      pool: pools[i % pools.length],
      deployment: `flow-${Math.floor(i / pools.length) % options.definitions}`,
      env: { SIM_RUN_SECONDS: String(options.runSeconds), ...kindEnv(kind, options.runSeconds) },
    };
    if (kind === 'spot') spec.capacityProviderStrategy = [{ capacityProvider: 'FARGATE_SPOT', weight: 1 }];
    return { name, kind, document: { apiVersion: API_VERSION, kind: 'Run', metadata: { name }, spec } };
  });
}

function kindEnv(kind: RunKind, runSeconds: number): Record<string, string> {
  switch (kind) {
    case 'succeed':
      return {};
    case 'fail':
      return { SIM_EXIT_CODE: '3' };
    case 'spot':
      // The notice must come while the task still runs, or the simulator lets it exit normally.
      return { SIM_SPOT_INTERRUPT_AFTER_SECONDS: String(runSeconds / 2), SIM_SPOT_INTERRUPT_TIMES: '1' };
    case 'start-retry':
      return { SIM_FAIL_START: 'CannotPullContainerError', SIM_FAIL_START_TIMES: '1' };
  }
}

export function poolDocument(pool: BenchPool = { name: POOL_NAME }) {
  return {
    apiVersion: API_VERSION,
    kind: 'Pool',
    metadata: { name: pool.name },
    spec: {
      ...(pool.region === undefined ? {} : { region: pool.region }),
      image: 'public.ecr.aws/docker/library/busybox:latest',
      cpu: 256,
      memory: 512,
      taskDefinition: { containerDefinitions: [{ name: 'flow' }] },
      retry: { infrastructureAttempts: 3, backoff: { initialSeconds: 1, maxSeconds: 4, multiplier: 2 } },
    },
  };
}

/**
 * `count` runs that succeed after `runSeconds` (longer than any benchmark: they stay RUNNING until cancelled or
 * the benchmark ends), named `<prefix>-<i>`, over the same definitions as the burst.
 */
export function longRunDocuments(prefix: string, count: number, options: { definitions: number; runSeconds: number; pools?: readonly string[] }): PlannedRun['document'][] {
  const pools = options.pools ?? [POOL_NAME];
  return Array.from({ length: count }, (_, i) => {
    const name = `${prefix}-${String(i).padStart(5, '0')}`;
    const spec = { pool: pools[i % pools.length], deployment: `flow-${Math.floor(i / pools.length) % options.definitions}`, env: { SIM_RUN_SECONDS: String(options.runSeconds) } };
    return { apiVersion: API_VERSION, kind: 'Run' as const, metadata: { name }, spec };
  });
}
