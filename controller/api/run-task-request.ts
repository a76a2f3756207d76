/**
 * `runTaskRequest`: the RunTask fields Longshore does not set itself, passed through as written (Prefect's
 * `task_run_request`, Dagster's `run_task_kwargs`, the Airflow operator's keyword arguments). A pool carries
 * the defaults; a run's replace them field by field (its `overrides` key by key), since every one of them is
 * per RunTask call in ECS.
 *
 * The fields Longshore owns are declared here only so admission can reject them by name with the field to
 * use instead (controller/api/admission/run-task-request-rules.ts); launch never copies them.
 */
import { z } from 'zod';

/** RunTask: "You can specify up to 10 constraints per task" and "a maximum of 5 strategy rules for each task". */
export const MAX_PLACEMENT_CONSTRAINTS = 10;
export const MAX_PLACEMENT_STRATEGIES = 5;
/** API_EphemeralStorage: "The minimum supported value is 21 GiB and the maximum supported value is 200 GiB." */
export const EPHEMERAL_STORAGE_MIN_GIB = 21;
export const EPHEMERAL_STORAGE_MAX_GIB = 200;
/** RunTask referenceId: "can have a maximum length of 1024 characters"; group: 255. */
export const REFERENCE_ID_MAX = 1024;
export const GROUP_MAX = 255;

export const PlacementConstraint = z.strictObject({
  type: z.enum(['distinctInstance', 'memberOf']),
  /** Cluster query language; required by memberOf, refused with distinctInstance. */
  expression: z.string().min(1).max(2000).optional(),
});

export const PlacementStrategy = z.strictObject({
  type: z.enum(['random', 'spread', 'binpack']),
  /** spread: instanceId, host or attribute:…; binpack: cpu or memory; random: none. */
  field: z.string().min(1).max(255).optional(),
});

export const ResourceRequirement = z.strictObject({
  /**
   * ResourceRequirement's types; as a container override only GPU is supported, and admission refuses
   * InferenceAccelerator by name (rule container-override-gpu-only) rather than with a bare schema error.
   */
  type: z.enum(['GPU', 'InferenceAccelerator']),
  /** GPU: a whole number of GPUs. */
  value: z.string().min(1).max(255),
});

export const InferenceAcceleratorOverride = z.strictObject({
  deviceName: z.string().min(1).max(255),
  deviceType: z.string().min(1).max(255),
});

/** Rejected by name at admission: the run's own fields say these (command, env, cpu, memory, taskRoleArn). */
const ownedByLongshore = () => z.unknown().optional().describe('set by Longshore; admission rejects it and names the field to use');

export const RunTaskOverrides = z.strictObject({
  ephemeralStorage: z.strictObject({
    sizeInGiB: z.number().int().min(EPHEMERAL_STORAGE_MIN_GIB).max(EPHEMERAL_STORAGE_MAX_GIB),
  }).optional(),
  /** Applied to the orchestration container's override (ContainerOverride.resourceRequirements), e.g. GPUs. */
  resourceRequirements: z.array(ResourceRequirement).max(8).optional(),
  inferenceAcceleratorOverrides: z.array(InferenceAcceleratorOverride).max(8).optional(),
  containerOverrides: ownedByLongshore(),
  cpu: ownedByLongshore(),
  memory: ownedByLongshore(),
  taskRoleArn: ownedByLongshore(),
  executionRoleArn: ownedByLongshore(),
});
export type RunTaskOverrides = z.infer<typeof RunTaskOverrides>;

export const RunTaskRequest = z.strictObject({
  placementConstraints: z.array(PlacementConstraint).max(MAX_PLACEMENT_CONSTRAINTS).optional(),
  placementStrategy: z.array(PlacementStrategy).max(MAX_PLACEMENT_STRATEGIES).optional(),
  /** Fargate only: LATEST or a version such as 1.4.0. */
  platformVersion: z.string().min(1).max(64).optional(),
  enableExecuteCommand: z.boolean().optional(),
  propagateTags: z.enum(['TASK_DEFINITION', 'SERVICE', 'NONE']).optional(),
  enableECSManagedTags: z.boolean().optional(),
  /** Replaces Longshore's own task group (`longshore:<pool>`). */
  group: z.string().min(1).max(GROUP_MAX).optional(),
  referenceId: z.string().min(1).max(REFERENCE_ID_MAX).optional(),
  overrides: RunTaskOverrides.optional(),
  clientToken: ownedByLongshore(),
  startedBy: ownedByLongshore(),
  taskDefinition: ownedByLongshore(),
  count: ownedByLongshore(),
  cluster: ownedByLongshore(),
  launchType: ownedByLongshore(),
  capacityProviderStrategy: ownedByLongshore(),
  networkConfiguration: ownedByLongshore(),
  tags: ownedByLongshore(),
});
export type RunTaskRequest = z.infer<typeof RunTaskRequest>;

/** Each field Longshore sets itself, with why and what to write instead (admission's message). */
export const OWNED_RUN_TASK_FIELDS: Readonly<Record<string, string>> = {
  clientToken: 'Longshore sets it to <run uid>:<attempt>, which makes each attempt\'s RunTask idempotent',
  startedBy: 'Longshore sets it to longshore/<namespace>/<run>, which is how it finds and adopts its tasks',
  taskDefinition: 'Longshore sets it from the pool\'s taskDefinition template or taskDefinitionArn',
  count: 'Longshore launches exactly one task per attempt',
  cluster: 'use the pool\'s cluster',
  launchType: 'use the pool\'s or the run\'s launchType',
  capacityProviderStrategy: 'use the pool\'s or the run\'s capacityProviderStrategy',
  networkConfiguration: 'use the pool\'s networkConfiguration (or vpcId)',
  tags: 'use the pool\'s or the run\'s tags',
};
export const OWNED_OVERRIDE_FIELDS: Readonly<Record<string, string>> = {
  containerOverrides: 'use the run\'s command and env',
  cpu: 'use the run\'s cpu',
  memory: 'use the run\'s memory',
  taskRoleArn: 'use the run\'s or the pool\'s taskRoleArn',
  executionRoleArn: 'use the pool\'s executionRoleArn',
};

/** The passthrough fields without the owned ones: what launch may copy into RunTask. */
export type PassthroughRequest = Pick<RunTaskRequest,
  'placementConstraints' | 'placementStrategy' | 'platformVersion' | 'enableExecuteCommand' | 'propagateTags' | 'enableECSManagedTags' | 'group' | 'referenceId'
> & {
  overrides?: Pick<RunTaskOverrides, 'ephemeralStorage' | 'resourceRequirements' | 'inferenceAcceleratorOverrides'>;
};

/**
 * The request a run launches with: the run's fields over the pool's, its overrides key by key, owned fields
 * dropped (admission refused them already; dropping them again keeps launch safe from stored records).
 */
export function effectiveRunTaskRequest(pool: RunTaskRequest | undefined, run: RunTaskRequest | undefined): PassthroughRequest {
  const merged: PassthroughRequest = {};
  const keys = ['placementConstraints', 'placementStrategy', 'platformVersion', 'enableExecuteCommand', 'propagateTags', 'enableECSManagedTags', 'group', 'referenceId'] as const;
  for (const key of keys) {
    const value = run?.[key] ?? pool?.[key];
    if (value !== undefined) Object.assign(merged, { [key]: value });
  }
  const overrides: NonNullable<PassthroughRequest['overrides']> = {};
  for (const key of ['ephemeralStorage', 'resourceRequirements', 'inferenceAcceleratorOverrides'] as const) {
    const value = run?.overrides?.[key] ?? pool?.overrides?.[key];
    if (value !== undefined) Object.assign(overrides, { [key]: value });
  }
  if (Object.keys(overrides).length > 0) merged.overrides = overrides;
  return merged;
}
