/**
 * The orchestrator examples (examples/, docs/integrations.md) against a live API process, Redis, a
 * controller process and the simulator: each submits a run with the orchestrator's identity as
 * environment, follows its log (the API reads CloudWatch Logs from the simulator) and exits with its outcome
 * (0 succeeded, 1 failed), and a retried submission of the same run follows the stored one.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { ApiStatusError, createLongshoreClient, readLog, watchRuns } from '@longshore/client';
import { testRedis } from '../helpers/redis-namespace.js';
import type { RedisClient } from '../../controller/redis.js';
import { CLI, collect, type CliResult } from './cli-run.js';
import { harnessAwsEnv, startApiProcess, type ApiProcess } from './api-process.js';
import { Harness, QUICK_PHASES, pool, startHarness } from './controller-harness.js';

const EXAMPLES = join(dirname(CLI), '..', '..', 'examples');
const SCRIPTS = {
  curl: ['bash', join(EXAMPLES, 'submit-and-follow.sh')],
  python: ['python3', join(EXAMPLES, 'submit_and_follow.py')],
} as const;

describe('orchestrator examples against a live API', () => {
  let h: Harness;
  let api: ApiProcess;
  let redis: RedisClient;
  let token: string;

  before(async () => {
    h = await startHarness({ scenario: { phases: QUICK_PHASES } });
    await h.startReplica('replica-a');
    redis = testRedis();
    api = await startApiProcess(redis, harnessAwsEnv(h));
    token = await api.token('submitter', h.namespace);
    await h.store.submit([pool('etl', {
      env: { SIM_LOG_LINES: '3' }, executionRoleArn: 'arn:aws:iam::123456789012:role/exec', cloudwatchLogs: { enabled: true },
    })], { mode: 'apply' });
  });

  after(async () => {
    await api?.close();
    await redis?.quit();
    await h?.close();
  });

  function example(kind: keyof typeof SCRIPTS, args: string[]): Promise<CliResult> {
    const [command, script] = SCRIPTS[kind];
    const child = spawn(command, [script, ...args], {
      env: { ...process.env, LONGSHORE_SERVER: api.url, LONGSHORE_TOKEN: token, LONGSHORE_NAMESPACE: h.namespace },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    return collect(child);
  }

  async function logAnswer(name: string): Promise<number> {
    const response = await fetch(`${api.url}/apis/longshore.dev/v1alpha1/namespaces/${h.namespace}/runs/${name}/log`, { headers: { authorization: `Bearer ${token}` } });
    await response.body?.cancel();
    return response.status;
  }

  function assertLog(result: CliResult): void {
    // SIM_LOG_LINES=3: the simulated task prints three lines, which the script copies to stdout.
    assert.equal(result.stdout.trim().split('\n').length, 3, `the run's output on stdout: ${result.stdout}; stderr: ${result.stderr}`);
  }

  test('the typed client: a watch from before the create streams the run\'s changes until it stopped; its log is the run\'s lines, a missing run\'s log a 404 Status', async () => {
    const client = createLongshoreClient({ server: api.url, token });
    const created = await client.POST('/apis/longshore.dev/v1alpha1/namespaces/{namespace}/runs', {
      params: { path: { namespace: h.namespace } },
      body: { apiVersion: 'longshore.dev/v1alpha1', kind: 'Run', metadata: { name: 'typed' }, spec: { pool: 'etl' } } as never,
    });
    assert.equal(created.response.status, 201);
    const phases: string[] = [];
    for await (const event of watchRuns(client, { namespace: h.namespace, fieldSelector: 'metadata.name=typed', resourceVersion: '1', timeoutSeconds: 60 })) {
      phases.push(event.object.status.phase);
      if (event.object.status.phase === 'stopped') break;
    }
    assert.equal(phases[phases.length - 1], 'stopped');
    const lines: string[] = [];
    for await (const line of readLog(client, { namespace: h.namespace, name: 'typed' })) lines.push(line);
    assert.equal(lines.length, 3, 'the log has the run\'s three lines');
    await assert.rejects(
      async () => { for await (const _line of readLog(client, { namespace: h.namespace, name: 'nope' })) { /* none */ } },
      (error: unknown) => error instanceof ApiStatusError && error.code === 404,
    );
    const missing = await client.GET('/apis/longshore.dev/v1alpha1/namespaces/{namespace}/runs/{name}', { params: { path: { namespace: h.namespace, name: 'nope' } } });
    assert.equal(missing.response.status, 404);
  });

  for (const kind of ['curl', 'python'] as const) {
    test(`${kind}: a run that succeeds — created with the identity as env, log, exit 0; a retry follows the same run`, async () => {
      const name = `${kind}-ok`;
      const result = await example(kind, ['--pool', 'etl', '--name', name, '--env', 'FLOW_RUN_ID=42', '--env', 'ORCHESTRATOR=e2e "quoted"']);
      assert.equal(await logAnswer(name), 200);
      assert.equal(result.code, 0, `stdout: ${result.stdout}\nstderr: ${result.stderr}`);
      assert.match(result.stderr, new RegExp(`run/${name} created`));
      assert.match(result.stderr, new RegExp(`run/${name} succeeded`));
      assertLog(result);
      const stored = await h.store.getRun(name);
      assert.deepEqual(stored?.spec.env, { FLOW_RUN_ID: '42', ORCHESTRATOR: 'e2e "quoted"' });
      assert.equal(stored?.status.outcome, 'succeeded');

      const retry = await example(kind, ['--pool', 'etl', '--name', name, '--env', 'FLOW_RUN_ID=42', '--env', 'ORCHESTRATOR=e2e "quoted"']);
      assert.equal(retry.code, 0, retry.stderr);
      assert.match(retry.stderr, /already submitted \(same spec\)/);
    });

    test(`${kind}: a run whose container exits 3 — exit 1 with the outcome`, async () => {
      const name = `${kind}-fails`;
      const result = await example(kind, ['--pool', 'etl', '--name', name, '--env', 'SIM_EXIT_CODE=3']);
      assert.equal(result.code, 1, `stdout: ${result.stdout}\nstderr: ${result.stderr}`);
      assert.match(result.stderr, new RegExp(`run/${name} failed`));
      assert.equal((await h.store.getRun(name))?.status.outcome, 'failed');
    });

    test(`${kind}: a run admission rejects — exit 2 with the cause, nothing stored`, async () => {
      const name = `${kind}-bad`;
      const result = await example(kind, ['--pool', 'etl', '--name', name, '--env', 'BAD NAME=x']);
      assert.equal(result.code, 2, `stdout: ${result.stdout}\nstderr: ${result.stderr}`);
      assert.match(result.stderr, /spec\.env/);
      assert.equal(await h.store.getRun(name), null);
    });
  }
});
