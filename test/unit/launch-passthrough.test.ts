/**
 * What RunTask is sent for runTaskRequest and a Spot fallback: passthrough fields copied (the run's over the
 * pool's), owned fields never, GPUs on the orchestration container's override; on-demand placement for
 * FARGATE_SPOT and for strategies.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { PoolLike, PoolSpecLike, RunLike, RunSpecLike } from '../../reconcilers/taskdef/inputs.js';
import { buildRunTaskInput } from '../../reconcilers/launch/run-task-input.js';
import { resolvePlacement } from '../../reconcilers/taskdef/placement.js';
import { onDemandPlacement } from '../../reconcilers/launch/on-demand.js';

const pool = (spec: PoolSpecLike = {}): PoolLike => ({ metadata: { name: 'p', generation: 1 }, spec: { cluster: 'c1', ...spec } });
const run = (spec: Partial<RunSpecLike> = {}): RunLike => ({ metadata: { name: 'r', uid: 'u-1' }, spec: { pool: 'p', ...spec } });
const base = { attempt: 1, namespace: 'default', taskDefinition: { taskDefinitionArn: 'arn:td:1', containerName: 'longshore' } };

describe('runTaskRequest in RunTask', () => {
  test('every passthrough field reaches RunTask; the run replaces the pool field by field', () => {
    const input = buildRunTaskInput({
      ...base,
      pool: pool({
        launchType: 'EC2',
        runTaskRequest: {
          placementConstraints: [{ type: 'distinctInstance' }], placementStrategy: [{ type: 'binpack', field: 'memory' }],
          enableExecuteCommand: true, propagateTags: 'TASK_DEFINITION', enableECSManagedTags: true, group: 'pool-group', referenceId: 'pool-ref',
          overrides: { inferenceAcceleratorOverrides: [{ deviceName: 'd', deviceType: 'eia2.medium' }] },
        },
      }),
      run: run({ runTaskRequest: { referenceId: 'run-ref', overrides: { resourceRequirements: [{ type: 'GPU', value: '2' }] } }, command: ['go'] }),
    });
    assert.deepEqual(input.placementConstraints, [{ type: 'distinctInstance' }]);
    assert.deepEqual(input.placementStrategy, [{ type: 'binpack', field: 'memory' }]);
    assert.deepEqual([input.enableExecuteCommand, input.propagateTags, input.enableECSManagedTags, input.group, input.referenceId],
      [true, 'TASK_DEFINITION', true, 'pool-group', 'run-ref']);
    assert.deepEqual(input.overrides, {
      containerOverrides: [{ name: 'longshore', command: ['go'], resourceRequirements: [{ type: 'GPU', value: '2' }] }],
      inferenceAcceleratorOverrides: [{ deviceName: 'd', deviceType: 'eia2.medium' }],
    });
    assert.equal(input.platformVersion, undefined);
  });

  test('Fargate fields: platform version and ephemeral storage; owned fields in a stored record are never copied', () => {
    const input = buildRunTaskInput({
      ...base,
      pool: pool({ runTaskRequest: { platformVersion: '1.4.0', overrides: { ephemeralStorage: { sizeInGiB: 60 } }, clientToken: 'evil', count: 5 } }),
      run: run(),
      taskDefinition: { ...base.taskDefinition, networkMode: 'awsvpc' },
      network: { subnets: ['subnet-a'] },
    });
    assert.equal(input.platformVersion, '1.4.0');
    assert.deepEqual(input.overrides, { ephemeralStorage: { sizeInGiB: 60 } });
    assert.deepEqual([input.clientToken, input.count, input.group], ['u-1:1', 1, 'longshore:p']);
  });
});

describe('on-demand placement after a Spot fallback', () => {
  test('FARGATE_SPOT becomes the FARGATE launch type and spends the on-demand bucket', () => {
    const placement = onDemandPlacement(resolvePlacement(pool({ launchType: 'FARGATE_SPOT' }), run()));
    assert.deepEqual(placement, { requested: 'FARGATE_SPOT', launchType: 'FARGATE', fargate: true, launchBucket: 'fargateLaunches' });
    const input = buildRunTaskInput({ ...base, pool: pool({ launchType: 'FARGATE_SPOT' }), run: run(), placement });
    assert.equal(input.launchType, 'FARGATE');
    assert.equal(input.capacityProviderStrategy, undefined);
  });

  test("a strategy keeps its on-demand providers; one that was all Spot becomes FARGATE", () => {
    const mixed = onDemandPlacement(resolvePlacement(pool({ capacityProviderStrategy: [{ capacityProvider: 'FARGATE_SPOT', weight: 4 }, { capacityProvider: 'FARGATE', base: 1 }] }), run()));
    assert.deepEqual(mixed.capacityProviderStrategy, [{ capacityProvider: 'FARGATE', base: 1 }]);
    assert.equal(mixed.launchBucket, 'fargateLaunches');
    const zeroWeight = onDemandPlacement(resolvePlacement(pool({ capacityProviderStrategy: [{ capacityProvider: 'FARGATE_SPOT', weight: 1 }, { capacityProvider: 'FARGATE', weight: 0 }] }), run()));
    assert.deepEqual(zeroWeight.capacityProviderStrategy, [{ capacityProvider: 'FARGATE', weight: 1 }]);
    const spotOnly = onDemandPlacement(resolvePlacement(pool({ capacityProviderStrategy: [{ capacityProvider: 'FARGATE_SPOT', weight: 1 }] }), run()));
    assert.deepEqual([spotOnly.launchType, spotOnly.capacityProviderStrategy], ['FARGATE', undefined]);
    const fargate = resolvePlacement(pool(), run());
    assert.deepEqual(onDemandPlacement(fargate), fargate);
  });
});
