/**
 * Which Fargate launch bucket a RunTask spends, read from its input: launchType FARGATE, or a capacity
 * provider strategy naming FARGATE / FARGATE_SPOT. A mixed strategy counts against on-demand, the larger
 * quota consumer in practice. EC2 and EXTERNAL launches spend no Fargate tokens.
 */
import type { RunTaskCommandInput } from '@aws-sdk/client-ecs';

export interface FargateLaunches {
  category: 'fargateLaunches' | 'fargateSpotLaunches';
  count: number;
}

export function fargateLaunchesOf(input: RunTaskCommandInput): FargateLaunches | undefined {
  const count = input.count ?? 1;
  const providers = (input.capacityProviderStrategy ?? []).map((item) => item.capacityProvider);
  if (providers.length > 0) {
    if (providers.includes('FARGATE')) return { category: 'fargateLaunches', count };
    if (providers.includes('FARGATE_SPOT')) return { category: 'fargateSpotLaunches', count };
    return undefined;
  }
  return input.launchType === 'FARGATE' ? { category: 'fargateLaunches', count } : undefined;
}
