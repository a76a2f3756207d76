/** Where a pool's or run's tasks go: a launch type or a capacity-provider strategy. */
import { z } from 'zod';

export const LAUNCH_TYPES = ['FARGATE', 'FARGATE_SPOT', 'EC2', 'EXTERNAL'] as const;
export const LaunchType = z.enum(LAUNCH_TYPES);
export type LaunchType = z.infer<typeof LaunchType>;

/** ECS allows up to 20 providers in a strategy; weight 0–1000, base 0–100000. */
export const CapacityProviderStrategy = z
  .array(
    z.strictObject({
      capacityProvider: z.string().min(1).max(255),
      weight: z.number().int().min(0).max(1000).optional(),
      base: z.number().int().min(0).max(100000).optional(),
    }),
  )
  .min(1)
  .max(20);
export type CapacityProviderStrategy = z.infer<typeof CapacityProviderStrategy>;
