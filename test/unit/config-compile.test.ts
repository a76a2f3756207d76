import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { CONFIG_VARIABLES, ConfigError, compileConfig } from '../../controller/config.js';
import { DEFAULT_BUDGETS } from '../../controller/aws/budgets.js';

function problemsOf(source: Record<string, string>): readonly string[] {
  try {
    compileConfig(source);
  } catch (error) {
    assert.ok(error instanceof ConfigError);
    return error.problems;
  }
  assert.fail('expected a ConfigError');
}

describe('compileConfig', () => {
  test('an empty environment yields the documented defaults with AWS budgets', () => {
    const config = compileConfig({}, 42);
    assert.equal(config.redisUrl, 'redis://127.0.0.1:6379');
    assert.equal(config.namespace, 'default');
    assert.equal(config.resyncIntervalMs, 10_000);
    assert.equal(config.metricsPort, 9464);
    // The unauthenticated endpoint stays on loopback unless an operator (or the image/chart) says otherwise.
    assert.equal(config.metricsHost, '127.0.0.1');
    assert.equal(config.shutdownGraceMs, 25_000);
    assert.equal(config.jobLockMs, 30_000);
    assert.equal(config.concurrency['reconcile-run'], 50);
    assert.deepEqual(config.budgets, DEFAULT_BUDGETS);
    assert.match(config.replicaId, /-42$/);
    assert.equal(config.aws.endpointUrl, undefined);
  });

  test('variables override defaults and seconds become milliseconds', () => {
    const config = compileConfig({
      REDIS_URL: 'redis://redis:6380/2',
      LONGSHORE_NAMESPACE: 'team-a',
      AWS_REGION: 'eu-west-1',
      AWS_ENDPOINT_URL: 'http://127.0.0.1:4566',
      LONGSHORE_RESYNC_INTERVAL_SECONDS: '2.5',
      LONGSHORE_METRICS_PORT: '0',
      LONGSHORE_CONCURRENCY_RESYNC: '7',
      LONGSHORE_BUDGET_CLUSTER_RESOURCE_MODIFY: '200/80',
    });
    assert.equal(config.redisUrl, 'redis://redis:6380/2');
    assert.equal(config.namespace, 'team-a');
    assert.deepEqual(config.aws, { region: 'eu-west-1', endpointUrl: 'http://127.0.0.1:4566' });
    assert.equal(config.resyncIntervalMs, 2500);
    assert.equal(config.metricsPort, 0);
    assert.equal(config.concurrency.resync, 7);
    assert.deepEqual(config.budgets.clusterResourceModify, { burst: 200, refillPerSecond: 80 });
    assert.deepEqual(config.budgets.taskDefinitionModify, DEFAULT_BUDGETS.taskDefinitionModify);
  });

  test('the time scale multiplies refill rates and leaves bursts alone', () => {
    const config = compileConfig({ LONGSHORE_BUDGET_TIME_SCALE: '10' });
    assert.deepEqual(config.budgets.taskDefinitionModify, { burst: 20, refillPerSecond: 10 });
    assert.deepEqual(config.budgets.fargateLaunches, { burst: 100, refillPerSecond: 200 });
  });

  test('the compiled configuration is frozen all the way down', () => {
    const config = compileConfig({});
    assert.ok(Object.isFrozen(config));
    assert.ok(Object.isFrozen(config.budgets.clusterRead));
    assert.ok(Object.isFrozen(config.concurrency));
  });

  test('empty strings count as unset', () => {
    assert.equal(compileConfig({ LONGSHORE_METRICS_PORT: '' }).metricsPort, 9464);
  });

  test('every invalid variable is named with what was expected and what was got', () => {
    const problems = problemsOf({
      LONGSHORE_METRICS_PORT: 'abc',
      LONGSHORE_BUDGET_CLUSTER_RESOURCE_MODIFY: '100:40',
      LONGSHORE_NAMESPACE: 'Team A',
      REDIS_URL: 'localhost:6379',
    });
    assert.equal(problems.length, 4);
    assert.ok(problems.includes('LONGSHORE_METRICS_PORT: expected an integer port from 0 to 65535, got "abc"'));
    assert.ok(problems.some((p) => p.startsWith('LONGSHORE_BUDGET_CLUSTER_RESOURCE_MODIFY: expected <burst>/<refill per second>') && p.endsWith('got "100:40"')));
    assert.ok(problems.some((p) => p.startsWith('LONGSHORE_NAMESPACE: expected lower-case') && p.endsWith('got "Team A"')));
    assert.ok(problems.some((p) => p.startsWith('REDIS_URL: expected a redis://') && p.endsWith('got "localhost:6379"')));
  });

  test('a budget with a zero refill is rejected', () => {
    const problems = problemsOf({ LONGSHORE_BUDGET_LOGS_READ: '10/0' });
    assert.deepEqual(problems, ['LONGSHORE_BUDGET_LOGS_READ: expected <burst>/<refill per second>, burst >= 1 and refill > 0, e.g. 100/40, got "10/0"']);
  });

  test('AWS_DEFAULT_REGION is read when AWS_REGION is unset, and AWS_REGION wins when both are set', () => {
    assert.equal(compileConfig({ AWS_DEFAULT_REGION: 'eu-central-1' }).aws.region, 'eu-central-1');
    assert.equal(compileConfig({ AWS_REGION: 'us-west-2', AWS_DEFAULT_REGION: 'eu-central-1' }).aws.region, 'us-west-2');
    assert.equal(compileConfig({}).aws.region, undefined);
  });

  test('a duration names its unit and range, and problems come in the order of the table', () => {
    assert.deepEqual(problemsOf({ LONGSHORE_SHUTDOWN_GRACE_SECONDS: '0', LONGSHORE_RESYNC_INTERVAL_SECONDS: '-1', REDIS_URL: 'x' }), [
      'REDIS_URL: expected a redis:// or rediss:// URL, got "x"',
      'LONGSHORE_RESYNC_INTERVAL_SECONDS: expected a positive number of seconds up to 86400, got "-1"',
      'LONGSHORE_SHUTDOWN_GRACE_SECONDS: expected a positive number of seconds up to 86400, got "0"',
    ]);
    assert.equal(compileConfig({ LONGSHORE_ORPHAN_SWEEP_INTERVAL_SECONDS: '0' }).orphanSweepIntervalMs, 0);
    assert.equal(compileConfig({ LONGSHORE_JOB_LOCK_SECONDS: '1.5' }).jobLockMs, 1500);
  });

  test('every variable of the table has a unique name and a default that compiles', () => {
    const names = CONFIG_VARIABLES.flatMap((v) => (v.alias ? [v.name, v.alias] : [v.name]));
    assert.equal(new Set(names).size, names.length);
    const defaults = Object.fromEntries(CONFIG_VARIABLES.filter((v) => v.unset !== undefined).map((v) => [v.name, v.default]));
    assert.deepEqual(compileConfig(defaults, 42), compileConfig({}, 42));
  });

  test('a port out of range is rejected', () => {
    assert.deepEqual(problemsOf({ LONGSHORE_METRICS_PORT: '70000' }), ['LONGSHORE_METRICS_PORT: expected an integer port from 0 to 65535, got "70000"']);
  });
});
