/**
 * Pool: a named ECS target and job template (Prefect's ECS work pool, field names in camelCase).
 * Runs name a pool; the controller renders each run's task definition and RunTask input from the pool's
 * spec overlaid with the run's overrides.
 */
import { z } from 'zod';
import { ApiVersion, ObjectMeta, ObjectMetaInput } from './meta.js';
import { CapacityProviderStrategy, LaunchType } from './placement.js';
import { Cpu, Memory } from './quantities.js';
import { Tags } from './tags.js';
import { effectiveLaunch, Retry, SpotFallback, Timeouts } from './policy.js';
import { RunTaskRequest } from './run-task-request.js';
import { TaskDefinitionTemplate } from './task-definition-template.js';

export const NetworkConfiguration = z.strictObject({
  subnets: z.array(z.string().min(1)).max(16).default([]),
  securityGroups: z.array(z.string().min(1)).max(5).default([]),
  assignPublicIp: z.enum(['ENABLED', 'DISABLED']).optional(),
});

/** The most lines a failure tail keeps in a run's status (a status is one Redis value; keep it small). */
export const MAX_FAILURE_TAIL_LINES = 200;

export const CloudWatchLogs = z.strictObject({
  enabled: z.boolean().default(false),
  /** Log group; defaults to one the controller derives from the pool when absent. */
  group: z.string().min(1).max(512).optional(),
  streamPrefix: z.string().min(1).optional(),
  /** Extra awslogs driver options (e.g. awslogs-create-group). Only meaningful with enabled: true. */
  options: z.record(z.string(), z.string()).optional(),
  /**
   * When a run fails or crashes, this many of its last lines are fetched once and kept in
   * `status.logTail` (docs/logs.md); 0 turns it off.
   */
  failureTailLines: z.number().int().min(0).max(MAX_FAILURE_TAIL_LINES).default(20),
});

export const PoolLimits = z.strictObject({
  /** Runs of this pool between taskdef-resolved and running at once. */
  maxSubmitting: z.number().int().positive().optional(),
  /** Runs of this pool with a live task at once. */
  maxRunning: z.number().int().positive().optional(),
});

/** Highest weight and priority a pool may declare: enough to express any practical ratio, small enough to stay readable. */
export const MAX_SCHEDULING_WEIGHT = 1000;
export const MAX_SCHEDULING_PRIORITY = 100;

/**
 * Fair share of the account-region's ECS budget (docs/operations.md "Fair share"): when runs of several
 * pools wait for the same budget, a higher priority is served first and, within one priority, each pool
 * launches in proportion to its weight.
 */
export const Scheduling = z.strictObject({
  weight: z.number().int().min(1).max(MAX_SCHEDULING_WEIGHT).default(1)
    .describe('Share of launches among pools of the same priority waiting for the same account-region budget, relative to their weights.'),
  priority: z.number().int().min(0).max(MAX_SCHEDULING_PRIORITY).default(0)
    .describe('Pools of a higher priority are served before pools of a lower one while their runs wait.'),
});
export type Scheduling = z.infer<typeof Scheduling>;

export const PoolSpec = z.strictObject({
  cluster: z.string().min(1).optional().describe('Cluster name or ARN; ECS uses "default" when absent.'),
  region: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d{1,2}$/, 'expected an AWS Region code such as eu-west-1').optional()
    .describe("The Region of the pool's cluster, task definitions, network and tasks; the controller's AWS_REGION when absent."),
  roleArn: z.string().regex(/^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/, 'expected an IAM role ARN: arn:aws:iam::<12-digit account>:role/<name>').optional()
    .describe("A role Longshore assumes (STS AssumeRole) for every AWS call of this pool; the controller's own credentials when absent."),
  externalId: z.string().regex(/^[\w+=,.@:/-]{2,1224}$/, 'expected 2-1224 characters of letters, digits and +=,.@:/-').optional()
    .describe("The external id the role's trust policy requires; only with roleArn."),
  taskEventsQueueUrl: z.string().max(2048)
    .regex(/^https?:\/\/[^\s/]+\/\S*$/, { message: 'expected an http(s) SQS queue URL such as https://sqs.eu-west-1.amazonaws.com/123456789012/longshore-task-events', abort: true })
    .refine((url) => URL.canParse(url), 'expected a URL that parses').optional()
    .describe("The SQS queue an EventBridge rule in this pool's account and Region fills with its \"ECS Task State Change\" events; read with this pool's Region and role. Its Region (an AWS queue URL names it) must be the pool's."),
  /** Absent with no capacityProviderStrategy means FARGATE (see effectiveLaunch). */
  launchType: LaunchType.optional(),
  capacityProviderStrategy: CapacityProviderStrategy.optional(),
  vpcId: z.string().min(1).optional().describe('VPC for the default network configuration; the default VPC when absent.'),
  networkConfiguration: NetworkConfiguration.optional(),
  taskDefinition: TaskDefinitionTemplate.optional(),
  taskDefinitionArn: z.string().min(1).optional(),
  family: z.string().optional(),
  containerName: z.string().optional(),
  image: z.string().min(1).optional(),
  cpu: Cpu.optional(),
  memory: Memory.optional(),
  executionRoleArn: z.string().min(1).optional(),
  taskRoleArn: z.string().min(1).optional(),
  cloudwatchLogs: CloudWatchLogs.optional(),
  /**
   * Prefect's stream_output: also forward each run's container output into the controller's JSON log,
   * rate-capped (docs/logs.md). Needs cloudwatchLogs.enabled.
   */
  streamOutput: z.boolean().default(false),
  env: z.record(z.string(), z.string()).default({}),
  tags: Tags.default({}),
  autoDeregisterTaskDefinition: z.boolean().default(false),
  matchLatestRevisionInFamily: z.boolean().default(false),
  limits: PoolLimits.default({}),
  scheduling: Scheduling.prefault({}),
  // prefault({}) parses the empty object, so the field defaults declared in policy.ts apply (a plain
  // .default() would return its value unparsed and have to restate them).
  timeouts: Timeouts.prefault({}),
  retry: Retry.prefault({}),
  /** Spot → on-demand fallback; needs a launch on FARGATE_SPOT (admission checks). */
  spotFallback: SpotFallback.optional(),
  /** RunTask fields passed through as written (controller/api/run-task-request.ts). */
  runTaskRequest: RunTaskRequest.optional(),
});
export type PoolSpec = z.infer<typeof PoolSpec>;
/** The spec as a user may write it (defaults not yet applied). */
export type PoolSpecInput = z.input<typeof PoolSpec>;

export const PoolDocument = z.strictObject({
  apiVersion: ApiVersion,
  kind: z.literal('Pool'),
  metadata: ObjectMetaInput,
  spec: PoolSpec,
});
export type PoolDocument = z.infer<typeof PoolDocument>;

/** A stored pool: the document with the metadata the store completes. */
export const PoolRecord = PoolDocument.extend({ metadata: ObjectMeta });
export type PoolRecord = z.infer<typeof PoolRecord>;

/** The launch type a pool effectively uses; a capacity-provider strategy means "no launch type" to ECS. */
export function poolLaunchType(spec: Pick<PoolSpec, 'launchType' | 'capacityProviderStrategy'>): z.infer<typeof LaunchType> | undefined {
  return effectiveLaunch(spec).launchType;
}
