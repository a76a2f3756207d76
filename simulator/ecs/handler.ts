/**
 * The ECS JSON 1.1 protocol handler: `x-amz-target: AmazonEC2ContainerServiceV20141113.<Op>`. Order per
 * call: throttle (the category's bucket), persistent faults, injected latency, injected 5xx, then the operation; every call is
 * audited as ok, throttled or error.
 */
import type { AuditSink } from '../audit.js';
import { outageFor } from '../persistent-faults.js';
import { ECS_ACTION_CATEGORY } from '../throttle.js';
import { jsonError, jsonOk, type ProtocolHandler, type SimRequest, type SimResponse } from '../wire.js';
import { createCluster, describeClusters, listClusters } from './clusters.js';
import { describeContainerInstances, listContainerInstances } from './container-instance-api.js';
import type { EcsContext } from './context.js';
import { EcsError, serverError, throttled } from './errors.js';
import { isObject } from './fields.js';
import { RawJson, type JsonObject } from './model.js';
import { runTask } from './run-task.js';
import { sampleSeconds } from '../scenario.js';
import {
  deleteTaskDefinitions, deregisterTaskDefinition, describeTaskDefinition, listTaskDefinitions, registerTaskDefinition,
} from './task-definitions.js';
import { describeTasks, listTasks, stopTask } from './tasks.js';

export const ECS_TARGET_PREFIX = 'AmazonEC2ContainerServiceV20141113.';

type Operation = (ctx: EcsContext, input: JsonObject) => JsonObject | RawJson | Promise<JsonObject>;

const OPERATIONS: Readonly<Record<string, Operation>> = {
  CreateCluster: createCluster,
  DescribeClusters: describeClusters,
  ListClusters: listClusters,
  RegisterTaskDefinition: registerTaskDefinition,
  DescribeTaskDefinition: describeTaskDefinition,
  ListTaskDefinitions: listTaskDefinitions,
  DeregisterTaskDefinition: deregisterTaskDefinition,
  DeleteTaskDefinitions: deleteTaskDefinitions,
  RunTask: runTask,
  DescribeTasks: describeTasks,
  ListTasks: listTasks,
  StopTask: stopTask,
  ListContainerInstances: listContainerInstances,
  DescribeContainerInstances: describeContainerInstances,
};

function errorResponse(error: EcsError): SimResponse {
  const response = jsonError(error.status, error.type, error.message);
  if (Object.keys(error.extra).length > 0) {
    response.body = JSON.stringify({ __type: error.type, message: error.message, ...error.extra });
  }
  return response;
}

export function createEcsHandler(ctx: EcsContext, audit: AuditSink): ProtocolHandler {
  return (request: SimRequest) => {
    const target = request.target;
    if (target === undefined || !target.startsWith(ECS_TARGET_PREFIX)) return null;
    return handle(ctx, audit, target.slice(ECS_TARGET_PREFIX.length), request.body);
  };
}

async function handle(ctx: EcsContext, audit: AuditSink, action: string, body: string): Promise<SimResponse> {
  const operation = OPERATIONS[action];
  if (operation === undefined) {
    audit(action, 'error');
    return jsonError(400, 'UnknownOperationException', `The operation ${action} is not supported by the simulator.`);
  }
  const category = ECS_ACTION_CATEGORY[action];
  if (category !== undefined && !ctx.throttles.take(category)) {
    audit(action, 'throttled');
    return errorResponse(throttled());
  }
  try {
    const input = parseBody(body);
    // A persistent fault answers before the operation: the call has no effect (a timeout is held first).
    const outage = await outageFor(ctx.persistentFaults, 'ecs', action, typeof input.cluster === 'string' ? input.cluster : undefined);
    if (outage !== undefined) throw new EcsError(outage.type, outage.message, outage.status);
    const faults = ctx.scenario.faults;
    if (faults.latencyRate > 0 && ctx.random() < faults.latencyRate) {
      const delayMs = ctx.toRealMs(sampleSeconds(faults.latency, ctx.random) * 1000);
      await new Promise<void>((resolve) => ctx.scheduler.after(delayMs, resolve));
    }
    if (faults.serverErrorRate > 0 && ctx.random() < faults.serverErrorRate) {
      // Some 5xx happen after the call took effect: the caller loses the answer, not the effect.
      if (ctx.random() < faults.serverErrorAfterEffectShare) await operation(ctx, input);
      throw serverError();
    }
    const result = await operation(ctx, input);
    audit(action, 'ok');
    return result instanceof RawJson
      ? { status: 200, headers: { 'content-type': 'application/x-amz-json-1.1' }, body: result.text }
      : jsonOk(result);
  } catch (error) {
    if (error instanceof EcsError) {
      audit(action, error.type === 'ThrottlingException' ? 'throttled' : 'error');
      return errorResponse(error);
    }
    audit(action, 'error');
    return errorResponse(new EcsError('ServerException', `Simulator fault: ${(error as Error).message}`, 500));
  }
}

function parseBody(body: string): JsonObject {
  if (body.trim() === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    throw new EcsError('SerializationException', 'Request body is not valid JSON.');
  }
  if (!isObject(parsed)) throw new EcsError('SerializationException', 'Request body must be a JSON object.');
  return parsed;
}
