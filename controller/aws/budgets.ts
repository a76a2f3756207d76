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

export const GATEWAY_ACTIONS = Object.keys(ACTION_CATEGORY) as GatewayAction[];

/** `taskDefinitionModify` → `TASK_DEFINITION_MODIFY`, the suffix of its LONGSHORE_BUDGET_* variable. */
export function budgetEnvName(category: ThrottleCategory): string {
  return `LONGSHORE_BUDGET_${category.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase()}`;
}
