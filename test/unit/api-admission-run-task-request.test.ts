/**
 * Admission of runTaskRequest, spotFallback and retry.exitCodeAttempts: every passthrough field accepted when
 * valid, each rejection with its rule and path, the fields Longshore owns refused by name, and the rules that
 * depend on the launch type (the pool's, or the run's when it changes it).
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { PoolSpec } from '../../controller/api/index.js';
import { admitPool, admitRun } from '../../controller/api/admission/index.js';
import { effectiveRunTaskRequest } from '../../controller/api/run-task-request.js';
import { fargatePool, only, poolDoc, poolViolations, runDoc, runViolations } from './admission-helpers.js';

const ec2Pool = { taskDefinition: {}, launchType: 'EC2' as const };

describe('runTaskRequest admission', () => {
  test('every passthrough field is accepted when valid for the launch', () => {
    const fargate = admitPool(poolDoc(fargatePool({
      runTaskRequest: {
        platformVersion: '1.4.0', enableExecuteCommand: true, propagateTags: 'TASK_DEFINITION', enableECSManagedTags: true,
        group: 'batch', referenceId: 'ref-1', overrides: { ephemeralStorage: { sizeInGiB: 100 } },
      },
    })));
    assert.equal(fargate.spec.runTaskRequest?.platformVersion, '1.4.0');
    const ec2 = admitPool(poolDoc({
      ...ec2Pool,
      runTaskRequest: {
        placementConstraints: [{ type: 'distinctInstance' }, { type: 'memberOf', expression: 'attribute:ecs.instance-type =~ g4dn.*' }],
        placementStrategy: [{ type: 'spread', field: 'attribute:ecs.availability-zone' }, { type: 'binpack', field: 'memory' }, { type: 'random' }],
        overrides: { resourceRequirements: [{ type: 'GPU', value: '1' }], inferenceAcceleratorOverrides: [{ deviceName: 'd1', deviceType: 'eia2.medium' }] },
      },
    }));
    assert.equal(ec2.spec.runTaskRequest?.placementStrategy?.length, 3);
    const run = admitRun(runDoc({ runTaskRequest: { platformVersion: 'LATEST', referenceId: 'r' } }), PoolSpec.parse(fargatePool()));
    assert.equal(run.spec.runTaskRequest?.referenceId, 'r');
  });

  test('the fields Longshore owns are refused by name, with the field to use instead', () => {
    const violations = poolViolations(fargatePool({
      runTaskRequest: { clientToken: 'x', startedBy: 'me', taskDefinition: 'td:1', count: 2, cluster: 'c', tags: [], overrides: { containerOverrides: [], cpu: '1024', taskRoleArn: 'arn' } },
    }));
    const owned = violations.filter((v) => v.rule === 'run-task-request-owned');
    assert.deepEqual(owned.map((v) => v.path).sort(), [
      'spec.runTaskRequest.clientToken', 'spec.runTaskRequest.cluster', 'spec.runTaskRequest.count', 'spec.runTaskRequest.overrides.containerOverrides',
      'spec.runTaskRequest.overrides.cpu', 'spec.runTaskRequest.overrides.taskRoleArn', 'spec.runTaskRequest.startedBy', 'spec.runTaskRequest.tags',
      'spec.runTaskRequest.taskDefinition',
    ]);
    for (const v of owned) assert.match(v.message, /is set by Longshore and cannot be passed through/);
    assert.match(owned.find((v) => v.path.endsWith('clientToken'))?.message ?? '', /clientToken .*idempotent/);
    assert.match(owned.find((v) => v.path.endsWith('.count'))?.message ?? '', /count .*one task per attempt/);
    const onRun = runViolations({ runTaskRequest: { startedBy: 'x' } });
    assert.equal(only(onRun, 'run-task-request-owned').path, 'spec.runTaskRequest.startedBy');
  });

  test('unknown fields and wrong types are schema errors', () => {
    assert.equal(only(poolViolations(fargatePool({ runTaskRequest: { volumeConfigurations: [] } as never })), 'schema').path, 'spec.runTaskRequest.volumeConfigurations');
    assert.equal(only(poolViolations(fargatePool({ runTaskRequest: { enableExecuteCommand: 'yes' } as never })), 'schema').path, 'spec.runTaskRequest.enableExecuteCommand');
    assert.equal(only(poolViolations(fargatePool({ runTaskRequest: { propagateTags: 'ALL' } as never })), 'schema').path, 'spec.runTaskRequest.propagateTags');
    assert.equal(only(poolViolations(fargatePool({ runTaskRequest: { group: 'g'.repeat(256) } })), 'schema').path, 'spec.runTaskRequest.group');
    assert.equal(only(poolViolations(fargatePool({ runTaskRequest: { referenceId: 'r'.repeat(1025) } })), 'schema').path, 'spec.runTaskRequest.referenceId');
    assert.equal(only(poolViolations(fargatePool({ runTaskRequest: { overrides: { ephemeralStorage: { sizeInGiB: 20 } } } })), 'schema').path, 'spec.runTaskRequest.overrides.ephemeralStorage.sizeInGiB');
    assert.equal(only(poolViolations(fargatePool({ runTaskRequest: { overrides: { ephemeralStorage: { sizeInGiB: 201 } } } })), 'schema').path, 'spec.runTaskRequest.overrides.ephemeralStorage.sizeInGiB');
    const tooMany = { placementConstraints: Array.from({ length: 11 }, () => ({ type: 'distinctInstance' as const })) };
    assert.equal(only(poolViolations({ ...ec2Pool, runTaskRequest: tooMany }), 'schema').path, 'spec.runTaskRequest.placementConstraints');
    const strategies = { placementStrategy: Array.from({ length: 6 }, () => ({ type: 'random' as const })) };
    assert.equal(only(poolViolations({ ...ec2Pool, runTaskRequest: strategies }), 'schema').path, 'spec.runTaskRequest.placementStrategy');
  });

  test('shape rules: propagateTags SERVICE, platform version form, placement fields, GPU count', () => {
    assert.equal(only(poolViolations(fargatePool({ runTaskRequest: { propagateTags: 'SERVICE' } })), 'propagate-tags-service').path, 'spec.runTaskRequest.propagateTags');
    assert.equal(only(poolViolations(fargatePool({ runTaskRequest: { platformVersion: 'newest' } })), 'platform-version').value, 'newest');
    const placement = poolViolations({
      ...ec2Pool,
      runTaskRequest: {
        placementConstraints: [{ type: 'memberOf' }, { type: 'distinctInstance', expression: 'x' }],
        placementStrategy: [{ type: 'random', field: 'cpu' }, { type: 'spread' }, { type: 'binpack', field: 'disk' }],
        overrides: { resourceRequirements: [{ type: 'GPU', value: 'two' }] },
      },
    });
    assert.deepEqual(placement.filter((v) => v.rule === 'placement-constraint').map((v) => v.path), [
      'spec.runTaskRequest.placementConstraints[0].expression', 'spec.runTaskRequest.placementConstraints[1].expression',
    ]);
    assert.deepEqual(placement.filter((v) => v.rule === 'placement-strategy').map((v) => v.path), [
      'spec.runTaskRequest.placementStrategy[0].field', 'spec.runTaskRequest.placementStrategy[1].field', 'spec.runTaskRequest.placementStrategy[2].field',
    ]);
    assert.equal(only(placement, 'gpu-count').path, 'spec.runTaskRequest.overrides.resourceRequirements[0].value');
  });

  test('a container override takes GPU resource requirements only: InferenceAccelerator is refused by field and rule', () => {
    const v = poolViolations({
      ...ec2Pool,
      runTaskRequest: {
        overrides: {
          resourceRequirements: [{ type: 'GPU', value: '1' }, { type: 'InferenceAccelerator', value: 'd1' }],
          inferenceAcceleratorOverrides: [{ deviceName: 'd1', deviceType: 'eia2.medium' }],
        },
      },
    });
    const refused = only(v, 'container-override-gpu-only');
    assert.equal(refused.path, 'spec.runTaskRequest.overrides.resourceRequirements[1].type');
    assert.equal(refused.value, 'InferenceAccelerator');
    assert.match(refused.message, /^overrides\.resourceRequirements is applied as a container override, where GPU is the only supported type/);
    assert.match(refused.message, /inferenceAcceleratorOverrides/);
    assert.equal(v.length, 1, 'the GPU entry and the accelerator override stay accepted');
    // The same on a run, on any launch.
    const onRun = runViolations({ runTaskRequest: { overrides: { resourceRequirements: [{ type: 'InferenceAccelerator', value: 'd1' }] } } }, ec2Pool);
    assert.equal(only(onRun, 'container-override-gpu-only').path, 'spec.runTaskRequest.overrides.resourceRequirements[0].type');
    const onFargate = poolViolations(fargatePool({ runTaskRequest: { overrides: { resourceRequirements: [{ type: 'InferenceAccelerator', value: 'd1' }] } } }));
    assert.deepEqual(onFargate.map((x) => x.rule), ['container-override-gpu-only']);
  });

  test('Fargate (on-demand or Spot) refuses placement, GPUs and inference accelerators; old platforms refuse ephemeral storage', () => {
    for (const launch of [{}, { launchType: 'FARGATE_SPOT' as const }, { capacityProviderStrategy: [{ capacityProvider: 'FARGATE_SPOT', weight: 1 }] }]) {
      const v = poolViolations(fargatePool({
        ...launch,
        runTaskRequest: {
          placementConstraints: [{ type: 'distinctInstance' }], placementStrategy: [{ type: 'random' }],
          overrides: { resourceRequirements: [{ type: 'GPU', value: '1' }], inferenceAcceleratorOverrides: [{ deviceName: 'd', deviceType: 't' }] },
        },
      }));
      assert.deepEqual(v.filter((x) => x.rule === 'fargate-placement').map((x) => x.message), [
        'Placement constraints are not supported with FARGATE launch type.', 'Placement strategies are not supported with FARGATE launch type.',
      ]);
      only(v, 'fargate-gpu');
      only(v, 'fargate-inference-accelerator');
    }
    const old = poolViolations(fargatePool({ runTaskRequest: { platformVersion: '1.3.0', overrides: { ephemeralStorage: { sizeInGiB: 30 } } } }));
    assert.equal(only(old, 'ephemeral-storage-platform').path, 'spec.runTaskRequest.overrides.ephemeralStorage');
  });

  test('EC2 and EXTERNAL refuse a platform version and ephemeral storage', () => {
    for (const launchType of ['EC2', 'EXTERNAL'] as const) {
      const v = poolViolations({ taskDefinition: {}, launchType, runTaskRequest: { platformVersion: '1.4.0', overrides: { ephemeralStorage: { sizeInGiB: 30 } } } });
      assert.match(only(v, 'platform-version-fargate-only').message, /^The platform version must be null when specifying an EC2 launch type\./);
      assert.equal(only(v, 'ephemeral-storage-fargate-only').path, 'spec.runTaskRequest.overrides.ephemeralStorage');
    }
  });

  test("a run that changes the launch is judged with the pool's request it keeps; its own fields replace the pool's", () => {
    const pool = fargatePool({ runTaskRequest: { platformVersion: '1.4.0', enableExecuteCommand: true } });
    const moved = runViolations({ launchType: 'EC2' }, pool);
    const v = only(moved, 'platform-version-fargate-only');
    assert.equal(v.path, 'spec.launchType');
    assert.match(v.message, /the pool's runTaskRequest, with this run's launch/);
    const own = runViolations({ launchType: 'EC2', runTaskRequest: { placementConstraints: [{ type: 'memberOf' }] } }, pool);
    assert.equal(only(own, 'placement-constraint').path, 'spec.runTaskRequest.placementConstraints[0].expression');
    const onFargate = runViolations({ runTaskRequest: { placementStrategy: [{ type: 'random' }] } }, pool);
    assert.equal(only(onFargate, 'fargate-placement').path, 'spec.runTaskRequest.placementStrategy');
    assert.deepEqual(effectiveRunTaskRequest(
      { platformVersion: '1.4.0', group: 'pool', overrides: { ephemeralStorage: { sizeInGiB: 30 } } },
      { group: 'run', overrides: { resourceRequirements: [{ type: 'GPU', value: '1' }] }, clientToken: 'dropped' },
    ), { platformVersion: '1.4.0', group: 'run', overrides: { ephemeralStorage: { sizeInGiB: 30 }, resourceRequirements: [{ type: 'GPU', value: '1' }] } });
  });
});

describe('spotFallback and exitCodeAttempts admission', () => {
  test('spotFallback needs a launch on Fargate Spot', () => {
    admitPool(poolDoc(fargatePool({ launchType: 'FARGATE_SPOT', spotFallback: { afterInterruptions: 2, onCapacityUnavailable: true } })));
    admitPool(poolDoc(fargatePool({ capacityProviderStrategy: [{ capacityProvider: 'FARGATE_SPOT', weight: 3 }, { capacityProvider: 'FARGATE', weight: 1 }], spotFallback: { afterInterruptions: 1 } })));
    const v = poolViolations(fargatePool({ spotFallback: { afterInterruptions: 2 } }));
    assert.equal(only(v, 'spot-fallback-needs-spot').path, 'spec.spotFallback');
    assert.equal(only(poolViolations(fargatePool({ launchType: 'FARGATE_SPOT', spotFallback: { afterInterruptions: 0 } })), 'schema').path, 'spec.spotFallback.afterInterruptions');
  });

  test('retry.exitCodeAttempts is its own bounded field, defaulting to 3, overridable per run', () => {
    assert.equal(PoolSpec.parse(fargatePool()).retry.exitCodeAttempts, 3);
    assert.equal(admitPool(poolDoc(fargatePool({ retry: { exitCodeAttempts: 7, infrastructureAttempts: 2 } }))).spec.retry.exitCodeAttempts, 7);
    assert.equal(only(poolViolations(fargatePool({ retry: { exitCodeAttempts: 0 } })), 'schema').path, 'spec.retry.exitCodeAttempts');
    assert.equal(only(poolViolations(fargatePool({ retry: { exitCodeAttempts: 101 } })), 'schema').path, 'spec.retry.exitCodeAttempts');
    assert.equal(admitRun(runDoc({ retry: { exitCodeAttempts: 5 } }), PoolSpec.parse(fargatePool())).spec.retry?.exitCodeAttempts, 5);
  });
});
