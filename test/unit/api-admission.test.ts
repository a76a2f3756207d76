import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { PoolSpec, type PoolSpecInput } from '../../controller/api/index.js';
import { AdmissionError, admitDocuments, admitPool, admitRun, referencedPoolNames, isValidFargateSize, formatRejections } from '../../controller/api/admission/index.js';
import { V, fargatePool, only, poolDoc, poolViolations, runDoc, runViolations, violationsOf } from './admission-helpers.js';

describe('admission: a valid pool and run pass', () => {
  test('a full pool is admitted with defaults applied', () => {
    const pool = admitPool(poolDoc({
      cluster: 'prod', region: 'eu-west-1', launchType: 'FARGATE_SPOT', vpcId: 'vpc-1',
      networkConfiguration: { subnets: ['subnet-1'], securityGroups: ['sg-1'], assignPublicIp: 'DISABLED' },
      taskDefinition: { networkMode: 'awsvpc', requiresCompatibilities: ['FARGATE'], containerDefinitions: [{ name: 'prefect', environment: [{ name: 'A', value: '1' }] }] },
      family: 'etl', containerName: 'prefect', image: 'python:3.12', cpu: 512, memory: 1024,
      executionRoleArn: 'arn:aws:iam::1:role/exec', cloudwatchLogs: { enabled: true, group: '/longshore', streamPrefix: 'etl', options: { 'awslogs-create-group': 'true' } },
      env: { LOG_LEVEL: 'info' }, tags: { team: 'data' }, limits: { maxRunning: 10 },
    }));
    assert.equal(pool.metadata.name, 'p1');
    assert.equal(pool.spec.timeouts.startSeconds, 300);
    const run = admitRun(runDoc({ image: 'python:3.12', command: 'python -m etl', env: { LOG_LEVEL: null }, cpu: 1024, memory: 2048 }), pool.spec);
    assert.equal(run.spec.pool, 'p1');
  });
});

describe('admission: every rule names path, rule, message and value', () => {
  test('schema: zod errors carry the field path and the offending value', () => {
    const v = only(poolViolations({ cpu: 'lots' } as PoolSpecInput), 'schema');
    assert.equal(v.path, 'spec.cpu');
    assert.equal(v.value, 'lots');
    assert.match(v.message, /CPU units/);
  });

  test('schema: unknown fields are named one by one', () => {
    const vs = poolViolations({ taskDefinition: {}, imagee: 'x' } as PoolSpecInput);
    assert.deepEqual(vs.map((v) => [v.path, v.rule, v.message]), [['spec.imagee', 'schema', 'unknown field']]);
  });

  test('schema: an unknown kind is rejected', () => {
    const v = only(violationsOf(() => admitDocuments([{ apiVersion: V, kind: 'Job', metadata: { name: 'x' } }], { pools: new Map() })), 'schema');
    assert.equal(v.path, 'kind');
    assert.equal(v.value, 'Job');
  });

  test('fargate-cpu-memory: every pair of the Fargate sizes table, and a bad pair', () => {
    for (const [cpu, memory] of [[256, 512], [256, 2048], [512, 4096], [1024, 8192], [2048, 16384], [4096, 30720], [8192, 16384], [8192, 61440], [16384, 32768], [16384, 122880]]) {
      assert.equal(isValidFargateSize(cpu, memory), true, `${cpu}/${memory}`);
    }
    for (const [cpu, memory] of [[256, 4096], [1024, 1024], [4096, 31744], [8192, 18432], [16384, 36864], [3000, 6144]]) {
      assert.equal(isValidFargateSize(cpu, memory), false, `${cpu}/${memory}`);
    }
    const v = only(poolViolations(fargatePool({ cpu: 1024, memory: 1024 })), 'fargate-cpu-memory');
    assert.equal(v.path, 'spec.memory');
    assert.deepEqual(v.value, { cpu: 1024, memory: 1024 });
    assert.match(v.message, /No Fargate configuration exists for 1024 CPU, 1024 memory: with 1024 CPU, memory must be one of 2048, 3072/);
    assert.equal(only(poolViolations(fargatePool({ cpu: 3000 })), 'fargate-cpu-memory').path, 'spec.cpu');
    assert.equal(only(poolViolations({ taskDefinition: { cpu: '256', memory: '8192' } }), 'fargate-cpu-memory').path, 'spec.taskDefinition.cpu');
  });

  test('fargate-cpu-memory does not apply to EC2 pools, and applies to a run override', () => {
    admitPool(poolDoc({ launchType: 'EC2', cpu: 1000, memory: 1000, taskDefinition: {} }));
    const v = only(runViolations({ cpu: 256, memory: 4096 }), 'fargate-cpu-memory');
    assert.equal(v.path, 'spec.memory');
  });

  test('fargate-awsvpc: a Fargate template must use awsvpc', () => {
    const v = only(poolViolations({ taskDefinition: { networkMode: 'bridge' } }), 'fargate-awsvpc');
    assert.equal(v.path, 'spec.taskDefinition.networkMode');
    assert.equal(v.value, 'bridge');
    assert.match(v.message, /Fargate only supports network mode 'awsvpc'/);
    admitPool(poolDoc({ launchType: 'EC2', taskDefinition: { networkMode: 'bridge' } }));
    assert.equal(only(runViolations({ launchType: 'FARGATE' }, { launchType: 'EC2', taskDefinition: { networkMode: 'bridge' } }), 'fargate-awsvpc').path, 'spec.launchType');
  });

  test('task-definition-required and task-definition-exclusive', () => {
    const missing = only(poolViolations({}), 'task-definition-required');
    assert.equal(missing.path, 'spec.taskDefinition');
    assert.match(missing.message, /taskDefinition template or a taskDefinitionArn is required/);
    const both = only(poolViolations({ taskDefinition: {}, taskDefinitionArn: 'arn:td' }), 'task-definition-exclusive');
    assert.equal(both.path, 'spec.taskDefinitionArn');
    assert.equal(both.value, 'arn:td');
    admitPool(poolDoc({ taskDefinitionArn: 'arn:aws:ecs:us-east-1:1:task-definition/etl:3' }));
  });

  test('cloudwatch-logs-execution-role: logs need an execution role (pool or template)', () => {
    const v = only(poolViolations(fargatePool({ cloudwatchLogs: { enabled: true } })), 'cloudwatch-logs-execution-role');
    assert.equal(v.path, 'spec.executionRoleArn');
    assert.match(v.message, /need an executionRoleArn/);
    admitPool(poolDoc({ taskDefinition: { networkMode: 'awsvpc', executionRoleArn: 'arn:role' }, cloudwatchLogs: { enabled: true } }));
    const driver = only(poolViolations({ taskDefinition: { containerDefinitions: [{ name: 'c', logConfiguration: { logDriver: 'awslogs' } }] } }), 'cloudwatch-logs-execution-role');
    assert.equal(driver.path, 'spec.taskDefinition.containerDefinitions[0].logConfiguration');
  });

  test('secrets-execution-role: container secrets need an execution role', () => {
    const v = only(poolViolations({ taskDefinition: { containerDefinitions: [{ name: 'c', secrets: [{ name: 'TOKEN', valueFrom: 'arn:secret' }] }] } }), 'secrets-execution-role');
    assert.deepEqual(v.value, ['TOKEN']);
  });

  test('cloudwatch-logs-options-require-enabled', () => {
    const v = only(poolViolations(fargatePool({ cloudwatchLogs: { options: { 'awslogs-create-group': 'true' } } })), 'cloudwatch-logs-options-require-enabled');
    assert.equal(v.path, 'spec.cloudwatchLogs.options');
    assert.deepEqual(v.value, { 'awslogs-create-group': 'true' });
  });

  test('network-configuration-vpc: a custom network configuration needs vpcId', () => {
    const v = only(poolViolations(fargatePool({ networkConfiguration: { subnets: ['subnet-1'] } })), 'network-configuration-vpc');
    assert.equal(v.path, 'spec.vpcId');
    assert.match(v.message, /needs vpcId/);
  });

  test('family-name and container-name patterns', () => {
    const vs = poolViolations({ family: 'bad family', containerName: 'a'.repeat(256), taskDefinition: { family: 'ok', containerDefinitions: [{ name: 'c/1' }] } });
    assert.deepEqual(vs.filter((v) => v.rule === 'family-name').map((v) => v.path), ['spec.family']);
    assert.deepEqual(vs.filter((v) => v.rule === 'container-name').map((v) => v.path), ['spec.containerName', 'spec.taskDefinition.containerDefinitions[0].name']);
    assert.match(vs[0].message, /1-255 letters, digits/);
    assert.equal(only(runViolations({ deployment: 'my deploy' }), 'family-name').path, 'spec.deployment');
  });

  test('env-name: pool, template and run variable names', () => {
    const vs = poolViolations(fargatePool({ env: { '1BAD': 'x', GOOD_1: 'y' }, taskDefinition: { containerDefinitions: [{ name: 'c', environment: [{ name: 'A-B', value: '1' }] }] } }));
    assert.deepEqual(vs.filter((v) => v.rule === 'env-name').map((v) => [v.path, v.value]), [['spec.env.1BAD', '1BAD'], ['spec.taskDefinition.containerDefinitions[0].environment.A-B', 'A-B']]);
    assert.equal(only(runViolations({ env: { 'MY VAR': 'x' } }), 'env-name').value, 'MY VAR');
  });

  test('task-definition-size: 64 KiB', () => {
    const big = 'x'.repeat(70 * 1024);
    const v = only(poolViolations(fargatePool({ env: { BIG: big } })), 'task-definition-size');
    assert.equal(v.path, 'spec.taskDefinition');
    assert.ok(typeof v.value === 'number' && v.value > 65536);
  });

  test('overrides-size: the RunTask overrides a run would produce stay within 8,192 characters', () => {
    const v = only(runViolations({ env: { PAYLOAD: 'y'.repeat(8200) } }), 'overrides-size');
    assert.equal(v.path, 'spec');
    assert.match(v.message, /ECS allows 8192/);
    // Pool env counts too (it travels in the container override), and a null removes it.
    const pool = fargatePool({ env: { PAYLOAD: 'y'.repeat(8200) } });
    only(runViolations({}, pool), 'overrides-size');
    admitRun(runDoc({ env: { PAYLOAD: null } }), PoolSpec.parse(pool));
  });

  test('tags: count, key and value length, reserved aws: prefix', () => {
    const many = Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`k${i}`, 'v']));
    assert.equal(only(poolViolations(fargatePool({ tags: many })), 'tag-count').value, 51);
    assert.equal(only(poolViolations(fargatePool({ tags: { ['k'.repeat(129)]: 'v' } })), 'tag-key-length').rule, 'tag-key-length');
    assert.equal(only(poolViolations(fargatePool({ tags: { k: 'v'.repeat(257) } })), 'tag-value-length').path, 'spec.tags.k');
    assert.equal(only(poolViolations(fargatePool({ tags: { 'AWS:owner': 'me' } })), 'tag-reserved-prefix').value, 'AWS:owner');
    const half = (p: string) => Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`${p}${i}`, 'v']));
    assert.match(only(runViolations({ tags: half('r') }, fargatePool({ tags: half('p') })), 'tag-count').message, /together number 60/);
  });

  test('launch-type-compatibility: FARGATE_SPOT needs a Fargate-compatible definition', () => {
    const v = only(poolViolations({ launchType: 'FARGATE_SPOT', taskDefinition: { requiresCompatibilities: ['EC2'] } }), 'launch-type-compatibility');
    assert.equal(v.path, 'spec.launchType');
    assert.match(v.message, /does not include FARGATE/);
    admitPool(poolDoc({ launchType: 'FARGATE_SPOT', taskDefinition: { networkMode: 'awsvpc', requiresCompatibilities: ['FARGATE'] } }));
    const spot = only(runViolations({ capacityProviderStrategy: [{ capacityProvider: 'FARGATE_SPOT' }] }, { launchType: 'EC2', taskDefinition: { requiresCompatibilities: ['EC2'] } }), 'launch-type-compatibility');
    assert.equal(spot.path, 'spec.capacityProviderStrategy');
  });

  test('launch-type-exclusive: launchType and capacityProviderStrategy together', () => {
    const v = only(poolViolations(fargatePool({ launchType: 'FARGATE', capacityProviderStrategy: [{ capacityProvider: 'FARGATE_SPOT' }] })), 'launch-type-exclusive');
    assert.equal(v.path, 'spec.capacityProviderStrategy');
  });

  test('region: a malformed Region code is refused; a well-formed one is admitted, known to exist or not', () => {
    for (const region of ['EU-WEST-1', 'eu_west_1', 'euwest1', 'eu-west', 'eu-west-1a', 'ecs.eu-west-1.amazonaws.com']) {
      const v = only(poolViolations(fargatePool({ region })), 'schema');
      assert.deepEqual([v.path, v.value], ['spec.region', region]);
      assert.match(v.message, /expected an AWS Region code such as eu-west-1/);
    }
    // AWS adds Regions, so admission keeps no list: one that does not exist fails its DNS lookup at launch.
    for (const region of ['eu-west-1', 'us-gov-west-1', 'ap-southeast-7', 'eu-fake-1']) {
      assert.equal(admitPool(poolDoc(fargatePool({ region }))).spec.region, region);
    }
  });

  test('pool-exists: a run must name an existing pool', () => {
    const v = only(violationsOf(() => admitRun(runDoc({ pool: 'nope' }), undefined)), 'pool-exists');
    assert.deepEqual([v.path, v.value, v.message], ['spec.pool', 'nope', 'pool "nope" does not exist']);
  });

  test('name-required and generateName', () => {
    const v = only(violationsOf(() => admitPool({ apiVersion: V, kind: 'Pool', metadata: {}, spec: { taskDefinition: {} } })), 'name-required');
    assert.equal(v.path, 'metadata.name');
    const pool = admitPool({ apiVersion: V, kind: 'Pool', metadata: { generateName: 'etl-' }, spec: { taskDefinition: {} } }, { generateSuffix: () => 'abcde' });
    assert.equal(pool.metadata.name, 'etl-abcde');
  });
});

describe('admission: batches', () => {
  test('every bad document is reported with its index, kind and name; nothing is admitted', () => {
    const docs = [
      poolDoc(fargatePool(), 'p1'),
      runDoc({ cpu: 256, memory: 4096 }, 'bad-size'),
      runDoc({}, 'fine'),
      runDoc({ pool: 'ghost' }, 'orphan'),
      runDoc({}, 'fine'),
    ];
    let error: unknown;
    try {
      admitDocuments(docs, { pools: new Map() });
    } catch (e) {
      error = e;
    }
    assert.ok(error instanceof AdmissionError);
    assert.deepEqual(error.rejections.map((r) => [r.index, r.kind, r.name, r.violations.map((v) => v.rule)]), [
      [1, 'Run', 'bad-size', ['fargate-cpu-memory']],
      [3, 'Run', 'orphan', ['pool-exists']],
      [4, 'Run', 'fine', ['duplicate-name']],
    ]);
    assert.match(formatRejections(error.rejections), /^document 2 \(Run bad-size\): spec\.memory: fargate-cpu-memory: No Fargate/);
    assert.equal(error.message.split('\n').length, 3);
  });

  test('a pool declared in the batch satisfies its runs; existing pools come from the context', () => {
    const admitted = admitDocuments([runDoc({}, 'a'), poolDoc(fargatePool(), 'p1'), runDoc({ pool: 'p2' }, 'b')], { pools: new Map([['p2', PoolSpec.parse(fargatePool())]]) });
    assert.deepEqual(admitted.map((d) => `${d.kind}/${d.metadata.name}`), ['Run/a', 'Pool/p1', 'Run/b']);
  });

  test('referencedPoolNames reads run documents leniently', () => {
    assert.deepEqual(referencedPoolNames([runDoc({ pool: 'x' }), runDoc({ pool: 'x' }), poolDoc({}), 42, { kind: 'Run' }]), ['x']);
  });
});
