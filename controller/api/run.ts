/**
 * Run: one unit of work to execute as an ECS task. `spec` is desired state and overrides the pool's
 * defaults; `status` (run-status.ts) is observed state written by the controller.
 */
import { z } from 'zod';
import { ApiVersion, ObjectMeta, ObjectMetaInput, ResourceName } from './meta.js';
import { CapacityProviderStrategy, LaunchType } from './placement.js';
import { Cpu, Memory } from './quantities.js';
import { RetryOverride, TimeoutsOverride } from './policy.js';
import { Tags } from './tags.js';
import { RunTaskRequest } from './run-task-request.js';
import { RunStatus } from './run-status.js';

export const RunSpec = z.strictObject({
  pool: ResourceName,
  /** Names the task-definition family for this run's deployment (overrides the pool's family). */
  deployment: z.string().min(1).optional(),
  image: z.string().min(1).optional(),
  /** An argv array, or one shell string split the way the seed splits it (shlex). */
  command: z.union([z.array(z.string()), z.string().min(1)]).optional(),
  /** Merged over the pool's env; a null value removes the pool's variable. */
  env: z.record(z.string(), z.string().nullable()).default({}),
  cpu: Cpu.optional(),
  memory: Memory.optional(),
  launchType: LaunchType.optional(),
  capacityProviderStrategy: CapacityProviderStrategy.optional(),
  taskRoleArn: z.string().min(1).optional(),
  tags: Tags.default({}),
  timeouts: TimeoutsOverride.optional(),
  retry: RetryOverride.optional(),
  /** RunTask fields for this run, over the pool's (field by field; overrides key by key). */
  runTaskRequest: RunTaskRequest.optional(),
  /** Set by `run cancel` (through the control stream); the run ends cancelled. */
  cancelRequested: z.boolean().default(false),
});
export type RunSpec = z.infer<typeof RunSpec>;
export type RunSpecInput = z.input<typeof RunSpec>;

export const RunDocument = z.strictObject({
  apiVersion: ApiVersion,
  kind: z.literal('Run'),
  metadata: ObjectMetaInput,
  spec: RunSpec,
});
export type RunDocument = z.infer<typeof RunDocument>;

/** A stored run: the document with the metadata the store completes, plus observed state. */
export const RunRecord = RunDocument.extend({
  metadata: ObjectMeta,
  status: RunStatus,
  /** The persisted lifecycle-machine snapshot; opaque to the store. */
  lifecycle: z.unknown().optional(),
});
export type RunRecord = z.infer<typeof RunRecord>;
