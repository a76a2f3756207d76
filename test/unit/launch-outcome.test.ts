import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { RunTaskCommandInput, RunTaskCommandOutput } from '@aws-sdk/client-ecs';
import { BudgetExhaustedError, GatewayError } from '../../controller/aws/errors.js';
import { classifyRunTaskError, classifyRunTaskOutput } from '../../reconcilers/launch/outcome.js';
import { launch } from '../../reconcilers/launch/launch.js';
import type { CallOptions } from '../../controller/aws/gateway.js';
import type { RunTaskGateway } from '../../reconcilers/launch/ports.js';

function sdkError(name: string, message: string, status = 400, extra: Record<string, unknown> = {}): Error {
  return Object.assign(new Error(message), { name, $metadata: { httpStatusCode: status }, ...extra });
}

describe('RunTask responses', () => {
  test('a task means launched', () => {
    const o = classifyRunTaskOutput({ tasks: [{ taskArn: 'arn:task/1', clusterArn: 'arn:cluster' }], failures: [] });
    assert.equal(o.kind, 'launched');
    assert.equal(o.kind === 'launched' && o.taskArn, 'arn:task/1');
  });

  test('failures[] are infrastructure failures with a stable reason', () => {
    const cases: Array<[string, string]> = [
      ['Capacity is unavailable at this time. Please try again later or in a different availability zone', 'CapacityUnavailable'],
      ['RESOURCE:MEMORY', 'RESOURCE:MEMORY'],
      ['AGENT', 'AGENT'],
      ['something new', 'LaunchFailure'],
    ];
    for (const [reason, code] of cases) {
      const o = classifyRunTaskOutput({ tasks: [], failures: [{ reason, arn: undefined }] });
      assert.equal(o.kind, 'infrastructure');
      assert.equal(o.kind === 'infrastructure' && o.reason, code);
      assert.match(o.kind === 'infrastructure' ? o.message : '', new RegExp(`^Failed to run ECS task: ${reason.slice(0, 10)}`));
    }
  });

  test('neither tasks nor failures is an infrastructure failure, never success', () => {
    assert.equal(classifyRunTaskOutput({ tasks: [], failures: [] }).kind, 'infrastructure');
  });
});

describe('RunTask errors', () => {
  const ctx = { cluster: 'prod', region: 'eu-west-1', launchType: 'FARGATE' };

  test('cluster not found is terminal with the seed\'s explanation', () => {
    const o = classifyRunTaskError(sdkError('ClusterNotFoundException', 'Cluster not found.'), ctx);
    assert.deepEqual(o, {
      kind: 'terminal', reason: 'ClusterNotFound',
      message: "Failed to run ECS task, cluster 'prod' not found in region eu-west-1. Confirm that the cluster is configured in your region.",
    });
  });

  test('no container instances on EC2 is an infrastructure failure with the seed\'s explanation', () => {
    const o = classifyRunTaskError(sdkError('InvalidParameterException', 'No Container Instances were found in your cluster.'), { ...ctx, launchType: 'EC2' });
    assert.equal(o.kind, 'infrastructure');
    assert.match(o.kind === 'infrastructure' ? o.message : '', /cluster 'prod' does not appear to have any container instances/);
    assert.match(o.kind === 'infrastructure' ? o.message : '', /AWS said: No Container Instances were found in your cluster\./);
  });

  test('no container instances on EXTERNAL is an infrastructure failure too', () => {
    const o = classifyRunTaskError(sdkError('InvalidParameterException', 'No Container Instances were found in your cluster.'), { ...ctx, launchType: 'EXTERNAL' });
    assert.equal(o.kind, 'infrastructure');
    assert.match(o.kind === 'infrastructure' ? o.message : '', /external container instances/);
  });

  test('logger permission problems name the execution role', () => {
    const o = classifyRunTaskError(sdkError('AccessDeniedException', 'failed to validate logger args: AccessDeniedException'), { ...ctx, logsEnabled: true, executionRoleArn: 'arn:exec' });
    assert.equal(o.kind, 'terminal');
    assert.match(o.kind === 'terminal' ? o.message : '', /execution role 'arn:exec' has permissions logs:CreateLogStream/);
  });

  test('throttles, 5xx and empty budgets retry without counting, each saying whose trouble it is', () => {
    const causeOf = (o: ReturnType<typeof classifyRunTaskError>) => (o.kind === 'retry' ? o.cause : o.kind);
    assert.equal(causeOf(classifyRunTaskError(sdkError('ThrottlingException', 'Rate exceeded'), ctx)), 'throttled');
    assert.equal(causeOf(classifyRunTaskError(sdkError('ClientException', 'Rate exceeded'), ctx)), 'throttled');
    assert.equal(causeOf(classifyRunTaskError(sdkError('ServerException', 'boom', 500), ctx)), 'transient');
    const budget = classifyRunTaskError(new BudgetExhaustedError('fargateLaunches', 750), ctx);
    assert.deepEqual(budget, { kind: 'retry', cause: 'pacing', reason: 'BudgetExhausted', message: budget.kind === 'retry' ? budget.message : '', retryAfterMs: 750 });
    const gw = new GatewayError('throttled', 'RunTask', 'ThrottlingException', 'Rate exceeded', null, 1200);
    assert.equal(classifyRunTaskError(gw, ctx).kind === 'retry' && (classifyRunTaskError(gw, ctx) as { retryAfterMs?: number }).retryAfterMs, 1200);
  });

  test('a clientToken conflict names the existing tasks', () => {
    const raw = sdkError('ConflictException', 'The provided clientToken is already in use', 400, { resourceIds: ['arn:task/9'] });
    const o = classifyRunTaskError(new GatewayError('conflict', 'RunTask', 'ConflictException', raw.message, raw), ctx);
    assert.deepEqual(o.kind === 'conflict' && o.taskArns, ['arn:task/9']);
  });

  test('an inactive task definition asks for re-resolution', () => {
    assert.equal(classifyRunTaskError(sdkError('ClientException', 'TaskDefinition is inactive'), ctx).kind, 'stale-task-definition');
  });

  test('a vanished, inactive or deleting task definition is stale, raw or through the gateway, never terminal', () => {
    const cases: Array<[string, string, 'missing' | 'inactive']> = [
      ['ClientException', 'TaskDefinition not found.', 'missing'],
      ['ClientException', 'Unable to describe task definition.', 'missing'],
      ['InvalidParameterException', 'TaskDefinition is inactive', 'inactive'],
      ['ClientException', 'TaskDefinition is inactive', 'inactive'],
      ['InvalidParameterException', 'The task definition arn:aws:ecs:us-east-1:1:task-definition/f:3 is in DELETE_IN_PROGRESS status.', 'inactive'],
    ];
    for (const [name, message, problem] of cases) {
      const raw = sdkError(name, message);
      for (const error of [raw, new GatewayError('client', 'RunTask', name, `RunTask: ${name}: ${message}`, raw)]) {
        const o = classifyRunTaskError(error, ctx);
        assert.deepEqual(o, { kind: 'stale-task-definition', problem, message: `${name}: ${message}` }, message);
      }
    }
  });

  test('the words alone are not enough: a throttle, another exception type or another subject is not stale', () => {
    assert.equal(classifyRunTaskError(sdkError('ThrottlingException', 'TaskDefinition not found.'), ctx).kind, 'retry');
    assert.equal(classifyRunTaskError(sdkError('AccessDeniedException', 'TaskDefinition not found.'), ctx).kind, 'terminal');
    assert.equal(classifyRunTaskError(sdkError('ClusterNotFoundException', 'Cluster not found.'), ctx).kind, 'terminal');
    assert.equal(classifyRunTaskError(sdkError('InvalidParameterException', 'Task definition does not support launch_type FARGATE.'), ctx).kind, 'terminal');
  });

  test('other client errors are terminal and keep AWS\'s message', () => {
    const o = classifyRunTaskError(sdkError('InvalidParameterException', 'subnet-x does not exist'), ctx);
    assert.equal(o.kind, 'terminal');
    assert.match(o.kind === 'terminal' ? o.message : '', /InvalidParameterException: subnet-x does not exist/);
  });
});

describe('launch executor', () => {
  class FakeGateway implements RunTaskGateway {
    calls: Array<{ input: RunTaskCommandInput; options?: CallOptions }> = [];
    constructor(private readonly answer: () => Promise<RunTaskCommandOutput>) {}
    runTask(input: RunTaskCommandInput, options?: CallOptions): Promise<RunTaskCommandOutput> {
      this.calls.push({ input, options });
      return this.answer();
    }
  }
  const ok = (): Promise<RunTaskCommandOutput> => Promise.resolve({ $metadata: {}, tasks: [{ taskArn: 'arn:t' }], failures: [] });

  test('spends the placement\'s Fargate launch bucket and does not wait by default', async () => {
    const gw = new FakeGateway(ok);
    const o = await launch(gw, { taskDefinition: 'td', count: 1 }, { placement: { launchBucket: 'fargateSpotLaunches' } });
    assert.equal(o.kind, 'launched');
    assert.deepEqual(gw.calls[0]?.options, { wait: false, launches: { category: 'fargateSpotLaunches', count: 1 } });
  });

  test('EC2 spends no launch bucket; errors become outcomes', async () => {
    const gw = new FakeGateway(() => Promise.reject(sdkError('ClusterNotFoundException', 'Cluster not found.')));
    const o = await launch(gw, { taskDefinition: 'td', cluster: 'c9', launchType: 'EC2' }, { placement: {}, context: { region: 'us-east-1' } });
    assert.deepEqual(gw.calls[0]?.options, { wait: false });
    assert.equal(o.kind, 'terminal');
    assert.match(o.kind === 'terminal' ? o.message : '', /cluster 'c9' not found in region us-east-1/);
  });
});
