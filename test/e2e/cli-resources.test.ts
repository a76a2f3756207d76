import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RedisClient } from '../../controller/redis.js';
import { parse } from 'yaml';
import { ControlStream, ResourceStore, keyspace } from '../../controller/store/index.js';
import type { RunRecord } from '../../controller/api/index.js';
import { deleteNamespaceKeys, testRedis, uniqueNamespace } from '../helpers/redis-namespace.js';
import { cli } from './cli-run.js';

const POOL_YAML = `apiVersion: longshore.dev/v1alpha1
kind: Pool
metadata:
  name: etl
  labels: { team: data }
spec:
  cluster: prod
  launchType: FARGATE_SPOT
  cpu: 512
  memory: 1024
  taskDefinition:
    networkMode: awsvpc
    requiresCompatibilities: [FARGATE]
    containerDefinitions: [{ name: prefect }]
`;
const RUNS_YAML = `apiVersion: longshore.dev/v1alpha1
kind: Run
metadata: { name: nightly-1, labels: { app: etl, tier: batch } }
spec:
  pool: etl
  image: python:3.12
  command: [python, -m, etl]
  env: { API_TOKEN: s3cr3t-value, REGION: eu-west-1 }
---
apiVersion: longshore.dev/v1alpha1
kind: Run
metadata: { name: nightly-2, labels: { app: web } }
spec: { pool: etl, image: nginx }
`;

describe('longshore CLI: pools and runs', () => {
  let redis: RedisClient;
  let dir: string;
  const namespace = uniqueNamespace('test-cli');
  const run = (args: string[], input?: string) => cli(namespace, args, { input });
  before(() => {
    redis = testRedis();
    dir = mkdtempSync(join(tmpdir(), 'longshore-cli-'));
  });
  after(async () => {
    await deleteNamespaceKeys(redis, namespace);
    await redis.quit();
    rmSync(dir, { recursive: true, force: true });
  });

  test('pool apply -f creates, re-applying is unchanged, an edit configures; get/list in every format', async () => {
    const file = join(dir, 'pool.yaml');
    writeFileSync(file, POOL_YAML);
    assert.deepEqual(await run(['pool', 'apply', '-f', file]), { code: 0, stdout: 'pool/etl created\n', stderr: '' });
    assert.equal((await run(['pool', 'apply', '-f', file])).stdout, 'pool/etl unchanged\n');
    writeFileSync(file, POOL_YAML.replace('cpu: 512', 'cpu: 1024').replace('memory: 1024', 'memory: 2048'));
    assert.equal((await run(['pool', 'apply', '-f', file])).stdout, 'pool/etl configured\n');

    const table = await run(['pool', 'list']);
    assert.equal(table.code, 0);
    assert.match(table.stdout, /^NAME\s+CLUSTER\s+LAUNCH/);
    assert.match(table.stdout, /\netl\s+prod\s+FARGATE_SPOT\s+template/);
    const json = JSON.parse((await run(['pool', 'get', 'etl', '-o', 'json'])).stdout);
    assert.equal(json.metadata.generation, 2);
    assert.equal(json.spec.cpu, 1024);
    const yaml = parse((await run(['pool', 'get', 'etl', '-o', 'yaml'])).stdout);
    assert.equal(yaml.spec.timeouts.startSeconds, 300);
    assert.deepEqual((await run(['pool', 'list', '-l', 'team=nobody'])).stdout.trim().split('\n').length, 1);
  });

  test('run submit - reads multi-document YAML from stdin; get, list with selectors and phase', async () => {
    const submitted = await run(['run', 'submit', '-f', '-'], RUNS_YAML);
    assert.equal(submitted.code, 0, submitted.stderr);
    assert.equal(submitted.stdout, 'run/nightly-1 created\nrun/nightly-2 created\n');
    const got = JSON.parse((await run(['run', 'get', 'nightly-1', '-o', 'json'])).stdout) as RunRecord;
    assert.equal(got.status.phase, 'pending');
    assert.deepEqual(got.spec.command, ['python', '-m', 'etl']);
    const list = await run(['run', 'list', '-l', 'app in (etl,web),tier!=batch']);
    assert.match(list.stdout, /^NAME\s+POOL\s+PHASE\s+OUTCOME\s+ATTEMPTS\s+AGE/);
    assert.deepEqual(list.stdout.trim().split('\n').slice(1).map((l) => l.split(/\s+/)[0]), ['nightly-2']);
    const yaml = parse((await run(['run', 'list', '--phase', 'pending', '-o', 'yaml'])).stdout) as { kind: string; items: RunRecord[] };
    assert.equal(yaml.kind, 'List');
    assert.deepEqual(yaml.items.map((r) => r.metadata.name), ['nightly-1', 'nightly-2']);
    // Nothing found is said on stderr (as kubectl does), so stdout stays empty for scripts.
    assert.deepEqual(await run(['run', 'list', '--phase', 'running']), { code: 0, stdout: '', stderr: `No runs found in namespace ${namespace}.\n` });
    // --summary counts instead of listing (from the store directly here).
    assert.equal((await run(['run', 'list', '--summary'])).stdout, '2 runs: pending 2, taskdef-resolved 0, submitted 0, running 0, stopped 0 (succeeded 0, failed 0, cancelled 0, crashed 0, timed-out 0)\n');
    assert.equal((await run(['run', 'list', '-l', 'tier!=batch', '--summary'])).stdout.split(':')[0], '1 run');
  });

  test('admission errors: exit 2 (invalid input), one line per violation naming document (from 1), path and rule; nothing stored', async () => {
    const bad = `${RUNS_YAML.replace('nightly-1', 'bad-1').replace('nightly-2', 'bad-2').replace('pool: etl, image: nginx', 'pool: nowhere, image: nginx')}
---
apiVersion: longshore.dev/v1alpha1
kind: Run
metadata: { name: bad-3 }
spec: { pool: etl, cpu: 256, memory: 8192, env: { "BAD NAME": x } }
`;
    const result = await run(['run', 'submit', '-f', '-'], bad);
    assert.equal(result.code, 2);
    assert.equal(result.stdout, '');
    const lines = result.stderr.trim().split('\n');
    assert.equal(lines[0], 'error: admission rejected 2 documents');
    assert.match(lines[1], /^ {2}document 2 \(Run bad-2\): spec\.pool: pool-exists: pool "nowhere" does not exist \(value: "nowhere"\)$/);
    assert.ok(lines.some((l) => /document 3 \(Run bad-3\): spec\.memory: fargate-cpu-memory: /.test(l)));
    assert.ok(lines.some((l) => /document 3 \(Run bad-3\): spec\.env\.BAD NAME: env-name: /.test(l)));
    assert.equal((await run(['run', 'get', 'bad-1'])).stderr, 'error: Run "bad-1" not found\n');
  });

  test('input errors exit 2 with one clear line: YAML aliases, a 100,000-variable pool, duplicate keys', async () => {
    const unresolved = await run(['run', 'submit', '-f', '-'], 'kind: Run\nmetadata: { name: alias }\nspec:\n  pool: etl\n  tags: *undefined\n');
    assert.equal(unresolved.code, 2);
    assert.match(unresolved.stderr, /^error: stdin: Unresolved alias \(the anchor must be set before the alias\): undefined\n$/);
    const bomb = ['a: &a [x, x, x, x, x, x, x, x, x]', ...'bcdefgh'.split('').map((k, i) => `${k}: &${k} [${Array(9).fill(`*${'abcdefgh'[i]}`).join(', ')}]`)].join('\n');
    const exploded = await run(['pool', 'apply', '-f', '-'], bomb);
    assert.equal(exploded.code, 2);
    assert.match(exploded.stderr, /^error: stdin: Excessive alias count indicates a resource exhaustion attack\n$/);

    const env = Object.fromEntries(Array.from({ length: 100_000 }, (_, i) => [`VAR_${i}`, 'value']));
    const pool = { apiVersion: 'longshore.dev/v1alpha1', kind: 'Pool', metadata: { name: 'huge' }, spec: { taskDefinition: {}, env } };
    const file = join(dir, 'huge.json');
    writeFileSync(file, JSON.stringify(pool));
    for (const [args, input, source] of [[['pool', 'apply', '-f', file], undefined, file], [['pool', 'apply', '-f', '-'], JSON.stringify(pool), 'stdin']] as const) {
      const huge = await run([...args], input);
      assert.equal(huge.code, 2);
      assert.equal(huge.stderr, `error: ${source}: document 1 is ${Buffer.byteLength(JSON.stringify(pool))} bytes as JSON; at most 524288 (512 KiB) per document\n`);
    }
    const duplicate = await run(['pool', 'apply', '-f', '-'], POOL_YAML.replace('  cpu: 512\n', '  cpu: 512\n  cpu: 1024\n'));
    assert.deepEqual([duplicate.code, duplicate.stderr], [2, 'error: stdin: line 10: duplicate key "cpu"\n']);
    assert.equal((await run(['pool', 'get', 'huge'])).code, 1);
  });

  test('admission matches launch: an unsplittable command and a __proto__ key are rejected by name (exit 2)', async () => {
    const command = await run(['run', 'create', '--pool', 'etl', '--image', 'busybox', '--command', `sh -c 'echo hi`, '--name', 'unsplit']);
    assert.equal(command.code, 2);
    assert.match(command.stderr, /document 1 \(Run unsplit\): spec\.command: command-split: the command cannot be split into words like a shell \(shlex\): No closing quotation/);
    const proto = await run(['run', 'submit', '-f', '-'], '{"apiVersion":"longshore.dev/v1alpha1","kind":"Run","metadata":{"name":"proto"},"spec":{"pool":"etl","env":{"__proto__":"x"}}}');
    assert.equal(proto.code, 2);
    assert.match(proto.stderr, /document 1 \(Run proto\): spec\.env\.__proto__: reserved-key: "__proto__" is reserved/);
  });

  test('run create --count makes a labelled batch; bad flags exit 2', async () => {
    const created = await run(['run', 'create', '--pool', 'etl', '--image', 'busybox', '--command', 'echo hi', '--count', '25', '-l', 'app=bulk', '-e', 'DB_PASSWORD=pw', '-e', 'REGION', '--name-prefix', 'bulk-']);
    assert.equal(created.code, 0, created.stderr);
    const names = created.stdout.trim().split('\n');
    assert.equal(names.length, 25);
    assert.match(names[0], /^run\/bulk-[0-9a-f]{5}-01 created$/);
    const records = (JSON.parse((await run(['run', 'list', '-l', 'app=bulk', '-o', 'json'])).stdout) as { items: RunRecord[] }).items;
    assert.equal(records.length, 25);
    assert.deepEqual(records[0].spec.env, { DB_PASSWORD: 'pw', REGION: null });
    assert.equal(records[0].spec.command, 'echo hi');
    const batch = records[0].metadata.labels['longshore.dev/batch'];
    assert.ok(records.every((r) => r.metadata.labels['longshore.dev/batch'] === batch));
    assert.equal((await run(['run', 'create', '--pool', 'etl', '--count', 'many'])).code, 2);
    assert.equal((await run(['run', 'create', '--image', 'x'])).code, 2, 'missing --pool is a usage error');
  });

  test('describe shows conditions and attempts and masks secret-looking env values', async () => {
    const store = new ResourceStore(redis, { namespace });
    const current = await store.getRun('nightly-1');
    await store.updateRunStatus('nightly-1', {
      status: {
        phase: 'running',
        attempts: [
          { number: 1, taskArn: 'arn:aws:ecs:eu-west-1:1:task/prod/aaa', stoppedAt: '2026-01-01T00:02:00.000Z', stopCode: 'SpotInterruption', failureReason: 'SpotInterruption', stoppedReason: 'Your Spot Task was interrupted.' },
          { number: 2, taskArn: 'arn:aws:ecs:eu-west-1:1:task/prod/bbb', lastStatus: 'RUNNING', startedAt: '2026-01-01T00:03:00.000Z' },
        ],
        conditions: [{ type: 'Running', status: 'True', reason: 'TaskRunning', lastTransitionTime: '2026-01-01T00:03:00.000Z' }],
        observedGeneration: 1,
      },
    }, current!.metadata.resourceVersion);
    const out = (await run(['run', 'describe', 'nightly-1'])).stdout;
    assert.match(out, /^Name:\s+nightly-1$/m);
    assert.match(out, /^ {2}API_TOKEN=\*{6}$/m);
    assert.match(out, /^ {2}REGION=eu-west-1$/m);
    assert.doesNotMatch(out, /s3cr3t-value/);
    assert.match(out, /Conditions:\n\s+TYPE\s+STATUS\s+REASON.*\n\s+Running\s+True\s+TaskRunning/);
    assert.match(out, /Attempts:\n\s+#\s+TASK.*\n\s+1\s+arn:aws:ecs:eu-west-1:1:task\/prod\/aaa.*SpotInterruption: Your Spot Task was interrupted\.\n\s+2\s+arn:aws:ecs:eu-west-1:1:task\/prod\/bbb\s+RUNNING/);
  });

  test('cancel and kill send durable control messages; kill needs a name or a task ARN', async () => {
    const control = new ControlStream(redis, keyspace(namespace));
    await control.ensureGroup('test');
    assert.equal((await run(['run', 'cancel', 'nightly-2', '--reason', 'not needed'])).stdout, 'run/nightly-2 cancel requested\n');
    const byLabel = await run(['run', 'cancel', '-l', 'app=bulk']);
    assert.equal(byLabel.stdout.trim().split('\n').length, 25);
    assert.equal((await run(['run', 'kill', '--no-wait', '--task-arn', 'arn:aws:ecs:eu-west-1:123456789012:task/prod/orphan'])).code, 0);
    assert.equal((await run(['run', 'kill', '--no-wait', 'nightly-1'])).stdout, 'run/nightly-1 kill requested\n');
    const batch = await control.read('test', 'me', 100);
    assert.deepEqual(batch.messages[0].message, { type: 'cancel', run: 'nightly-2', reason: 'not needed' });
    assert.equal(batch.messages.filter((m) => m.message.type === 'cancel').length, 26);
    assert.deepEqual(batch.messages.slice(-2).map((m) => m.message), [
      { type: 'kill', taskArn: 'arn:aws:ecs:eu-west-1:123456789012:task/prod/orphan' },
      { type: 'kill', run: 'nightly-1' },
    ]);
    // No controller here: the kill is accepted (queued) but unanswered — exit 3, and the message is kept.
    const unanswered = await run(['run', 'kill', 'nightly-1', '--timeout', '0.2']);
    assert.equal(unanswered.code, 3);
    assert.match(unanswered.stderr, /^run\/nightly-1 kill accepted; the controller has not answered within 0\.2s/);
    assert.deepEqual((await control.read('test', 'me', 100)).messages.map((m) => m.message), [{ type: 'kill', run: 'nightly-1' }]);
    const neither = await run(['run', 'kill']);
    assert.equal(neither.code, 2);
    assert.equal(neither.stderr, 'error: give a run NAME or --task-arn ARN (one of them)\n');
    assert.equal((await run(['run', 'cancel', 'ghost'])).code, 1);
  });

  test('delete: live runs and pools with live runs are refused; stopped runs go', async () => {
    const live = await run(['run', 'delete', 'nightly-2']);
    assert.equal(live.code, 1);
    assert.match(live.stderr, /^error: run "nightly-2" is pending; cancel it and wait for it to stop before deleting it\n$/);
    assert.match((await run(['pool', 'delete', 'etl'])).stderr, /has live runs/);
    const store = new ResourceStore(redis, { namespace });
    const current = await store.getRun('nightly-2');
    await store.updateRunStatus('nightly-2', { status: { phase: 'stopped', outcome: 'cancelled', attempts: [], conditions: [], observedGeneration: 1 } }, current!.metadata.resourceVersion);
    assert.equal((await run(['run', 'delete', 'nightly-2'])).stdout, 'run/nightly-2 deleted\n');
    assert.equal((await run(['run', 'get', 'nightly-2'])).code, 1);
  });

  test('an unreachable Redis is a one-line error and exit 1, not a hang', async () => {
    // REDIS_CLUSTER_NODES would win over REDIS_URL (the cluster run of this file inherits it): this case is the single node's.
    const result = await cli(namespace, ['run', 'list'], { env: { REDIS_URL: 'redis://127.0.0.1:1', REDIS_CLUSTER_NODES: '' } });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /^error: cannot reach Redis at redis:\/\/127\.0\.0\.1:1: .*ECONNREFUSED.*\n$/);
    const secret = await cli(namespace, ['run', 'list'], { env: { REDIS_URL: 'redis://user:hunter2@127.0.0.1:1', REDIS_CLUSTER_NODES: '' } });
    assert.doesNotMatch(secret.stderr, /hunter2/);
  });
});
