import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existingDefinitionProblem } from '../../reconcilers/taskdef/resolve.js';
import { resolvePlacement } from '../../reconcilers/taskdef/placement.js';
import type { LaunchType, PoolLike, RunLike } from '../../reconcilers/taskdef/inputs.js';

const run: RunLike = { metadata: { name: 'r', uid: 'u' }, spec: { pool: 'p' } };
const placement = (launchType?: LaunchType, strategy?: string) => resolvePlacement(
  { metadata: { name: 'p' }, spec: { launchType, capacityProviderStrategy: strategy ? [{ capacityProvider: strategy, weight: 1 }] : undefined } } as PoolLike, run);
const fargateDef = { networkMode: 'awsvpc', requiresCompatibilities: ['FARGATE'], hasExecutionRole: true };

describe('a pool\'s own task definition, checked as the seed checks it', () => {
  test('a Fargate definition fits Fargate and Fargate Spot', () => {
    assert.equal(existingDefinitionProblem(fargateDef, placement(), false), undefined);
    assert.equal(existingDefinitionProblem(fargateDef, placement('FARGATE_SPOT'), true), undefined);
  });

  test('CloudWatch logs need the definition\'s execution role', () => {
    assert.match(existingDefinitionProblem({ ...fargateDef, hasExecutionRole: false }, placement(), true) ?? '', /execution role arn must be set/);
  });

  test('Fargate needs FARGATE compatibility and awsvpc; EC2 and custom strategies do not', () => {
    const ec2Def = { networkMode: 'bridge', requiresCompatibilities: ['EC2'], hasExecutionRole: false };
    assert.equal(existingDefinitionProblem(ec2Def, placement(), false), "Task definition does not have 'FARGATE' in 'requiresCompatibilities' and cannot be used with launch type 'FARGATE'");
    assert.match(existingDefinitionProblem({ ...ec2Def, requiresCompatibilities: [] }, placement(), false) ?? '', /network mode 'bridge' which is not compatible with launch type 'FARGATE'/);
    assert.equal(existingDefinitionProblem(ec2Def, placement('EC2'), false), undefined);
    assert.equal(existingDefinitionProblem(ec2Def, placement(undefined, 'my-asg-provider'), false), undefined);
  });
});
