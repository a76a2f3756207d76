import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ContainerDefinition } from '@aws-sdk/client-ecs';
import { render, RenderError, DEFAULT_IMAGE, definitionEnvironment } from '../../reconcilers/taskdef/render.js';
import type { PoolLike, PoolSpecLike, RunLike, RunSpecLike } from '../../reconcilers/taskdef/inputs.js';
import { slugifyFamily, slugifyTagValue } from '../../reconcilers/taskdef/slug.js';

function newPool(spec: PoolSpecLike = {}, name = 'pool-a'): PoolLike {
  return { metadata: { name, generation: 1 }, spec: { cluster: 'c1', region: 'us-east-1', ...spec } };
}
function newRun(spec: Partial<RunSpecLike> = {}, name = 'run-1'): RunLike {
  return { metadata: { name, uid: 'uid-1', labels: {} }, spec: { pool: 'pool-a', ...spec } };
}
function only(containers: ContainerDefinition[] | undefined): ContainerDefinition {
  assert.equal(containers?.length, 1);
  const [c] = containers ?? [];
  assert.ok(c);
  return c;
}

describe('render: container and image', () => {
  test('an empty template gets one container named longshore with the default image', () => {
    const r = render(newPool(), newRun());
    assert.equal(r.containerName, 'longshore');
    const c = only(r.taskDefinition.containerDefinitions);
    assert.equal(c.name, 'longshore');
    assert.equal(c.image, DEFAULT_IMAGE);
  });

  test('the configured container name wins; else longshore if present; else the template\'s first', () => {
    const template = { containerDefinitions: [{ name: 'app', image: 'x' }, { name: 'longshore', image: 'y' }] };
    assert.equal(render(newPool({ taskDefinition: template }), newRun()).containerName, 'longshore');
    assert.equal(render(newPool({ taskDefinition: template, containerName: 'app' }), newRun()).containerName, 'app');
    const first = { containerDefinitions: [{ name: 'main', image: 'x' }, { name: 'side', image: 'y' }] };
    assert.equal(render(newPool({ taskDefinition: first }), newRun()).containerName, 'main');
  });

  test('a configured container missing from a template with named containers is an error', () => {
    const template = { containerDefinitions: [{ name: 'app', image: 'x' }] };
    assert.throws(() => render(newPool({ taskDefinition: template, containerName: 'other' }), newRun()), (e: unknown) =>
      e instanceof RenderError && e.message === "Container 'other' not found in task definition.");
  });

  test('an unnamed template container takes the configured name', () => {
    const r = render(newPool({ taskDefinition: { containerDefinitions: [{ image: 'tmpl' }] }, containerName: 'job' }), newRun());
    const c = only(r.taskDefinition.containerDefinitions);
    assert.equal(c.name, 'job');
    assert.equal(c.image, 'tmpl');
  });

  test('image precedence: run, then pool, then template', () => {
    const template = { containerDefinitions: [{ name: 'longshore', image: 'tmpl' }] };
    assert.equal(only(render(newPool({ taskDefinition: template }), newRun()).taskDefinition.containerDefinitions).image, 'tmpl');
    assert.equal(only(render(newPool({ taskDefinition: template, image: 'pool' }), newRun()).taskDefinition.containerDefinitions).image, 'pool');
    assert.equal(only(render(newPool({ taskDefinition: template, image: 'pool' }), newRun({ image: 'run' })).taskDefinition.containerDefinitions).image, 'run');
  });
});

describe('render: environment', () => {
  test('pool env joins the template env and replaces same-named template values', () => {
    const env = definitionEnvironment([{ name: 'A', value: 't' }, { name: 'B', value: 't' }], { B: 'p', C: 'p' }, undefined);
    assert.deepEqual(env, [{ name: 'A', value: 't' }, { name: 'B', value: 'p' }, { name: 'C', value: 'p' }]);
  });

  test('a null in the pool or the run unsets the variable; run values stay out of the definition', () => {
    const env = definitionEnvironment([{ name: 'A', value: 't' }, { name: 'B', value: 't' }], { A: null, C: 'p', D: 'p' }, { D: null, E: 'run' });
    assert.deepEqual(env, [{ name: 'B', value: 't' }, { name: 'C', value: 'p' }]);
  });

  test('runs with different env values share the definition', () => {
    const pool = newPool({ env: { SHARED: '1' } });
    const a = render(pool, newRun({ env: { X: 'a' } })).taskDefinition;
    const b = render(pool, newRun({ env: { X: 'b' }, command: ['echo', 'hi'], cpu: 2048, memory: 4096, taskRoleArn: 'arn:role' })).taskDefinition;
    assert.deepEqual(a, b);
    assert.deepEqual(only(a.containerDefinitions).environment, [{ name: 'SHARED', value: '1' }]);
  });
});

describe('render: logs, family, roles', () => {
  test('CloudWatch logs configure awslogs with the seed defaults and caller options last', () => {
    const pool = newPool({ executionRoleArn: 'arn:exec', cloudwatchLogs: { enabled: true, options: { 'awslogs-group': 'mine', mode: 'non-blocking' } } });
    const c = only(render(pool, newRun({ deployment: 'dep1' })).taskDefinition.containerDefinitions);
    assert.deepEqual(c.logConfiguration, {
      logDriver: 'awslogs',
      options: {
        'awslogs-create-group': 'true', 'awslogs-group': 'mine', 'awslogs-region': 'us-east-1',
        'awslogs-stream-prefix': 'longshore-logs_pool-a_dep1', mode: 'non-blocking',
      },
    });
  });

  test('CloudWatch logs without an execution role are rejected', () => {
    assert.throws(() => render(newPool({ cloudwatchLogs: { enabled: true } }), newRun()), RenderError);
  });

  test('the region falls back to the controller default', () => {
    const pool = newPool({ region: undefined, executionRoleArn: 'arn:exec', cloudwatchLogs: { enabled: true, group: 'g', streamPrefix: 'p' } });
    const r = render(pool, newRun(), { defaultRegion: 'eu-west-1' });
    assert.equal(r.region, 'eu-west-1');
    assert.equal(only(r.taskDefinition.containerDefinitions).logConfiguration?.options?.['awslogs-region'], 'eu-west-1');
  });

  test('family: configured, else template, else longshore_<pool>_<deployment>, slugified', () => {
    assert.equal(render(newPool(), newRun({ deployment: 'nightly.etl' })).family, 'longshore_pool-a_nightly-etl');
    assert.equal(render(newPool(), newRun()).family, 'longshore_pool-a');
    assert.equal(render(newPool({ family: '' }), newRun()).family, 'longshore_pool-a', 'an empty family means unset');
    assert.equal(render(newPool({ taskDefinition: { family: 'tmpl fam' } }), newRun()).family, 'tmpl-fam');
    assert.equal(render(newPool({ family: 'Mine!', taskDefinition: { family: 'tmpl' } }), newRun()).family, 'Mine');
    const long = render(newPool(), newRun({ deployment: 'd'.repeat(400) })).family;
    assert.equal(long.length, 255);
    assert.match(long, /^[a-zA-Z0-9_-]{1,255}$/);
  });

  test('pool roles land in the definition; the run task role does not', () => {
    const td = render(newPool({ executionRoleArn: 'arn:exec', taskRoleArn: 'arn:task' }), newRun({ taskRoleArn: 'arn:run' })).taskDefinition;
    assert.equal(td.executionRoleArn, 'arn:exec');
    assert.equal(td.taskRoleArn, 'arn:task');
  });
});

describe('render: compute', () => {
  test('Fargate: task-level cpu/memory strings, FARGATE compatibility, awsvpc', () => {
    const td = render(newPool({ cpu: 512, memory: '1GB' }), newRun()).taskDefinition;
    assert.equal(td.cpu, '512');
    assert.equal(td.memory, '1024');
    assert.deepEqual(td.requiresCompatibilities, ['FARGATE']);
    assert.equal(td.networkMode, 'awsvpc');
    assert.equal(only(td.containerDefinitions).cpu, undefined);
  });

  test('Fargate Spot renders like Fargate; defaults are 1024/2048', () => {
    const td = render(newPool({ launchType: 'FARGATE_SPOT' }), newRun()).taskDefinition;
    assert.equal(td.cpu, '1024');
    assert.equal(td.memory, '2048');
    assert.deepEqual(td.requiresCompatibilities, ['FARGATE']);
  });

  test('EC2: container-level integers, no task-level values, no forced network mode', () => {
    const td = render(newPool({ launchType: 'EC2', cpu: '1 vCPU', memory: 3072 }), newRun()).taskDefinition;
    const c = only(td.containerDefinitions);
    assert.equal(c.cpu, 1024);
    assert.equal(c.memory, 3072);
    assert.equal(td.cpu, undefined);
    assert.equal(td.networkMode, undefined);
    assert.equal(td.requiresCompatibilities, undefined);
  });

  test('EXTERNAL (ECS Anywhere): requiresCompatibilities names EXTERNAL, sized per container like EC2', () => {
    const td = render(newPool({ launchType: 'EXTERNAL', cpu: 512, memory: 1024 }), newRun()).taskDefinition;
    assert.deepEqual(td.requiresCompatibilities, ['EXTERNAL']);
    const c = only(td.containerDefinitions);
    assert.deepEqual([c.cpu, c.memory], [512, 1024]);
    assert.equal(td.cpu, undefined);
    assert.equal(td.networkMode, undefined);
    // A template that already names compatibilities keeps them, with EXTERNAL added once.
    const kept = render(newPool({ launchType: 'EXTERNAL', taskDefinition: { requiresCompatibilities: ['EC2', 'EXTERNAL'] } }), newRun()).taskDefinition;
    assert.deepEqual(kept.requiresCompatibilities, ['EC2', 'EXTERNAL']);
    const added = render(newPool({ launchType: 'EXTERNAL', taskDefinition: { requiresCompatibilities: ['EC2'] } }), newRun()).taskDefinition;
    assert.deepEqual(added.requiresCompatibilities, ['EC2', 'EXTERNAL']);
    // A run moving a Fargate pool's run to EXTERNAL renders for EXTERNAL.
    const moved = render(newPool({ launchType: 'FARGATE' }), newRun({ launchType: 'EXTERNAL' })).taskDefinition;
    assert.deepEqual(moved.requiresCompatibilities, ['EXTERNAL']);
  });

  test('a run launch type replaces the pool placement', () => {
    const td = render(newPool({ launchType: 'FARGATE' }), newRun({ launchType: 'EC2' })).taskDefinition;
    assert.equal(td.requiresCompatibilities, undefined);
  });

  test('Fargate with a bridge-mode template is rejected with the seed message', () => {
    assert.throws(() => render(newPool({ taskDefinition: { networkMode: 'bridge' } }), newRun()), /not compatible with launch type 'FARGATE'/);
  });

  test('empty template values are dropped', () => {
    const td = render(newPool({ taskDefinition: { volumes: [], containerDefinitions: [{}, { name: 'longshore', image: 'i', mountPoints: [] }] } }), newRun()).taskDefinition;
    assert.equal(td.volumes, undefined);
    assert.deepEqual(only(td.containerDefinitions), { name: 'longshore', image: 'i' });
  });

  test('rendering does not modify the pool template', () => {
    const pool = newPool({ taskDefinition: { containerDefinitions: [{ name: 'longshore', environment: [{ name: 'A', value: '1' }] }] } });
    const before = JSON.stringify(pool);
    render(pool, newRun({ env: { A: null } }));
    assert.equal(JSON.stringify(pool), before);
  });
});

describe('slugs', () => {
  test('family slugs keep [a-zA-Z0-9_-] and collapse the rest to single dashes', () => {
    assert.equal(slugifyFamily('a..b//c'), 'a-b-c');
    assert.equal(slugifyFamily('Café_X'), 'Cafe_X');
    assert.equal(slugifyFamily('--x--'), 'x');
  });
  test('tag slugs follow the seed pattern', () => {
    assert.equal(slugifyTagValue('hello world!'), 'hello-world');
    assert.equal(slugifyTagValue('a=b+c:d@e/f.g'), 'a=b+c:d@e/f.g');
    assert.equal(slugifyTagValue('x'.repeat(300)).length, 256);
  });
});
