import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { PoolLike, PoolSpecLike, RunLike, RunSpecLike } from '../../reconcilers/taskdef/inputs.js';
import type { PoolRecord } from '../../controller/api/pool.js';
import type { RunRecord } from '../../controller/api/run.js';
import { buildRunTaskInput, LaunchInputError, OVERRIDES_MAX_CHARS, runTags, type RunTaskArgs } from '../../reconcilers/launch/run-task-input.js';
import { clientTokenFor, parseStartedBy, startedByFor, startedByMatches } from '../../reconcilers/launch/identity.js';
import { ShlexError, shlexSplit } from '../../controller/api/command.js';

function newPool(spec: PoolSpecLike = {}, name = 'etl.pool'): PoolLike {
  return { metadata: { name, generation: 1 }, spec: { cluster: 'c1', region: 'us-east-1', ...spec } };
}
function newRun(spec: Partial<RunSpecLike> = {}, labels: Record<string, string> = {}, name = 'run-1'): RunLike {
  return { metadata: { name, uid: '0b7f3a52-8c8e-4d2f-9a51-2f6c1d0e4b11', labels }, spec: { pool: 'etl.pool', ...spec } };
}
const network = { subnets: ['subnet-a', 'subnet-b'], assignPublicIp: 'ENABLED' as const, securityGroups: [] };
function args(overrides: Partial<RunTaskArgs> = {}): RunTaskArgs {
  return {
    pool: newPool(), run: newRun(), attempt: 1, namespace: 'default',
    taskDefinition: { taskDefinitionArn: 'arn:td:1', containerName: 'longshore', networkMode: 'awsvpc' },
    network, ...overrides,
  };
}

describe('buildRunTaskInput', () => {
  test('a plain Fargate run: launch type, network, identities, markers, no overrides', () => {
    const input = buildRunTaskInput(args());
    assert.equal(input.taskDefinition, 'arn:td:1');
    assert.equal(input.cluster, 'c1');
    assert.equal(input.launchType, 'FARGATE');
    assert.equal(input.capacityProviderStrategy, undefined);
    assert.equal(input.count, 1);
    assert.equal(input.clientToken, '0b7f3a52-8c8e-4d2f-9a51-2f6c1d0e4b11:1');
    assert.equal(input.startedBy, 'longshore/default/run-1');
    assert.equal(input.group, 'longshore:etl-pool');
    assert.deepEqual(input.networkConfiguration, { awsvpcConfiguration: network });
    assert.equal(input.overrides, undefined);
  });

  test('FARGATE_SPOT becomes a strategy and drops launchType', () => {
    const input = buildRunTaskInput(args({ pool: newPool({ launchType: 'FARGATE_SPOT' }) }));
    assert.equal(input.launchType, undefined);
    assert.deepEqual(input.capacityProviderStrategy, [{ capacityProvider: 'FARGATE_SPOT', weight: 1 }]);
  });

  test('a strategy drops launchType even when one is configured', () => {
    const strategy = [{ capacityProvider: 'FARGATE', weight: 1 }, { capacityProvider: 'FARGATE_SPOT', weight: 3 }];
    const input = buildRunTaskInput(args({ pool: newPool({ launchType: 'FARGATE', capacityProviderStrategy: strategy }) }));
    assert.equal(input.launchType, undefined);
    assert.deepEqual(input.capacityProviderStrategy, strategy);
  });

  test('EC2 bridge definitions need no network configuration', () => {
    const input = buildRunTaskInput(args({
      pool: newPool({ launchType: 'EC2' }), network: undefined,
      taskDefinition: { taskDefinitionArn: 'arn:td:2', containerName: 'app', networkMode: 'bridge' },
    }));
    assert.equal(input.launchType, 'EC2');
    assert.equal(input.networkConfiguration, undefined);
  });

  test('awsvpc without a network is an input error with ECS\'s wording', () => {
    assert.throws(() => buildRunTaskInput(args({ network: undefined })), (e: unknown) =>
      e instanceof LaunchInputError && /Network Configuration must be provided/.test(e.message));
  });

  test('per-run values become overrides of the orchestration container and the task', () => {
    const run = newRun({ command: 'python -c "print(1)" --flag=\'a b\'', env: { B: '2', A: '1', GONE: null }, cpu: 2048, memory: '4GB', taskRoleArn: 'arn:role:run' });
    const input = buildRunTaskInput(args({ run, taskDefinition: { taskDefinitionArn: 'arn:td:1', containerName: 'main', networkMode: 'awsvpc' } }));
    assert.deepEqual(input.overrides, {
      containerOverrides: [{
        name: 'main', command: ['python', '-c', 'print(1)', '--flag=a b'],
        environment: [{ name: 'A', value: '1' }, { name: 'B', value: '2' }], cpu: 2048, memory: 4096,
      }],
      cpu: '2048', memory: '4096', taskRoleArn: 'arn:role:run',
    });
  });

  test('an unparsable command is an input error that keeps the parser\'s error as its cause', () => {
    const run = newRun({ command: 'echo "unclosed' });
    assert.throws(() => buildRunTaskInput(args({ run })), (e: unknown) =>
      e instanceof LaunchInputError && e.message === 'Invalid command: No closing quotation' && e.cause instanceof ShlexError);
  });

  test('overrides over 8192 characters are rejected before calling ECS', () => {
    const run = newRun({ env: { BIG: 'x'.repeat(OVERRIDES_MAX_CHARS) } });
    assert.throws(() => buildRunTaskInput(args({ run })), (e: unknown) => e instanceof LaunchInputError && /8192/.test(e.message));
  });

  test('the same attempt builds the same request; the next attempt a new token', () => {
    assert.deepEqual(buildRunTaskInput(args()), buildRunTaskInput(args()));
    assert.notEqual(buildRunTaskInput(args({ attempt: 2 })).clientToken, buildRunTaskInput(args()).clientToken);
  });
});

describe('tags', () => {
  test('labels win over run tags over pool tags; markers come first and cannot be overridden', () => {
    const pool = newPool({ tags: { team: 'data', env: 'prod' } });
    const run = newRun({ tags: { env: 'staging', 'longshore.dev/run': 'spoof' } }, { 'app.kubernetes.io/name': 'my app!', env: 'dev' });
    const tags = runTags(pool, run, 2);
    assert.deepEqual(tags, [
      { key: 'longshore.dev/run', value: 'run-1' },
      { key: 'longshore.dev/pool', value: 'etl.pool' },
      { key: 'longshore.dev/attempt', value: '2' },
      { key: 'team', value: 'data' },
      { key: 'app.kubernetes.io/name', value: 'my-app' },
      { key: 'env', value: 'dev' },
    ]);
  });

  test('at most 50 tags and no aws: keys', () => {
    const many = Object.fromEntries(Array.from({ length: 80 }, (_, i) => [`k${i}`, 'v']));
    const tags = runTags(newPool({ tags: { 'aws:reserved': 'x', ...many } }), newRun(), 1);
    assert.equal(tags.length, 50);
    assert.ok(tags.every((t) => !t.key?.startsWith('aws:')));
  });
});

describe('identities', () => {
  test('clientToken fits ECS\'s 64 printable ASCII characters even for long uids', () => {
    const token = clientTokenFor('u'.repeat(100), 3);
    assert.equal(token.length, 64);
    assert.match(token, /^[\x21-\x7e]+$/);
    assert.notEqual(clientTokenFor('u'.repeat(100), 4), token);
  });

  test('startedBy round-trips run names and marks the namespace', () => {
    const s = startedByFor('team-a', 'nightly.run-7');
    assert.equal(s, 'longshore/team-a/nightly_run-7');
    assert.match(s, /^[A-Za-z0-9/_-]{1,128}$/);
    assert.deepEqual(parseStartedBy(s), { namespaceTag: 'team-a', runName: 'nightly.run-7' });
    assert.ok(startedByMatches(s, 'team-a', 'nightly.run-7'));
    assert.ok(!startedByMatches(s, 'team-b', 'nightly.run-7'));
  });

  test('long names and odd namespaces fall back to hashes that still match', () => {
    const name = `r${'a'.repeat(200)}`;
    const s = startedByFor('ns with spaces', name);
    assert.ok(s.length <= 128);
    assert.match(s, /^[A-Za-z0-9/_-]+$/);
    assert.ok('runHash' in (parseStartedBy(s) ?? {}));
    assert.ok(startedByMatches(s, 'ns with spaces', name));
    assert.ok(!startedByMatches(s, 'ns with spaces', `${name}b`));
  });

  test('foreign markers are not ours', () => {
    assert.equal(parseStartedBy('ecs-svc/123'), null);
    assert.equal(parseStartedBy(undefined), null);
    assert.equal(parseStartedBy('longshore/x/h/nothex'), null);
  });
});

describe('shlex', () => {
  test('splits like Python shlex.split', () => {
    assert.deepEqual(shlexSplit(`a 'b c' "d \\"e\\" $f" g\\ h  `), ['a', 'b c', 'd "e" $f', 'g h']);
    assert.deepEqual(shlexSplit(`x''y ""`), ['xy', '']);
    assert.throws(() => shlexSplit(`'open`));
  });
});

describe('resource types', () => {
  test('stored records are accepted where the launch reads pools and runs', () => {
    // A compile-time check as much as a runtime one: PoolRecord/RunRecord must stay assignable.
    const accept = (pool: PoolLike, run: RunLike): string => `${pool.metadata.name}/${run.metadata.name}`;
    const check = (pool: PoolRecord, run: RunRecord): string => accept(pool, run);
    assert.equal(typeof check, 'function');
  });
});
