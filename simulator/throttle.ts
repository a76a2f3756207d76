/**
 * ECS's API throttling as token buckets, one per AWS category, with AWS's default numbers; every figure
 * and its source is in docs/ecs-facts.md#throttling. Every figure can be overridden (for raised quotas)
 * and throttling can be switched off. A time scale k multiplies every refill rate by k; bursts stay as
 * AWS documents them.
 */
import { TokenBucket } from './token-bucket.js';

export interface BucketLimits {
  /** Burst: maximum tokens. */
  capacity: number;
  /** Sustained: tokens per (simulated) second. */
  refillPerSecond: number;
}

export const THROTTLE_DEFAULTS = {
  clusterModify: { capacity: 20, refillPerSecond: 1 },
  clusterRead: { capacity: 50, refillPerSecond: 20 },
  taskDefinitionModify: { capacity: 20, refillPerSecond: 1 },
  taskDefinitionRead: { capacity: 50, refillPerSecond: 20 },
  clusterResourceModify: { capacity: 100, refillPerSecond: 40 },
  clusterResourceRead: { capacity: 100, refillPerSecond: 20 },
  /** Fargate's own limit on RunTask calls, checked on top of clusterResourceModify. */
  fargateRunTaskCalls: { capacity: 20, refillPerSecond: 20 },
  /** Fargate task launches, spent per task: on-demand and Spot have separate buckets. */
  fargateOnDemandLaunches: { capacity: 100, refillPerSecond: 20 },
  fargateSpotLaunches: { capacity: 100, refillPerSecond: 20 },
  /** EC2 non-mutating describe calls. */
  ec2Describe: { capacity: 100, refillPerSecond: 20 },
  /** CloudWatch Logs GetLogEvents, "10 requests per second" on the old limits page. */
  logsGetLogEvents: { capacity: 10, refillPerSecond: 10 },
} as const satisfies Record<string, BucketLimits>;

export type ThrottleCategory = keyof typeof THROTTLE_DEFAULTS;
export const THROTTLE_CATEGORIES = Object.keys(THROTTLE_DEFAULTS) as ThrottleCategory[];

/** `true`/undefined = AWS defaults, `false` = no throttling, an object = defaults with overrides. */
export type ThrottleSetting = boolean | Partial<Record<ThrottleCategory, Partial<BucketLimits>>>;

/** Which bucket each ECS action spends one token from (docs/ecs-facts.md#throttling, the table). */
export const ECS_ACTION_CATEGORY: Readonly<Record<string, ThrottleCategory>> = {
  CreateCluster: 'clusterModify',
  DeleteCluster: 'clusterModify',
  UpdateCluster: 'clusterModify',
  DescribeClusters: 'clusterRead',
  ListClusters: 'clusterRead',
  RegisterTaskDefinition: 'taskDefinitionModify',
  DeregisterTaskDefinition: 'taskDefinitionModify',
  DeleteTaskDefinitions: 'taskDefinitionModify',
  DescribeTaskDefinition: 'taskDefinitionRead',
  ListTaskDefinitions: 'taskDefinitionRead',
  ListTaskDefinitionFamilies: 'taskDefinitionRead',
  RunTask: 'clusterResourceModify',
  StartTask: 'clusterResourceModify',
  StopTask: 'clusterResourceModify',
  DescribeTasks: 'clusterResourceRead',
  ListTasks: 'clusterResourceRead',
  DescribeContainerInstances: 'clusterResourceRead',
  ListContainerInstances: 'clusterResourceRead',
};

export function resolveThrottleLimits(setting: ThrottleSetting | undefined): Record<ThrottleCategory, BucketLimits> | undefined {
  if (setting === false) return undefined;
  const overrides = typeof setting === 'object' ? setting : {};
  const result = {} as Record<ThrottleCategory, BucketLimits>;
  for (const category of THROTTLE_CATEGORIES) {
    const limits = { ...THROTTLE_DEFAULTS[category], ...overrides[category] };
    if (!(limits.capacity > 0) || !(limits.refillPerSecond >= 0)) {
      throw new Error(`throttling.${category}: expected capacity > 0 and refillPerSecond >= 0, got ${JSON.stringify(limits)}`);
    }
    result[category] = limits;
  }
  return result;
}

/** The live buckets. With throttling off every `take` succeeds and `bucket()` answers undefined. */
export class Throttles {
  private readonly buckets: Partial<Record<ThrottleCategory, TokenBucket>> = {};

  constructor(limits: Record<ThrottleCategory, BucketLimits> | undefined, timeScale: number, now: () => number) {
    if (limits === undefined) return;
    for (const category of THROTTLE_CATEGORIES) {
      this.buckets[category] = new TokenBucket({
        capacity: limits[category].capacity,
        refillPerSecond: limits[category].refillPerSecond * timeScale,
        now,
      });
    }
  }

  bucket(category: ThrottleCategory): TokenBucket | undefined {
    return this.buckets[category];
  }

  /** Takes one token from the category's bucket; false means throttled. */
  take(category: ThrottleCategory): boolean {
    const bucket = this.buckets[category];
    return bucket === undefined || bucket.tryTake();
  }

  /** Takes from every (category, count) pair or from none: a throttled call spends nothing. */
  takeAll(requests: ReadonlyArray<readonly [ThrottleCategory, number]>): ThrottleCategory | undefined {
    for (const [category, count] of requests) {
      const bucket = this.buckets[category];
      if (bucket !== undefined && bucket.available() + 1e-9 < count) return category;
    }
    for (const [category, count] of requests) this.buckets[category]?.tryTake(count);
    return undefined;
  }

  /** Refills every bucket to its burst (POST /_sim/reset); the bucket objects handed out stay valid. */
  reset(): void {
    for (const bucket of Object.values(this.buckets)) bucket.refillToCapacity();
  }
}
