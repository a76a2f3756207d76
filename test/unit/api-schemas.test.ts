import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { PoolDocument, PoolSpec, RunDocument, RunRecord, RunSpec, resolveRunPolicy, effectiveLaunch, effectiveTaskSize, launchesOnFargate, poolLaunchType, initialRunStatus } from '../../controller/api/index.js';

describe('Pool schema', () => {
  test('applies the documented defaults', () => {
    const spec = PoolSpec.parse({ taskDefinition: {} });
    assert.equal(spec.timeouts.startSeconds, 300);
    assert.equal(spec.timeouts.runSeconds, undefined);
    assert.equal(spec.retry.infrastructureAttempts, 3);
    assert.deepEqual(spec.retry.onExitCodes, []);
    assert.deepEqual(spec.retry.backoff, { initialSeconds: 10, maxSeconds: 300, multiplier: 2 });
    assert.deepEqual(spec.env, {});
    assert.deepEqual(spec.tags, {});
    assert.equal(spec.autoDeregisterTaskDefinition, false);
    assert.equal(spec.matchLatestRevisionInFamily, false);
    assert.deepEqual(spec.limits, {});
  });

  test('normalises "1 vCPU" and "2GB" to units and MiB', () => {
    const spec = PoolSpec.parse({ cpu: '1 vCPU', memory: '2GB', taskDefinition: {} });
    assert.equal(spec.cpu, 1024);
    assert.equal(spec.memory, 2048);
    assert.equal(PoolSpec.parse({ cpu: '512', memory: 1024 }).cpu, 512);
  });

  test('template cpu/memory become strings, unknown template fields pass through', () => {
    const spec = PoolSpec.parse({ taskDefinition: { cpu: 256, memory: 512, volumes: [{ name: 'v' }], containerDefinitions: [{ name: 'c', portMappings: [] }] } });
    assert.equal(spec.taskDefinition?.cpu, '256');
    assert.deepEqual(spec.taskDefinition?.volumes, [{ name: 'v' }]);
    assert.deepEqual(spec.taskDefinition?.containerDefinitions?.[0], { name: 'c', portMappings: [] });
  });

  test('rejects unknown spec fields and bad enums', () => {
    assert.equal(PoolSpec.safeParse({ cpus: 1 }).success, false);
    assert.equal(PoolSpec.safeParse({ launchType: 'LAMBDA' }).success, false);
    assert.equal(PoolSpec.safeParse({ networkConfiguration: { assignPublicIp: 'YES' } }).success, false);
  });

  test('documents need apiVersion longshore.dev/v1alpha1 and the right kind', () => {
    const base = { metadata: { name: 'p' }, spec: { taskDefinition: {} } };
    assert.equal(PoolDocument.safeParse({ apiVersion: 'longshore.dev/v1alpha1', kind: 'Pool', ...base }).success, true);
    assert.equal(PoolDocument.safeParse({ apiVersion: 'v1', kind: 'Pool', ...base }).success, false);
    assert.equal(PoolDocument.safeParse({ apiVersion: 'longshore.dev/v1alpha1', kind: 'Run', ...base }).success, false);
  });

  test('names are lowercase DNS-style; labels follow Kubernetes', () => {
    const doc = (metadata: unknown) => PoolDocument.safeParse({ apiVersion: 'longshore.dev/v1alpha1', kind: 'Pool', metadata, spec: {} }).success;
    assert.equal(doc({ name: 'etl-pool.1' }), true);
    assert.equal(doc({ name: 'ETL' }), false);
    assert.equal(doc({ name: 'a:b' }), false);
    assert.equal(doc({ name: 'p', labels: { 'team.example.com/owner': 'data_eng' } }), true);
    assert.equal(doc({ name: 'p', labels: { 'bad key': 'x' } }), false);
    assert.equal(doc({ name: 'p', labels: { k: 'has space' } }), false);
  });
});

describe('Run schema', () => {
  test('command is an argv array or a shell string; env values may be null', () => {
    assert.deepEqual(RunSpec.parse({ pool: 'p', command: ['python', '-m', 'x'] }).command, ['python', '-m', 'x']);
    assert.equal(RunSpec.parse({ pool: 'p', command: 'echo hi' }).command, 'echo hi');
    assert.deepEqual(RunSpec.parse({ pool: 'p', env: { A: null, B: 'b' } }).env, { A: null, B: 'b' });
    assert.equal(RunSpec.parse({ pool: 'p' }).cancelRequested, false);
    assert.equal(RunSpec.safeParse({}).success, false);
  });

  test('RunDocument and RunRecord round-trip', () => {
    const doc = RunDocument.parse({ apiVersion: 'longshore.dev/v1alpha1', kind: 'Run', metadata: { name: 'r1', labels: { app: 'etl' } }, spec: { pool: 'p' } });
    const record = RunRecord.parse({
      apiVersion: doc.apiVersion,
      kind: 'Run',
      metadata: { ...doc.metadata, name: 'r1', uid: 'u', generation: 1, resourceVersion: '7', creationTimestamp: '2026-01-01T00:00:00.000Z' },
      spec: doc.spec,
      status: initialRunStatus(),
      lifecycle: { value: 'pending' },
    });
    assert.equal(record.metadata.resourceVersion, '7');
    assert.deepEqual(record.lifecycle, { value: 'pending' });
  });
});

describe('policy helpers', () => {
  const pool = PoolSpec.parse({ taskDefinition: { cpu: '512', memory: '1024' }, retry: { infrastructureAttempts: 5, onExitCodes: [137] }, timeouts: { runSeconds: 60 } });

  test('run overrides replace pool timeouts and retry field by field', () => {
    const run = RunSpec.parse({ pool: 'p', timeouts: { startSeconds: 30, launchSeconds: 45 }, retry: { backoff: { maxSeconds: 20 }, onStartTimeout: true } });
    assert.deepEqual(resolveRunPolicy(pool, run), {
      startSeconds: 30,
      launchSeconds: 45,
      runSeconds: 60,
      infrastructureAttempts: 5,
      exitCodeAttempts: 3,
      onExitCodes: [137],
      onStartTimeout: true,
      backoff: { initialSeconds: 10, maxSeconds: 20, multiplier: 2 },
    });
  });

  test('timeouts.launchSeconds defaults to 600 and is bounded to a day', () => {
    assert.equal(pool.timeouts.launchSeconds, 600);
    assert.equal(resolveRunPolicy(pool, RunSpec.parse({ pool: 'p' })).launchSeconds, 600);
    for (const launchSeconds of [0, -1, 1.5, 86_401]) {
      assert.equal(RunSpec.safeParse({ pool: 'p', timeouts: { launchSeconds } }).success, false, `launchSeconds ${launchSeconds}`);
      assert.equal(PoolSpec.safeParse({ timeouts: { launchSeconds } }).success, false, `pool launchSeconds ${launchSeconds}`);
    }
    assert.equal(RunSpec.safeParse({ pool: 'p', timeouts: { launchSeconds: 86_400 } }).success, true);
  });

  test('task size: run, then pool, then template, then 1024/2048', () => {
    assert.deepEqual(effectiveTaskSize(pool), { cpu: 512, memory: 1024 });
    assert.deepEqual(effectiveTaskSize(pool, { cpu: 256, memory: 512 }), { cpu: 256, memory: 512 });
    assert.deepEqual(effectiveTaskSize({}), { cpu: 1024, memory: 2048 });
  });

  test('launch choice: a run override replaces the pool choice; Fargate detection', () => {
    const spot = [{ capacityProvider: 'FARGATE_SPOT', weight: 1 }];
    assert.deepEqual(effectiveLaunch({}), { launchType: 'FARGATE' });
    assert.deepEqual(effectiveLaunch({ capacityProviderStrategy: spot }, { launchType: 'EC2' }), { launchType: 'EC2' });
    assert.equal(launchesOnFargate({ capacityProviderStrategy: spot }), true);
    assert.equal(launchesOnFargate({ capacityProviderStrategy: [{ capacityProvider: 'my-asg' }] }), false);
    assert.equal(launchesOnFargate({ launchType: 'EXTERNAL' }), false);
    assert.equal(poolLaunchType({ capacityProviderStrategy: spot }), undefined);
    assert.equal(poolLaunchType({}), 'FARGATE');
  });
});
