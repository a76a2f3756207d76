/**
 * The ECS throttle categories the controller paces itself under, with AWS's default bucket sizes
 * (docs/ecs-facts.md#throttling). Every action the gateway performs belongs to exactly one API category;
 * Fargate RunTask additionally spends the Fargate call bucket and one launch token per task.
 */
export const THROTTLE_CATEGORIES = [
  'taskDefinitionModify',
  'taskDefinitionRead',
  'clusterResourceModify',
  'clusterResourceRead',
  'clusterRead',
  'fargateRunTaskCalls',
  'fargateLaunches',
  'fargateSpotLaunches',
  'ec2Describe',
  'logsRead',
] as const;

export type ThrottleCategory = (typeof THROTTLE_CATEGORIES)[number];

/** A token bucket's shape: `burst` tokens at most, refilled at `refillPerSecond`. */
export interface BucketSpec {
  burst: number;
  refillPerSecond: number;
}

export type BudgetTable = Readonly<Record<ThrottleCategory, Readonly<BucketSpec>>>;

/** AWS's published defaults (per account and Region); raise them with LONGSHORE_BUDGET_* for raised quotas. */
export const DEFAULT_BUDGETS: BudgetTable = Object.freeze({
  taskDefinitionModify: { burst: 20, refillPerSecond: 1 },
  taskDefinitionRead: { burst: 50, refillPerSecond: 20 },
  clusterResourceModify: { burst: 100, refillPerSecond: 40 },
  clusterResourceRead: { burst: 100, refillPerSecond: 20 },
  clusterRead: { burst: 50, refillPerSecond: 20 },
  fargateRunTaskCalls: { burst: 20, refillPerSecond: 20 },
  fargateLaunches: { burst: 100, refillPerSecond: 20 },
  fargateSpotLaunches: { burst: 100, refillPerSecond: 20 },
  ec2Describe: { burst: 100, refillPerSecond: 20 },
  logsRead: { burst: 10, refillPerSecond: 10 },
});

/**
 * The table with every refill rate multiplied by `scale`, bursts unchanged: the budgets for an ECS whose
 * clock runs `scale` times faster (LONGSHORE_BUDGET_TIME_SCALE against a time-scaled simulator).
 */
export function scaleBudgets(table: BudgetTable, scale: number): BudgetTable {
  return Object.freeze(
    Object.fromEntries(
      THROTTLE_CATEGORIES.map((c): [ThrottleCategory, BucketSpec] => [c, Object.freeze({ burst: table[c].burst, refillPerSecond: table[c].refillPerSecond * scale })]),
    ) as Record<ThrottleCategory, BucketSpec>,
  );
}

/** The AWS action each gateway method performs, mapped to the API bucket it spends. */
export const ACTION_CATEGORY = Object.freeze({
  RegisterTaskDefinition: 'taskDefinitionModify',
  DeregisterTaskDefinition: 'taskDefinitionModify',
  DescribeTaskDefinition: 'taskDefinitionRead',
  ListTaskDefinitions: 'taskDefinitionRead',
  RunTask: 'clusterResourceModify',
  StopTask: 'clusterResourceModify',
  DescribeTasks: 'clusterResourceRead',
  ListTasks: 'clusterResourceRead',
  DescribeClusters: 'clusterRead',
  DescribeVpcs: 'ec2Describe',
  DescribeSubnets: 'ec2Describe',
  GetLogEvents: 'logsRead',
} as const satisfies Record<string, ThrottleCategory>);

export type GatewayAction = keyof typeof ACTION_CATEGORY;

/** The fraction of each burst kept back against jitter between our bucket and AWS's (every process that calls AWS uses it). */
export const BURST_RESERVE_FRACTION = 0.05;

/**
 * The reserve also covers this much refill: our bucket grants a call some time before AWS counts it, and that
 * delay varies (the event loop, the network). Once both buckets run empty, calls granted at exactly the
 * refill rate reach AWS bunched by that variation, and AWS throttles whatever arrives before its bucket has
 * refilled for it. Tokens AWS still holds absorb the bunching: at 20 per second, 5 % of a 20-token burst is
 * one token, 50 ms; the 1,000-run benchmark at ×2 (40 per real second: 25 ms) still met a throttle in some
 * runs. The reserve only lowers the first burst we take, never the sustained rate, so it costs the launch
 * window a few tokens' worth once (0.1 s at ECS's 20 per second: 2 tokens of RunTask's 20).
 */
export const JITTER_ALLOWANCE_SECONDS = 0.1;

/**
 * The burst a controller lets itself use: the bucket's burst minus the reserve, which is the larger of
 * `reserveFraction` of the burst (at least one token) and `jitterSeconds` of refill, but never more than half
 * the burst. No reserve when both are 0.
 */
export function usableBurst(spec: BucketSpec, reserveFraction: number, jitterSeconds = 0): number {
  const { burst, refillPerSecond } = spec;
  if (reserveFraction <= 0 && jitterSeconds <= 0) return burst;
  const byFraction = reserveFraction > 0 ? Math.max(1, Math.ceil(burst * reserveFraction)) : 0;
  // The epsilon keeps float error from adding a token (20 × 0.1 is 2.0000000000000004).
  const byJitter = Math.ceil(refillPerSecond * jitterSeconds - 1e-9);
  const reserve = Math.min(Math.max(byFraction, byJitter), Math.floor(burst / 2));
  return Math.max(1, burst - reserve);
}

export const GATEWAY_ACTIONS = Object.keys(ACTION_CATEGORY) as GatewayAction[];

/** `taskDefinitionModify` → `TASK_DEFINITION_MODIFY`, the suffix of its LONGSHORE_BUDGET_* variable. */
export function budgetEnvName(category: ThrottleCategory): string {
  return `LONGSHORE_BUDGET_${category.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase()}`;
}
