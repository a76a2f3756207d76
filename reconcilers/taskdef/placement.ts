/**
 * Where a run's task goes: a launch type, or a capacity-provider strategy, and whether that means Fargate.
 * Shared by rendering (Fargate needs task-level cpu/memory and awsvpc) and by the RunTask input.
 */
import type { CapacityProviderStrategyItem, LaunchType, PoolLike, RunLike } from './inputs.js';

export const DEFAULT_LAUNCH_TYPE: LaunchType = 'FARGATE';

export interface Placement {
  /** What the user asked for (FARGATE_SPOT included), after run-over-pool precedence and the default. */
  requested: LaunchType | undefined;
  /** RunTask's launchType; absent whenever a capacity-provider strategy is used. */
  launchType?: 'FARGATE' | 'EC2' | 'EXTERNAL';
  capacityProviderStrategy?: CapacityProviderStrategyItem[];
  /** Fargate (on-demand or Spot): task-level cpu/memory strings, FARGATE compatibility, awsvpc. */
  fargate: boolean;
  /** The Fargate launch bucket a RunTask of this placement spends, if any. */
  launchBucket?: 'fargateLaunches' | 'fargateSpotLaunches';
}

const FARGATE_PROVIDERS = new Set(['FARGATE', 'FARGATE_SPOT']);

/**
 * A run that names a launch type or a strategy replaces the pool's placement as a whole (mixing a run's
 * launch type with a pool's strategy would send both, which RunTask rejects).
 */
export function resolvePlacement(pool: PoolLike, run: RunLike): Placement {
  const source = run.spec.launchType !== undefined || nonEmpty(run.spec.capacityProviderStrategy) ? run.spec : pool.spec;
  const strategy = nonEmpty(source.capacityProviderStrategy) ? source.capacityProviderStrategy : undefined;
  const requested = source.launchType ?? (strategy ? undefined : DEFAULT_LAUNCH_TYPE);

  if (strategy) {
    const fargate = requested !== undefined
      ? requested === 'FARGATE' || requested === 'FARGATE_SPOT'
      : strategy.every((item) => FARGATE_PROVIDERS.has(item.capacityProvider));
    return { requested, capacityProviderStrategy: strategy, fargate, launchBucket: bucketForStrategy(strategy) };
  }
  if (requested === 'FARGATE_SPOT') {
    return {
      requested,
      capacityProviderStrategy: [{ capacityProvider: 'FARGATE_SPOT', weight: 1 }],
      fargate: true,
      launchBucket: 'fargateSpotLaunches',
    };
  }
  if (requested === 'EC2' || requested === 'EXTERNAL') return { requested, launchType: requested, fargate: false };
  return { requested, launchType: 'FARGATE', fargate: true, launchBucket: 'fargateLaunches' };
}

/**
 * The provider a single task lands on: one with a base is filled first, otherwise the heaviest weight.
 * Only Fargate providers spend a Fargate launch bucket.
 */
function bucketForStrategy(strategy: CapacityProviderStrategyItem[]): Placement['launchBucket'] {
  const withBase = strategy.find((item) => (item.base ?? 0) > 0);
  const chosen = withBase ?? [...strategy].sort((a, b) => (b.weight ?? 0) - (a.weight ?? 0))[0];
  if (chosen?.capacityProvider === 'FARGATE') return 'fargateLaunches';
  if (chosen?.capacityProvider === 'FARGATE_SPOT') return 'fargateSpotLaunches';
  return undefined;
}

function nonEmpty<T>(list: T[] | undefined): list is T[] {
  return list !== undefined && list.length > 0;
}
