/**
 * The CLI through the HTTP API (LONGSHORE_SERVER + LONGSHORE_TOKEN, or a context of the config file), with
 * a live `longshore api` process, a controller process and the simulator. REDIS_URL points at a closed
 * port, so every command provably goes through the API (the generated client). Each role gets what it may
 * do and a clear refusal for what it may not; API errors read like direct mode's, with the same exit codes.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../cmd/replicas.js';
import type { Role } from '../../controller/server/roles.js';
import { testRedis } from '../helpers/redis-namespace.js';
import type { RedisClient } from '../../controller/redis.js';
import { cli, type CliResult } from './cli-run.js';
import { harnessAwsEnv, startApiProcess, type ApiProcess } from './api-process.js';
import { Harness, QUICK_PHASES, startHarness } from './controller-harness.js';

const NO_REDIS = 'redis://127.0.0.1:1';

const FILE = `
apiVersion: longshore.dev/v1alpha1
kind: Pool
metadata: {name: etl}
spec:
  image: public.ecr.aws/docker/library/busybox:latest
  cpu: 256
  memory: 512
  taskDefinition: {containerDefinitions: [{name: flow}]}
---
apiVersion: longshore.dev/v1alpha1
kind: Run
metadata: {name: quick, labels: {app: e2e}}
spec: {pool: etl}
---
apiVersion: longshore.dev/v1alpha1
kind: Run
metadata: {name: long, labels: {app: e2e}}
spec: {pool: etl, env: {SIM_RUN_SECONDS: "72000"}}
`;

const BAD = `
apiVersion: longshore.dev/v1alpha1
kind: Run
metadata: {name: bad-cpu}
spec: {pool: etl, cpu: 3}
---
apiVersion: longshore.dev/v1alpha1
kind: Run
metadata: {name: Bad_Name}
spec: {pool: etl}
`;

describe('the CLI through the HTTP API', () => {
  let h: Harness;
  let api: ApiProcess;
  let redis: RedisClient;
  const tokens = {} as Record<Role, string>;
  let dir: string;

  before(async () => {
    h = await startHarness({ scenario: { phases: QUICK_PHASES } });
    await h.startReplica('replica-a');
    redis = testRedis();
    api = await startApiProcess(redis, harnessAwsEnv(h));
    for (const role of ['viewer', 'submitter', 'operator'] as const) tokens[role] = await api.token(role, h.namespace);
    // Token management needs an unscoped admin token.
    tokens.admin = await api.token('admin');
    dir = await mkdtemp(join(tmpdir(), 'longshore-cli-api-'));
  });

  after(async () => {
    await api?.close();
    await redis?.quit();
    await h?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const as = (role: Role, args: string[], input?: string, env: Record<string, string> = {}): Promise<CliResult> =>
    cli(h.namespace, args, { input, env: { REDIS_URL: NO_REDIS, LONGSHORE_SERVER: api.url, LONGSHORE_TOKEN: tokens[role], ...env } });

  test('operator: submit a file of a pool and runs, then again (unchanged)', async () => {
    const first = await as('operator', ['run', 'submit', '-f', '-'], FILE);
    assert.equal(first.code, 0, first.stderr);
    assert.equal(first.stdout, 'pool/etl created\nrun/quick created\nrun/long created\n');
    const again = await as('operator', ['run', 'submit', '-f', '-'], FILE);
    assert.equal(again.code, 0, again.stderr);
    assert.equal(again.stdout, 'pool/etl unchanged\nrun/quick unchanged\nrun/long unchanged\n');
    assert.equal((await h.store.getRun('long'))?.spec.env.SIM_RUN_SECONDS, '72000');
  });

  test('viewer: get, list, describe, and wait for an outcome', async () => {
    const wait = await as('viewer', ['run', 'wait', 'quick', '--for', 'outcome=succeeded', '--timeout', '60']);
    assert.equal(wait.code, 0, wait.stderr);
    const get = await as('viewer', ['run', 'get', 'quick', '-o', 'json']);
    assert.equal(get.code, 0, get.stderr);
    const record = JSON.parse(get.stdout) as { metadata: { name: string }; status: { outcome: string } };
    assert.equal(record.metadata.name, 'quick');
    assert.equal(record.status.outcome, 'succeeded');
    const list = await as('viewer', ['run', 'list', '-l', 'app=e2e', '-o', 'name']);
    assert.equal(list.stdout, 'run/long\nrun/quick\n');
    const byPhase = await as('viewer', ['run', 'list', '--phase', 'stopped', '-o', 'name']);
    assert.equal(byPhase.stdout, 'run/quick\n');
    // Counts through the API's runsummary; the outcome filter as a field selector.
    const summary = await as('viewer', ['run', 'list', '-l', 'app=e2e', '--summary']);
    assert.equal(summary.code, 0, summary.stderr);
    assert.match(summary.stdout, /^2 runs: pending \d, taskdef-resolved \d, submitted \d, running \d, stopped 1 \(succeeded 1, failed 0, cancelled 0, crashed 0, timed-out 0\)\n$/);
    const succeeded = await as('viewer', ['run', 'list', '--outcome', 'succeeded', '-o', 'name']);
    assert.equal(succeeded.stdout, 'run/quick\n');
    const counted = JSON.parse((await as('viewer', ['run', 'list', '--outcome', 'succeeded', '--summary', '-o', 'json'])).stdout) as { kind: string; total: number; byOutcome: Record<string, number> };
    assert.deepEqual([counted.kind, counted.total, counted.byOutcome.succeeded], ['RunSummary', 1, 1]);
    const describeRun = await as('viewer', ['run', 'describe', 'quick']);
    assert.equal(describeRun.code, 0, describeRun.stderr);
    assert.match(describeRun.stdout, /Pool:\s+etl/);
    const pools = await as('viewer', ['pool', 'list', '-o', 'name']);
    assert.equal(pools.stdout, 'pool/etl\n');
    const describePool = await as('viewer', ['pool', 'describe', 'etl']);
    assert.equal(describePool.code, 0, describePool.stderr);
    // The fair share comes through the API's pool status, as the direct mode reads it from Redis.
    assert.match(describePool.stdout, /^Fair share:\s+weight 1, priority 0; \d+ runs waiting, \d+ % of the account-region's launches/m);
  });

  test('a missing run: exit 1 with the direct mode\'s message', async () => {
    const result = await as('viewer', ['run', 'get', 'nope']);
    assert.equal(result.code, 1);
    assert.equal(result.stderr, 'error: Run "nope" not found\n');
  });

  test('admission rejections: exit 2 with every cause, numbered by document', async () => {
    const result = await as('submitter', ['run', 'submit', '-f', '-'], BAD);
    assert.equal(result.code, 2, result.stderr);
    const lines = result.stderr.trimEnd().split('\n');
    assert.equal(lines[0], 'error: admission rejected 2 documents');
    assert.match(lines[1], /^ {2}document 1: spec\.cpu: fargate-cpu-memory: /);
    assert.match(lines[2], /^ {2}document 2: metadata\.name: schema: /);
    assert.equal(await h.store.getRun('bad-cpu'), null);
  });

  test('viewer: run logs -f through the API follows a run\'s output until it stops; a pool without logs is a clear error', async () => {
    const LOGGED = `
apiVersion: longshore.dev/v1alpha1
kind: Pool
metadata: {name: logged}
spec:
  image: public.ecr.aws/docker/library/busybox:latest
  cpu: 256
  memory: 512
  executionRoleArn: arn:aws:iam::123456789012:role/exec
  cloudwatchLogs: {enabled: true}
  taskDefinition: {containerDefinitions: [{name: flow}]}
---
apiVersion: longshore.dev/v1alpha1
kind: Run
metadata: {name: talker}
spec: {pool: logged, env: {SIM_RUN_SECONDS: "3", SIM_LOG_LINES: "3"}}
`;
    const submitted = await as('operator', ['run', 'submit', '-f', '-'], LOGGED);
    assert.equal(submitted.code, 0, submitted.stderr);
    const logs = await as('viewer', ['run', 'logs', 'talker', '-f']);
    assert.equal(logs.code, 0, logs.stderr);
    assert.equal(logs.stdout.trim().split('\n').length, 3, logs.stdout);
    const stopped = await as('viewer', ['run', 'get', 'talker', '-o', 'json']);
    assert.equal((JSON.parse(stopped.stdout) as { status: { phase: string } }).status.phase, 'stopped', 'the follow ended with the run');
    const timestamps = await as('viewer', ['run', 'logs', 'talker', '--timestamps', '--tail', '1']);
    assert.equal(timestamps.code, 0, timestamps.stderr);
    assert.match(timestamps.stdout, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z \S/);
    assert.equal(timestamps.stdout.trim().split('\n').length, 1);
    const mute = await as('viewer', ['run', 'logs', 'quick']);
    assert.equal(mute.code, 1);
    assert.match(mute.stderr, /CloudWatch Logs/);
    assert.doesNotMatch(mute.stderr, /\n\s+at /, 'no stack trace');
  });

  test('submitter: run create from flags', async () => {
    const result = await as('submitter', ['run', 'create', '--pool', 'etl', '--name', 'made', '-e', 'FLOW_RUN_ID=7', '-e', 'SIM_RUN_SECONDS=3600']);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /run\/made created/);
    assert.equal((await h.store.getRun('made'))?.spec.env.FLOW_RUN_ID, '7');
  });

  test('viewer may not cancel (clear refusal, exit 1); submitter cancels', async () => {
    const refused = await as('viewer', ['run', 'cancel', 'made']);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /^error: the API refused: role viewer may not POST \S+\/runs\/\{name\}\/cancel \(needs submitter or above\)\n$/);
    const done = await as('submitter', ['run', 'cancel', 'made', '--reason', 'e2e']);
    assert.equal(done.code, 0, done.stderr);
    assert.equal(done.stdout, 'run/made cancel requested\n');
    const wait = await as('viewer', ['run', 'wait', 'made', '--for', 'phase=stopped', '--timeout', '60']);
    assert.equal(wait.code, 0, wait.stderr);
    assert.equal((await h.store.getRun('made'))?.status.outcome, 'cancelled');
  });

  test('submitter may not kill; operator kills a running run and the controller\'s answer comes back', async () => {
    const running = await as('viewer', ['run', 'wait', 'long', '--for', 'phase=running', '--timeout', '60']);
    assert.equal(running.code, 0, running.stderr);
    const refused = await as('submitter', ['run', 'kill', 'long']);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /the API refused: role submitter may not POST \S+\/kill \(needs operator or above\)/);
    const killed = await as('operator', ['run', 'kill', 'long', '--reason', 'e2e kill']);
    assert.equal(killed.code, 0, killed.stderr);
    assert.match(killed.stdout, /^run\/long killed: /);
    const stopped = await as('viewer', ['run', 'wait', 'long', '--for', 'phase=stopped', '--timeout', '60']);
    assert.equal(stopped.code, 0, stopped.stderr);
    const byArn = await as('operator', ['run', 'kill', '--task-arn', 'arn:aws:ecs:us-east-1:123456789012:task/default/0123456789abcdef0123456789abcdef']);
    assert.equal(byArn.code, 2);
    assert.match(byArn.stderr, /--task-arn needs direct Redis access/);
  });

  test('operator deletes a stopped run; a live one is refused as in direct mode', async () => {
    const deleted = await as('operator', ['run', 'delete', 'quick']);
    assert.equal(deleted.code, 0, deleted.stderr);
    assert.equal(deleted.stdout, 'run/quick deleted\n');
    assert.equal(await h.store.getRun('quick'), null);
  });

  test('a bad token: exit 1 naming the refusal; an unreachable server: exit 1 naming the URL', async () => {
    const bad = await cli(h.namespace, ['run', 'list'], { env: { REDIS_URL: NO_REDIS, LONGSHORE_SERVER: api.url, LONGSHORE_TOKEN: 'lst_000000000000_nope' } });
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /^error: the API did not accept the token: /);
    const closed = `http://127.0.0.1:${await freePort()}`;
    const down = await cli(h.namespace, ['run', 'list'], { env: { REDIS_URL: NO_REDIS, LONGSHORE_SERVER: closed, LONGSHORE_TOKEN: tokens.viewer } });
    assert.equal(down.code, 1);
    assert.equal(down.stderr, `error: cannot reach the API at ${closed}: ECONNREFUSED\n`);
  });

  test('token commands go through the API with an admin token; a viewer is refused', async () => {
    const list = await as('admin', ['token', 'list', '-o', 'json']);
    assert.equal(list.code, 0, list.stderr);
    assert.ok((JSON.parse(list.stdout) as { kind: string; items: Array<{ role: string }> }).items.some((t) => t.role === 'viewer'));
    const created = await as('admin', ['token', 'create', '--role', 'viewer', '--namespace', h.namespace, '--expires', '1h']);
    assert.equal(created.code, 0, created.stderr);
    const made = created.stdout.trim();
    assert.match(made, /^lst_[0-9a-f]+_/);
    const revoked = await as('admin', ['token', 'revoke', made]);
    assert.equal(revoked.code, 0, revoked.stderr);
    const refused = await as('viewer', ['token', 'list']);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /^error: the API refused: /);
  });

  test('contexts: current-context, --context, a token file, a context namespace, and clear errors', async () => {
    const tokenFile = join(dir, 'operator-token');
    await writeFile(tokenFile, `${tokens.operator}\n`);
    const config = join(dir, 'config');
    await writeFile(config, [
      'current-context: reader',
      'contexts:',
      `  - {name: reader, server: "${api.url}", token: "${tokens.viewer}", namespace: ${h.namespace}}`,
      `  - {name: ops, server: "${api.url}", tokenFile: "${tokenFile}", namespace: ${h.namespace}}`,
      '',
    ].join('\n'));
    // No LONGSHORE_NAMESPACE either: the context's namespace applies.
    const env = { REDIS_URL: NO_REDIS, LONGSHORE_CONFIG: config, LONGSHORE_NAMESPACE: '' };
    const viaCurrent = await cli(h.namespace, ['run', 'get', 'long', '-o', 'name'], { env });
    assert.equal(viaCurrent.code, 0, viaCurrent.stderr);
    assert.equal(viaCurrent.stdout, 'run/long\n');
    const viewerCannot = await cli(h.namespace, ['run', 'delete', 'long'], { env });
    assert.match(viewerCannot.stderr, /role viewer may not DELETE/);
    const ops = await cli(h.namespace, ['--context', 'ops', 'run', 'delete', 'long'], { env });
    assert.equal(ops.code, 0, ops.stderr);
    assert.equal(ops.stdout, 'run/long deleted\n');
    const unknown = await cli(h.namespace, ['--context', 'prod', 'run', 'list'], { env });
    assert.equal(unknown.code, 2);
    assert.equal(unknown.stderr, `error: context "prod" is not in ${config} (contexts: reader, ops)\n`);
  });
});
