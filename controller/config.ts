/**
 * The controller's configuration, compiled once from environment variables (and CLI flags, which the
 * command translates into the same variable names), validated, and frozen. Names carry their units
 * (resyncIntervalMs ← LONGSHORE_RESYNC_INTERVAL_SECONDS). AWS region and credentials are left to the SDK's
 * default provider chain (AWS_REGION, AWS_PROFILE, AWS_ACCESS_KEY_ID, instance roles…).
 */
import { hostname } from 'node:os';
import { z } from 'zod';
import { BucketSpec, BudgetTable, DEFAULT_BUDGETS, THROTTLE_CATEGORIES, ThrottleCategory, budgetEnvName, scaleBudgets } from './aws/budgets.js';

/** The BullMQ queues. Control messages (cancel, kill) come through the store's durable control stream instead. */
export const QUEUE_NAMES = ['reconcile-run', 'register-taskdef', 'resync'] as const;
export type QueueName = (typeof QUEUE_NAMES)[number];

export interface ControllerConfig {
  readonly redisUrl: string;
  readonly namespace: string;
  /** Names this process among replicas (BullMQ worker names, stream consumer names, logs). */
  readonly replicaId: string;
  readonly aws: { readonly region: string | undefined; readonly endpointUrl: string | undefined };
  /** SQS queue receiving EventBridge "ECS Task State Change" events; the resync alone observes tasks without it. */
  readonly taskEventsQueueUrl: string | undefined;
  readonly concurrency: Readonly<Record<QueueName, number>>;
  readonly budgets: BudgetTable;
  /** How long a gateway call in `wait` mode may wait for a token before giving up. */
  readonly budgetMaxWaitMs: number;
  readonly resyncIntervalMs: number;
  /** How long a stopped run is kept before the retention sweep deletes it (the store's retention). */
  readonly runRetentionSeconds: number;
  /** Interval of the cluster-wide orphaned-task sweep; 0 disables it. */
  readonly orphanSweepIntervalMs: number;
  readonly metricsPort: number;
  readonly metricsHost: string;
  /** After SIGTERM: how long in-flight jobs may run before they are handed back and the process exits. */
  readonly shutdownGraceMs: number;
  /**
   * How long a dead replica's work stays claimed: its jobs' locks and its unacknowledged change-feed and
   * control entries are taken over by a live replica after this long.
   */
  readonly jobLockMs: number;
  readonly logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
}

/** Every variable the controller reads, with its default and meaning: drives CLI help and docs. */
export const CONFIG_VARIABLES: ReadonlyArray<{ name: string; default: string; description: string }> = [
  { name: 'REDIS_URL', default: 'redis://127.0.0.1:6379', description: 'Redis holding state, caches, budgets and queues (maxmemory-policy noeviction).' },
  { name: 'LONGSHORE_NAMESPACE', default: 'default', description: 'Key namespace: every key is under longshore:{<namespace>}:.' },
  { name: 'LONGSHORE_REPLICA_ID', default: '<hostname>-<pid>', description: 'This replica\'s name in queues, consumer groups and logs.' },
  { name: 'AWS_REGION', default: '(SDK default chain)', description: 'Region of the ECS clusters; credentials come from the SDK default chain.' },
  { name: 'AWS_ENDPOINT_URL', default: '(AWS)', description: 'Endpoint for ECS, EC2 and CloudWatch Logs, e.g. the simulator.' },
  { name: 'LONGSHORE_TASK_EVENTS_QUEUE_URL', default: '(none)', description: 'SQS queue of EventBridge "ECS Task State Change" events (optional; speeds up observation).' },
  { name: 'LONGSHORE_CONCURRENCY_RECONCILE_RUN', default: '50', description: 'Concurrent run reconciles per replica.' },
  { name: 'LONGSHORE_CONCURRENCY_REGISTER_TASKDEF', default: '5', description: 'Concurrent task-definition registrations per replica.' },
  { name: 'LONGSHORE_CONCURRENCY_RESYNC', default: '2', description: 'Concurrent cluster resyncs per replica.' },
  ...THROTTLE_CATEGORIES.map((category) => ({
    name: budgetEnvName(category),
    default: `${DEFAULT_BUDGETS[category].burst}/${DEFAULT_BUDGETS[category].refillPerSecond}`,
    description: `ECS budget "${category}" as <burst>/<refill per second>, shared by all replicas.`,
  })),
  { name: 'LONGSHORE_BUDGET_TIME_SCALE', default: '1', description: 'Multiplies every refill rate (for a time-scaled simulator).' },
  { name: 'LONGSHORE_BUDGET_MAX_WAIT_SECONDS', default: '30', description: 'Longest a waiting gateway call waits for a token.' },
  { name: 'LONGSHORE_RESYNC_INTERVAL_SECONDS', default: '10', description: 'Interval of the per-cluster task resync.' },
  { name: 'LONGSHORE_ORPHAN_SWEEP_INTERVAL_SECONDS', default: '300', description: 'Interval of the sweep that adopts or stops orphaned tasks carrying our startedBy (0 disables it).' },
  { name: 'LONGSHORE_RUN_RETENTION_SECONDS', default: '604800', description: 'How long a stopped run is kept (7 days) before the retention sweep deletes it.' },
  { name: 'LONGSHORE_METRICS_PORT', default: '9464', description: 'Port of /metrics, /healthz and /readyz (0 picks a free port).' },
  { name: 'LONGSHORE_METRICS_HOST', default: '0.0.0.0', description: 'Address the metrics server binds.' },
  { name: 'LONGSHORE_SHUTDOWN_GRACE_SECONDS', default: '25', description: 'On SIGTERM/SIGINT, time allowed for in-flight jobs.' },
  { name: 'LONGSHORE_JOB_LOCK_SECONDS', default: '30', description: 'After this long a dead replica\'s jobs and stream entries are taken over.' },
  { name: 'LONGSHORE_LOG_LEVEL', default: 'info', description: 'pino level: fatal, error, warn, info, debug, trace, silent.' },
];

export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`invalid configuration:\n  ${problems.join('\n  ')}`);
    this.name = 'ConfigError';
  }
}

const integer = (min: number, max: number, fallback: number) =>
  z.coerce.number().int().min(min).max(max).default(fallback);
const positiveSeconds = (fallback: number) => z.coerce.number().positive().max(86_400).default(fallback);
const bucketSpec = (fallback: BucketSpec) =>
  z
    .string()
    .regex(/^\d+(\.\d+)?\/\d+(\.\d+)?$/)
    .transform((text): BucketSpec => {
      const [burst, refill] = text.split('/').map(Number);
      return { burst, refillPerSecond: refill };
    })
    .refine((spec) => spec.burst >= 1 && spec.refillPerSecond > 0)
    .default(fallback);

/** What each variable should look like, for messages that say what was expected. */
const EXPECTED: Record<string, string> = {
  REDIS_URL: 'a redis:// or rediss:// URL',
  LONGSHORE_NAMESPACE: 'lower-case letters, digits and dashes, 1-63 characters, starting with a letter or digit',
  LONGSHORE_REPLICA_ID: 'letters, digits, dot, dash or underscore, 1-128 characters',
  AWS_ENDPOINT_URL: 'an http:// or https:// URL',
  LONGSHORE_TASK_EVENTS_QUEUE_URL: 'an http:// or https:// SQS queue URL',
  LONGSHORE_METRICS_PORT: 'an integer port from 0 to 65535',
  LONGSHORE_LOG_LEVEL: 'one of fatal, error, warn, info, debug, trace, silent',
  LONGSHORE_BUDGET_TIME_SCALE: 'a positive number up to 1000',
  LONGSHORE_JOB_LOCK_SECONDS: 'a number of seconds from 1 to 3600',
  LONGSHORE_ORPHAN_SWEEP_INTERVAL_SECONDS: 'a number of seconds from 0 (disabled) to 86400',
  LONGSHORE_RUN_RETENTION_SECONDS: 'a number of seconds from 60 to 31536000 (one year)',
};
const expectedFor = (name: string): string =>
  EXPECTED[name] ??
  (name.startsWith('LONGSHORE_BUDGET_') ? '<burst>/<refill per second>, burst >= 1 and refill > 0, e.g. 100/40'
    : name.startsWith('LONGSHORE_CONCURRENCY_') ? 'an integer from 1 to 1000'
      : name.endsWith('_SECONDS') ? 'a positive number of seconds' : 'a valid value');

const budgetShape = Object.fromEntries(
  THROTTLE_CATEGORIES.map((category) => [budgetEnvName(category), bucketSpec(DEFAULT_BUDGETS[category])]),
) as Record<string, ReturnType<typeof bucketSpec>>;

const schema = z.object({
  REDIS_URL: z.string().regex(/^rediss?:\/\/\S+$/).default('redis://127.0.0.1:6379'),
  LONGSHORE_NAMESPACE: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/).default('default'),
  LONGSHORE_REPLICA_ID: z.string().regex(/^[A-Za-z0-9._-]{1,128}$/).optional(),
  AWS_REGION: z.string().min(1).optional(),
  AWS_DEFAULT_REGION: z.string().min(1).optional(),
  AWS_ENDPOINT_URL: z.string().regex(/^https?:\/\/\S+$/).optional(),
  LONGSHORE_TASK_EVENTS_QUEUE_URL: z.string().regex(/^https?:\/\/\S+$/).optional(),
  LONGSHORE_CONCURRENCY_RECONCILE_RUN: integer(1, 1000, 50),
  LONGSHORE_CONCURRENCY_REGISTER_TASKDEF: integer(1, 1000, 5),
  LONGSHORE_CONCURRENCY_RESYNC: integer(1, 1000, 2),
  ...budgetShape,
  LONGSHORE_BUDGET_TIME_SCALE: z.coerce.number().positive().max(1000).default(1),
  LONGSHORE_BUDGET_MAX_WAIT_SECONDS: positiveSeconds(30),
  LONGSHORE_RESYNC_INTERVAL_SECONDS: positiveSeconds(10),
  LONGSHORE_ORPHAN_SWEEP_INTERVAL_SECONDS: z.coerce.number().min(0).max(86_400).default(300),
  LONGSHORE_RUN_RETENTION_SECONDS: z.coerce.number().min(60).max(365 * 86_400).default(7 * 86_400),
  LONGSHORE_METRICS_PORT: integer(0, 65535, 9464),
  LONGSHORE_METRICS_HOST: z.string().min(1).default('0.0.0.0'),
  LONGSHORE_SHUTDOWN_GRACE_SECONDS: positiveSeconds(25),
  LONGSHORE_JOB_LOCK_SECONDS: z.coerce.number().min(1).max(3600).default(30),
  LONGSHORE_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

/**
 * Compiles the configuration from `source` (normally `{ ...process.env, ...flagsAsVariables }`).
 * Empty strings count as unset. Throws ConfigError listing every invalid variable with what was
 * expected and what was got.
 */
export function compileConfig(source: Readonly<Record<string, string | undefined>>, pid = process.pid): ControllerConfig {
  const relevant: Record<string, string> = {};
  for (const key of Object.keys(schema.shape)) {
    const value = source[key]?.trim();
    if (value !== undefined && value !== '') relevant[key] = value;
  }
  const parsed = schema.safeParse(relevant);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => {
      const name = String(issue.path[0]);
      return `${name}: expected ${expectedFor(name)}, got ${JSON.stringify(relevant[name])}`;
    });
    throw new ConfigError([...new Set(problems)]);
  }
  const v = parsed.data;
  const configured = Object.fromEntries(
    THROTTLE_CATEGORIES.map((category): [ThrottleCategory, BucketSpec] => [category, (v as Record<string, unknown>)[budgetEnvName(category)] as BucketSpec]),
  ) as Record<ThrottleCategory, BucketSpec>;
  const budgets = scaleBudgets(configured, v.LONGSHORE_BUDGET_TIME_SCALE);
  return deepFreeze({
    redisUrl: v.REDIS_URL,
    namespace: v.LONGSHORE_NAMESPACE,
    replicaId: v.LONGSHORE_REPLICA_ID ?? `${hostname().replace(/[^A-Za-z0-9._-]/g, '-')}-${pid}`,
    aws: { region: v.AWS_REGION ?? v.AWS_DEFAULT_REGION, endpointUrl: v.AWS_ENDPOINT_URL },
    taskEventsQueueUrl: v.LONGSHORE_TASK_EVENTS_QUEUE_URL,
    concurrency: {
      'reconcile-run': v.LONGSHORE_CONCURRENCY_RECONCILE_RUN,
      'register-taskdef': v.LONGSHORE_CONCURRENCY_REGISTER_TASKDEF,
      resync: v.LONGSHORE_CONCURRENCY_RESYNC,
    },
    budgets,
    budgetMaxWaitMs: Math.round(v.LONGSHORE_BUDGET_MAX_WAIT_SECONDS * 1000),
    resyncIntervalMs: Math.round(v.LONGSHORE_RESYNC_INTERVAL_SECONDS * 1000),
    runRetentionSeconds: v.LONGSHORE_RUN_RETENTION_SECONDS,
    orphanSweepIntervalMs: Math.round(v.LONGSHORE_ORPHAN_SWEEP_INTERVAL_SECONDS * 1000),
    metricsPort: v.LONGSHORE_METRICS_PORT,
    metricsHost: v.LONGSHORE_METRICS_HOST,
    shutdownGraceMs: Math.round(v.LONGSHORE_SHUTDOWN_GRACE_SECONDS * 1000),
    jobLockMs: Math.round(v.LONGSHORE_JOB_LOCK_SECONDS * 1000),
    logLevel: v.LONGSHORE_LOG_LEVEL,
  });
}

function deepFreeze<T extends object>(value: T): T {
  for (const inner of Object.values(value)) {
    if (inner !== null && typeof inner === 'object' && !Object.isFrozen(inner)) deepFreeze(inner as object);
  }
  return Object.freeze(value);
}
