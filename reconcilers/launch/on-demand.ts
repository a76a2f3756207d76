/**
 * Spot → on-demand fallback: the placement an attempt uses once the run's spotFallback applies (pure). A
 * FARGATE_SPOT launch becomes the FARGATE launch type; a strategy keeps its on-demand providers (FARGATE and
 * any other that is not FARGATE_SPOT) and, when Spot was all it had, becomes the FARGATE launch type. ECS needs
 * a provider with a weight above 0 (RunTask refuses a strategy of zero weights), so kept providers that all
 * weigh 0 get weight 1.
 */
import type { Placement } from '../taskdef/placement.js';

export function onDemandPlacement(placement: Placement): Placement {
  const strategy = placement.capacityProviderStrategy?.filter((item) => item.capacityProvider !== 'FARGATE_SPOT');
  if (placement.capacityProviderStrategy === undefined) {
    return placement.requested === 'FARGATE_SPOT' ? fargate(placement) : placement;
  }
  if (strategy === undefined || strategy.length === 0) return fargate(placement);
  const weighted = strategy.some((item) => (item.weight ?? 0) > 0 || (item.base ?? 0) > 0) ? strategy : strategy.map((item) => ({ ...item, weight: 1 }));
  const onFargate = weighted.every((item) => item.capacityProvider === 'FARGATE');
  const out: Placement = { requested: placement.requested, capacityProviderStrategy: weighted, fargate: placement.fargate };
  if (onFargate) out.launchBucket = 'fargateLaunches';
  return out;
}

function fargate(placement: Placement): Placement {
  return { requested: placement.requested, launchType: 'FARGATE', fargate: true, launchBucket: 'fargateLaunches' };
}
