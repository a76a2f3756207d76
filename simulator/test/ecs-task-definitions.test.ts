/**
 * Task definition and cluster operations: revisions, lookups by ARN / family:revision / family, tags,
 * listing with prefix, status, sort and pagination, deregistration, and the concurrent-registration race.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CreateClusterCommand, DeregisterTaskDefinitionCommand, DescribeClustersCommand, DescribeTaskDefinitionCommand,
  ListClustersCommand, ListTaskDefinitionsCommand, RegisterTaskDefinitionCommand,
} from '@aws-sdk/client-ecs';
import { failure, fargateTaskDefinition, registerFargate, startHarness, type SimHarness } from './helpers/ecs-sim.js';

let h: SimHarness;
before(async () => {
  h = await startHarness({ registrationDelayMs: 0, throttling: false });
});
after(() => h.close());

describe('task definitions', () => {
  test('revisions count up per family; lookups by ARN, family:revision and family (latest ACTIVE)', async () => {
    const r1 = await registerFargate(h.ecs, { family: 'lookup' });
    const r2 = await registerFargate(h.ecs, { family: 'lookup', memory: '1024' });
    assert.equal(r1, 'arn:aws:ecs:us-east-1:123456789012:task-definition/lookup:1');
    assert.equal(r2, 'arn:aws:ecs:us-east-1:123456789012:task-definition/lookup:2');
    const byArn = await h.ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: r1 }));
    assert.equal(byArn.taskDefinition?.revision, 1);
    const byRevision = await h.ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: 'lookup:2' }));
    assert.equal(byRevision.taskDefinition?.memory, '1024');
    await h.ecs.send(new DeregisterTaskDefinitionCommand({ taskDefinition: 'lookup:2' }));
    const latest = await h.ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: 'lookup' }));
    assert.equal(latest.taskDefinition?.revision, 1, 'a bare family resolves to the latest ACTIVE revision');
    const inactive = await h.ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: 'lookup:2' }));
    assert.equal(inactive.taskDefinition?.status, 'INACTIVE');
    assert.ok(inactive.taskDefinition?.deregisteredAt instanceof Date);
    const missing = await failure(() => h.ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: 'lookup:9' })));
    assert.equal(missing.name, 'ClientException');
    assert.equal(missing.message, 'Unable to describe task definition.');
  });

  test('tags come back only with include TAGS', async () => {
    await registerFargate(h.ecs, { family: 'tagged', tags: [{ key: 'team', value: 'data' }] });
    const plain = await h.ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: 'tagged' }));
    assert.equal(plain.tags, undefined);
    const withTags = await h.ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: 'tagged', include: ['TAGS'] }));
    assert.deepEqual(withTags.tags, [{ key: 'team', value: 'data' }]);
  });

  test('ListTaskDefinitions filters by familyPrefix and status, sorts, and pages', async () => {
    for (let i = 0; i < 3; i += 1) await registerFargate(h.ecs, { family: 'paged-a' });
    await registerFargate(h.ecs, { family: 'paged-b' });
    await h.ecs.send(new DeregisterTaskDefinitionCommand({ taskDefinition: 'paged-a:2' }));
    const base = 'arn:aws:ecs:us-east-1:123456789012:task-definition/';
    const active = await h.ecs.send(new ListTaskDefinitionsCommand({ familyPrefix: 'paged-' }));
    assert.deepEqual(active.taskDefinitionArns, [`${base}paged-a:1`, `${base}paged-a:3`, `${base}paged-b:1`]);
    const desc = await h.ecs.send(new ListTaskDefinitionsCommand({ familyPrefix: 'paged-', sort: 'DESC' }));
    assert.deepEqual(desc.taskDefinitionArns, [`${base}paged-b:1`, `${base}paged-a:3`, `${base}paged-a:1`]);
    const inactive = await h.ecs.send(new ListTaskDefinitionsCommand({ familyPrefix: 'paged-', status: 'INACTIVE' }));
    assert.deepEqual(inactive.taskDefinitionArns, [`${base}paged-a:2`]);
    const page1 = await h.ecs.send(new ListTaskDefinitionsCommand({ familyPrefix: 'paged-', maxResults: 2 }));
    assert.equal(page1.taskDefinitionArns?.length, 2);
    assert.ok(page1.nextToken);
    const page2 = await h.ecs.send(new ListTaskDefinitionsCommand({ familyPrefix: 'paged-', maxResults: 2, nextToken: page1.nextToken }));
    assert.deepEqual(page2.taskDefinitionArns, [`${base}paged-b:1`]);
    assert.equal(page2.nextToken, undefined);
  });
});

describe('concurrent registration', () => {
  test('a second RegisterTaskDefinition on a family with one in flight fails; other families do not', async () => {
    const slow = await startHarness({ registrationDelayMs: 50_000, throttling: false }); // 50 ms real at 1000x
    try {
      const input = fargateTaskDefinition({ family: 'racy' });
      const results = await Promise.allSettled([
        slow.ecs.send(new RegisterTaskDefinitionCommand(input)),
        slow.ecs.send(new RegisterTaskDefinitionCommand(input)),
        slow.ecs.send(new RegisterTaskDefinitionCommand(fargateTaskDefinition({ family: 'calm' }))),
      ]);
      const [a, b, other] = results;
      const outcomes = [a, b].map((r) => r.status);
      assert.deepEqual([...outcomes].sort(), ['fulfilled', 'rejected']);
      const rejected = [a, b].find((r): r is PromiseRejectedResult => r.status === 'rejected');
      assert.equal((rejected?.reason as Error).name, 'ClientException');
      assert.equal((rejected?.reason as Error).message, 'Too many concurrent attempts to create a new revision of the specified family.');
      assert.equal(other.status, 'fulfilled');
      // After the first finishes, the family takes registrations again.
      const next = await slow.ecs.send(new RegisterTaskDefinitionCommand(input));
      assert.equal(next.taskDefinition?.revision, 2);
      assert.deepEqual(slow.sim.audit().registrations, { racy: 2, calm: 1 });
      assert.equal(slow.sim.audit().calls.RegisterTaskDefinition.error, 1);
    } finally {
      await slow.close();
    }
  });
});

describe('clusters', () => {
  test('default exists; CreateCluster, DescribeClusters (MISSING for unknown) and ListClusters', async () => {
    const created = await h.ecs.send(new CreateClusterCommand({ clusterName: 'batch', tags: [{ key: 'k', value: 'v' }] }));
    assert.equal(created.cluster?.clusterArn, 'arn:aws:ecs:us-east-1:123456789012:cluster/batch');
    assert.equal(created.cluster?.status, 'ACTIVE');
    const described = await h.ecs.send(new DescribeClustersCommand({ clusters: ['default', 'batch', 'ghost'], include: ['TAGS'] }));
    assert.deepEqual(described.clusters?.map((c) => c.clusterName), ['default', 'batch']);
    assert.deepEqual(described.clusters?.[1].tags, [{ key: 'k', value: 'v' }]);
    assert.deepEqual(described.failures, [{ arn: 'arn:aws:ecs:us-east-1:123456789012:cluster/ghost', reason: 'MISSING' }]);
    const listed = await h.ecs.send(new ListClustersCommand({}));
    assert.ok(listed.clusterArns?.includes('arn:aws:ecs:us-east-1:123456789012:cluster/default'));
    assert.ok(listed.clusterArns?.includes('arn:aws:ecs:us-east-1:123456789012:cluster/batch'));
  });
});
