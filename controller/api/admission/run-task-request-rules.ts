/**
 * Admission of `runTaskRequest` (controller/api/run-task-request.ts): the rules ECS applies to these RunTask
 * fields, checked against the launch the run will use, so a run is never admitted with a request RunTask
 * would refuse. Sources for each rule are in docs/simulator.md "RunTask passthrough", where the simulator
 * applies the same rules with AWS's messages.
 */
import { launchesOnFargate, usesSpot, type LaunchChoice, type SpotFallback } from '../policy.js';
import {
  OWNED_OVERRIDE_FIELDS, OWNED_RUN_TASK_FIELDS, type RunTaskRequest,
} from '../run-task-request.js';
import type { Violation } from './violation.js';

const PLATFORM_VERSION = /^(LATEST|\d+\.\d+\.\d+)$/;
const BINPACK_FIELDS = new Set(['cpu', 'memory']);

/** Every rule on one request, judged for the launch it will use; `prefix` is the request's path. */
export function checkRunTaskRequest(prefix: string, request: RunTaskRequest | undefined, launch: LaunchChoice): Violation[] {
  if (request === undefined) return [];
  return [...ownedFields(prefix, request), ...shapeRules(prefix, request), ...launchRules(prefix, request, launch)];
}

function ownedFields(prefix: string, request: RunTaskRequest): Violation[] {
  const out: Violation[] = [];
  for (const [field, why] of Object.entries(OWNED_RUN_TASK_FIELDS)) {
    const value = (request as Record<string, unknown>)[field];
    if (value === undefined) continue;
    out.push({ path: `${prefix}.${field}`, rule: 'run-task-request-owned', message: `${field} is set by Longshore and cannot be passed through: ${why}`, value });
  }
  for (const [field, why] of Object.entries(OWNED_OVERRIDE_FIELDS)) {
    const value = (request.overrides as Record<string, unknown> | undefined)?.[field];
    if (value === undefined) continue;
    out.push({ path: `${prefix}.overrides.${field}`, rule: 'run-task-request-owned', message: `overrides.${field} is set by Longshore and cannot be passed through: ${why}`, value });
  }
  return out;
}

function shapeRules(prefix: string, request: RunTaskRequest): Violation[] {
  const out: Violation[] = [];
  if (request.propagateTags === 'SERVICE') {
    out.push({ path: `${prefix}.propagateTags`, rule: 'propagate-tags-service', message: 'SERVICE applies to services only; RunTask refuses it (use TASK_DEFINITION or NONE)', value: 'SERVICE' });
  }
  if (request.platformVersion !== undefined && !PLATFORM_VERSION.test(request.platformVersion)) {
    out.push({ path: `${prefix}.platformVersion`, rule: 'platform-version', message: 'a platform version is LATEST or a version such as 1.4.0', value: request.platformVersion });
  }
  request.placementConstraints?.forEach((constraint, i) => {
    const path = `${prefix}.placementConstraints[${i}]`;
    if (constraint.type === 'memberOf' && constraint.expression === undefined) {
      out.push({ path: `${path}.expression`, rule: 'placement-constraint', message: 'a memberOf constraint needs an expression', value: undefined });
    }
    if (constraint.type === 'distinctInstance' && constraint.expression !== undefined) {
      out.push({ path: `${path}.expression`, rule: 'placement-constraint', message: 'a distinctInstance constraint takes no expression', value: constraint.expression });
    }
  });
  request.placementStrategy?.forEach((strategy, i) => {
    const path = `${prefix}.placementStrategy[${i}].field`;
    if (strategy.type === 'random' && strategy.field !== undefined) {
      out.push({ path, rule: 'placement-strategy', message: 'the random strategy takes no field', value: strategy.field });
    }
    if (strategy.type === 'spread' && strategy.field === undefined) {
      out.push({ path, rule: 'placement-strategy', message: 'the spread strategy needs a field (instanceId, host or attribute:…)', value: undefined });
    }
    if (strategy.type === 'binpack' && (strategy.field === undefined || !BINPACK_FIELDS.has(strategy.field))) {
      out.push({ path, rule: 'placement-strategy', message: 'the binpack strategy needs the field cpu or memory', value: strategy.field });
    }
  });
  request.overrides?.resourceRequirements?.forEach((requirement, i) => {
    // These go on the orchestration container's override (reconcilers/launch/run-task-input.ts). AWS's
    // ContainerOverride.resourceRequirements: "The type and amount of a resource to assign to a container,
    // instead of the default value from the task definition. The only supported resource is a GPU."
    // (Amazon ECS API Reference, ContainerOverride; the AWS SDK for Kotlin's ECS model says the same). An
    // inference accelerator is tied to a container in the task definition only.
    if (requirement.type === 'InferenceAccelerator') {
      out.push({
        path: `${prefix}.overrides.resourceRequirements[${i}].type`, rule: 'container-override-gpu-only',
        message: 'overrides.resourceRequirements is applied as a container override, where GPU is the only supported type; '
          + 'assign an inference accelerator to the container in the task definition (containerDefinitions[].resourceRequirements) '
          + 'and change its device type with overrides.inferenceAcceleratorOverrides',
        value: requirement.type,
      });
    }
    if (requirement.type === 'GPU' && !/^[1-9]\d*$/.test(requirement.value)) {
      out.push({ path: `${prefix}.overrides.resourceRequirements[${i}].value`, rule: 'gpu-count', message: 'a GPU requirement is a whole number of GPUs', value: requirement.value });
    }
  });
  return out;
}

/** Which fields go with which launch type. */
function launchRules(prefix: string, request: RunTaskRequest, launch: LaunchChoice): Violation[] {
  const out: Violation[] = [];
  const where = launch.launchType ?? 'its capacity-provider strategy';
  if (launchesOnFargate(launch)) {
    if ((request.placementConstraints?.length ?? 0) > 0) {
      out.push({ path: `${prefix}.placementConstraints`, rule: 'fargate-placement', message: 'Placement constraints are not supported with FARGATE launch type.', value: request.placementConstraints });
    }
    if ((request.placementStrategy?.length ?? 0) > 0) {
      out.push({ path: `${prefix}.placementStrategy`, rule: 'fargate-placement', message: 'Placement strategies are not supported with FARGATE launch type.', value: request.placementStrategy });
    }
    if (request.overrides?.resourceRequirements?.some((r) => r.type === 'GPU')) {
      out.push({ path: `${prefix}.overrides.resourceRequirements`, rule: 'fargate-gpu', message: 'GPUs are not supported on Fargate; use the EC2 launch type', value: request.overrides.resourceRequirements });
    }
    if ((request.overrides?.inferenceAcceleratorOverrides?.length ?? 0) > 0) {
      out.push({ path: `${prefix}.overrides.inferenceAcceleratorOverrides`, rule: 'fargate-inference-accelerator', message: 'inference accelerators are not supported on Fargate', value: request.overrides?.inferenceAcceleratorOverrides });
    }
    const version = request.platformVersion;
    if (request.overrides?.ephemeralStorage !== undefined && version !== undefined && version !== 'LATEST' && olderThan(version, [1, 4, 0])) {
      out.push({ path: `${prefix}.overrides.ephemeralStorage`, rule: 'ephemeral-storage-platform', message: `ephemeral storage needs Fargate platform version 1.4.0 or later (the request asks for ${version})`, value: request.overrides.ephemeralStorage });
    }
    return out;
  }
  if (request.platformVersion !== undefined) {
    out.push({ path: `${prefix}.platformVersion`, rule: 'platform-version-fargate-only', message: `The platform version must be null when specifying an EC2 launch type. (a platform version is Fargate's; this launch uses ${where})`, value: request.platformVersion });
  }
  if (request.overrides?.ephemeralStorage !== undefined) {
    out.push({ path: `${prefix}.overrides.ephemeralStorage`, rule: 'ephemeral-storage-fargate-only', message: `ephemeralStorage expands the storage of tasks hosted on Fargate only (this launch uses ${where})`, value: request.overrides.ephemeralStorage });
  }
  return out;
}

/** spotFallback means nothing unless the pool launches on Fargate Spot. */
export function checkSpotFallback(fallback: SpotFallback | undefined, launch: LaunchChoice): Violation[] {
  if (fallback === undefined || usesSpot(launch)) return [];
  return [{
    path: 'spec.spotFallback', rule: 'spot-fallback-needs-spot',
    message: 'spotFallback needs a launch on Fargate Spot (launchType FARGATE_SPOT or a capacityProviderStrategy with FARGATE_SPOT)', value: fallback,
  }];
}

function olderThan(version: string, than: [number, number, number]): boolean {
  const parts = version.split('.').map(Number);
  for (let i = 0; i < 3; i += 1) {
    if ((parts[i] ?? 0) !== than[i]) return (parts[i] ?? 0) < than[i];
  }
  return false;
}
