/** The resource API: schemas, types and admission for Pools and Runs (explicit exports: every name says where it lives). */
export { API_VERSION, ApiVersion, LABEL_KEY_PATTERN, LABEL_VALUE_PATTERN, LabelKey, LabelValue, Labels, NAME_PATTERN, ObjectMeta, ObjectMetaInput, ResourceName } from './meta.js';
export { Cpu, Memory } from './quantities.js';
export { CapacityProviderStrategy, LAUNCH_TYPES, LaunchType } from './placement.js';
export { Tags } from './tags.js';
export { OWNED_OVERRIDE_FIELDS, OWNED_RUN_TASK_FIELDS, RunTaskRequest, effectiveRunTaskRequest, type PassthroughRequest } from './run-task-request.js';
export { Backoff, DEFAULT_TASK_CPU, DEFAULT_TASK_MEMORY_MIB, Retry, RetryOverride, SpotFallback, StartSecondsDefault, Timeouts, TimeoutsOverride, effectiveLaunch, effectiveTaskSize, launchesOnFargate, resolveRunPolicy, type LaunchChoice, type RunPolicy } from './policy.js';
export { ContainerDefinitionTemplate, TaskDefinitionTemplate } from './task-definition-template.js';
export { CloudWatchLogs, NetworkConfiguration, PoolDocument, PoolLimits, PoolRecord, PoolSpec, poolLaunchType, type PoolSpecInput } from './pool.js';
export { RunDocument, RunRecord, RunSpec, type RunSpecInput } from './run.js';
export { Attempt, AttemptCost, COST_CAPACITIES, Condition, CostCapacity, OUTCOMES, Outcome, PHASES, Phase, RunCost, RunStatus, SpotFallbackStatus, initialRunStatus } from './run-status.js';
export { CancelMessage, ControlMessage, ControlReply, ECS_TASK_ARN, ECS_TASK_ARN_FORMS, KillMessage, TaskArn } from './control.js';
