/**
 * Run logs end to end below the process level: runs driven through the simulator by the real reconcilers,
 * their output read back through the real SDK, the gateway and the Redis budgets.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as delay } from 'node:timers/promises';
import pino from 'pino';
import type { GetLogEventsCommandInput } from '@aws-sdk/client-cloudwatch-logs';
import { createAwsGateway } from '../../controller/aws/gateway.js';
import { RedisBudgets } from '../../controller/aws/redis-budgets.js';
import { DEFAULT_BUDGETS, scaleBudgets } from '../../controller/aws/budgets.js';
import { createGatewayRunLogSource, createRunLogSource, RunLogError, type RunLogLine, type RunLogRequest, type RunLogSource } from '../../controller/logs/index.js';
import { captureLogTail, redisLogTailTries } from '../../controller/logs/log-tail.js';
import type { CloudWatchRunLogSource } from '../../controller/logs/source.js';
import type { RunRecord } from '../../controller/api/run.js';
import { needsFinalize } from '../../reconcilers/cleanup/finalize-recovery.js';
import { compileConfig } from '../../controller/config.js';
import { namespaceBudgets } from '../../controller/aws/namespace-budgets.js';
import { homeRecordKey } from '../../controller/aws/home-record.js';
import { encodeHomeRecord } from '../../controller/aws/home-policy.js';
import { createRunLogSourceFor } from '../../controller/server/log-source.js';
import { keyspace } from '../../controller/store/keys.js';
import { uniqueNamespace } from '../helpers/redis-namespace.js';
import { allStopped, fargatePool, silent, startRunHarness, type RunHarness } from './run-harness.js';

const TIME_SCALE = 20;
const EXEC = 'arn:aws:iam::123456789012:role/exec';
const logsPool = (name: string, extra: object = {}) =>
  fargatePool(name, { region: 'us-east-1', executionRoleArn: EXEC, cloudwatchLogs: { enabled: true, ...extra } });

let h: RunHarness;
let source: CloudWatchRunLogSource;

/** The reader's waits, ten times shorter (the test checks behaviour, not timing). */
const quickSleep = async (ms: number, signal: AbortSignal) => {
  try {
    await delay(ms / 10, undefined, { signal });
  } catch {
    // aborted
  }
};

/** Every GetLogEvents the test source sent that CloudWatch Logs (the simulator) answered. */
const sent: GetLogEventsCommandInput[] = [];

function quickSource(): CloudWatchRunLogSource {
  return createRunLogSource({
    store: () => h.store,
    getLogEvents: async (input) => {
      const page = await h.gateway.getLogEvents(input, { wait: true });
      sent.push(input);
      return page;
    },
    defaultRegion: 'us-east-1',
    sleep: quickSleep,
  });
}

async function collect(from: RunLogSource, request: Partial<RunLogRequest> & { run: string }, onLine?: (line: RunLogLine) => Promise<void>): Promise<RunLogLine[]> {
  const lines: RunLogLine[] = [];
  for await (const line of from.open({ namespace: h.namespace, follow: false, ...request }, new AbortController().signal)) {
    lines.push(line);
    await onLine?.(line);
  }
  return lines;
}

const finalized = (runs: RunRecord[]) => runs.every((r) => r.status.phase === 'stopped' && !needsFinalize(r));
const numbered = (n: number) => Array.from({ length: n }, (_, i) => `log line ${i + 1} of ${n}`);

describe('run logs through the simulator', () => {
  before(async () => {
    h = await startRunHarness({
      timeScale: TIME_SCALE,
      pools: [
        logsPool('logs'), logsPool('tail5', { failureTailLines: 5 }), fargatePool('quiet', { region: 'us-east-1' }),
        // No region: its tasks run in the controller's (the harness's us-east-1).
        fargatePool('homeless', { executionRoleArn: EXEC, cloudwatchLogs: { enabled: true } }),
      ],
    });
    source = quickSource();
  });
  after(async () => {
    await h?.close();
  });

  test('following a run across its whole life: lines arrive while it runs, the stream ends when it stops', async () => {
    await h.submitRun('follow-me', 'logs', { env: { SIM_RUN_SECONDS: '60', SIM_LOG_LINES: '30' } });
    let seenWhileRunning = 0;
    const following = collect(source, { run: 'follow-me', follow: true }, async () => {
      const run = await h.store.getRun('follow-me');
      if (run?.status.phase !== 'stopped') seenWhileRunning += 1;
    });
    const [lines, runs] = await Promise.all([following, h.driveUntil(['follow-me'], allStopped)]);
    assert.equal(runs[0].status.outcome, 'succeeded');
    assert.deepEqual(lines.map((l) => l.message), numbered(30), 'every line once, in order, then the iterator ended by itself');
    assert.ok(seenWhileRunning > 0, 'some lines were read before the run stopped');
    assert.ok(lines.every((l) => l.attempt === 1 && l.container === 'longshore' && l.timestamp > 0));
    assert.equal(source.activeReaders(), 0);
  });

  test('a tail, an attempt by number, and timestamps as CloudWatch stamped them', async () => {
    const all = await collect(source, { run: 'follow-me' });
    assert.equal(all.length, 30);
    const tail = await collect(source, { run: 'follow-me', tailLines: 3 });
    assert.deepEqual(tail.map((l) => l.message), numbered(30).slice(27));
    assert.deepEqual(tail.map((l) => l.timestamp), all.slice(27).map((l) => l.timestamp));
    await assert.rejects(collect(source, { run: 'follow-me', attempt: 2 }), (e: unknown) => e instanceof RunLogError && e.reason === 'NoSuchAttempt');
  });

  test('two followers of one run share one reader and both get every line', async () => {
    await h.submitRun('shared', 'logs', { env: { SIM_RUN_SECONDS: '60', SIM_LOG_LINES: '20' } });
    let maxReaders = 0;
    const watch = async () => {
      maxReaders = Math.max(maxReaders, source.activeReaders());
    };
    const first = collect(source, { run: 'shared', follow: true }, watch);
    const second = collect(source, { run: 'shared', follow: true }, watch);
    const [a, b] = await Promise.all([first, second, h.driveUntil(['shared'], allStopped)]);
    assert.deepEqual(a.map((l) => l.message), numbered(20));
    assert.deepEqual(b.map((l) => l.message), numbered(20));
    assert.equal(maxReaders, 1, 'one reader served both');
    const stream = sent.find((c) => c.logStreamName?.endsWith(h.tasksOf('shared')[0].taskArn.split('/').pop() ?? '-'))?.logStreamName;
    const readsFromHead = sent.filter((c) => c.logStreamName === stream && c.nextToken === undefined);
    assert.equal(readsFromHead.length, 1, 'the stream was read from its head once (once it existed): by one reader, not two');
    const auditedBefore = h.sim.audit().calls.GetLogEvents?.ok ?? 0;
    assert.ok(auditedBefore >= sent.length - 1, 'the calls reached CloudWatch Logs (the simulator) through the SDK');
  });

  test('a failed run\'s last lines are read once after it concluded and kept in its status', async () => {
    const concluded: string[] = [];
    h.runDeps.afterConclusion = async (run) => {
      concluded.push(run.metadata.name);
    };
    await h.submitRun('fails', 'tail5', { env: { SIM_RUN_SECONDS: '2', SIM_LOG_LINES: '12', SIM_EXIT_CODE: '3' } });
    await h.driveUntil(['fails'], finalized);
    assert.deepEqual(concluded, ['fails'], 'finalize asked for the tail');
    const logged: Array<Record<string, unknown>> = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => logged.push(JSON.parse(line) as Record<string, unknown>) });
    const deps = {
      namespace: h.namespace, store: h.store, source, logger,
      tries: redisLogTailTries(h.redis, (run: string) => h.store.keyspace.key('log-tail-tries', run)),
    };
    await captureLogTail(deps, 'fails');
    const run = await h.store.getRun('fails');
    assert.equal(run?.status.outcome, 'failed');
    assert.deepEqual(run?.status.logTail?.lines, [...numbered(12).slice(8), 'Error: the process exited with code 3']);
    assert.equal(run?.status.logTail?.attempt, 1);
    assert.equal(run?.status.logTail?.container, 'longshore');

    const said = logged.filter((entry) => entry.msg === 'failed run\'s last output');
    assert.equal(said.length, 1, 'the controller\'s log says why the run failed');
    assert.deepEqual([said[0].namespace, said[0].run, said[0].outcome, said[0].attempt, said[0].exitCode, said[0].lastOutput],
      [h.namespace, 'fails', 'failed', 1, 3, run?.status.logTail?.lines]);

    const calls = () => h.sim.audit().calls.GetLogEvents?.ok ?? 0;
    const before = calls();
    await captureLogTail(deps, 'fails');
    assert.equal(calls(), before, 'a recorded tail is not read again');
    assert.equal(logged.filter((entry) => entry.msg === 'failed run\'s last output').length, 1, 'nor logged again');
    await h.driveUntil(['fails'], allStopped);
    assert.deepEqual((await h.store.getRun('fails'))?.status.logTail?.lines.length, 5, 'the run reconciler keeps the tail');
  });

  test('clear errors: run not found, logs disabled, not started, throttled, credentials refused', async () => {
    await assert.rejects(collect(source, { run: 'nope' }), (e: unknown) => e instanceof RunLogError && e.reason === 'RunNotFound');
    await h.submitRun('silent', 'quiet');
    await assert.rejects(collect(source, { run: 'silent' }), (e: unknown) => e instanceof RunLogError && e.reason === 'LogsDisabled' && /cloudwatchLogs\.enabled/.test(e.message));
    await h.submitRun('waiting', 'logs');
    await assert.rejects(collect(source, { run: 'waiting' }), (e: unknown) => e instanceof RunLogError && e.reason === 'NotStarted' && /not been launched/.test(e.message));

    // Throttled after the gateway's own tries, within a short bounded wait.
    const ks = h.store.keyspace;
    const budgets = new RedisBudgets({ redis: h.redis, bucketKey: (c) => ks.key('budget', c), budgets: scaleBudgets(DEFAULT_BUDGETS, TIME_SCALE), burstReserveFraction: 0.05 });
    const impatient = createGatewayRunLogSource({ redis: h.redis, store: h.store, defaultRegion: 'us-east-1', gateway: createAwsGateway({ clients: h.clients, budgets, maxWaitMs: 300, maxCallTries: 2 }) });
    const throttle = h.sim.faults.add({ service: 'logs', action: 'GetLogEvents', status: 400, type: 'ThrottlingException', message: 'Rate exceeded' });
    try {
      await assert.rejects(collect(impatient, { run: 'follow-me' }), (e: unknown) => e instanceof RunLogError && e.reason === 'Throttled' && /throttled/.test(e.message));
    } finally {
      h.sim.faults.remove(throttle.id);
    }
    const expired = h.sim.faults.add({ service: 'logs', action: 'GetLogEvents', status: 400, type: 'ExpiredTokenException', message: 'The security token included in the request is expired' });
    try {
      await assert.rejects(collect(impatient, { run: 'follow-me' }), (e: unknown) =>
        e instanceof RunLogError && e.reason === 'Unavailable' && /refused the AWS credentials \(ExpiredTokenException/.test(e.message) && !/\n\s+at /.test(e.message));
    } finally {
      h.sim.faults.remove(expired.id);
    }
  });

  /**
   * An API's run-log source with `config`, beside the run's controller's view of its home (us-east-1)
   * logsRead bucket, built as controller/main.ts builds it; the bucket starts full.
   */
  async function apiBesideController(config: ReturnType<typeof compileConfig>) {
    // The API's AWS clients take their credentials from the environment, as in production.
    process.env.AWS_ACCESS_KEY_ID ??= 'test';
    process.env.AWS_SECRET_ACCESS_KEY ??= 'test';
    const api = createRunLogSourceFor({ config, redis: h.redis, logger: silent });
    const controller = namespaceBudgets({ redis: h.redis, keyspace: h.store.keyspace, budgets: config.budgets, home: { region: 'us-east-1' }, clockScale: 1 })({ account: 'default', region: 'us-east-1' });
    const bucket = h.store.keyspace.key('budget', 'logsRead');
    await h.redis.del(bucket);
    return { api, controller, bucket };
  }

  test('the API\'s reads spend the budget of the run\'s namespace, the one its controller paces with, whatever the API\'s own namespace', async () => {
    // A slow refill so that what each side spent stays visible to the other for the whole test.
    const env = {
      LONGSHORE_NAMESPACE: uniqueNamespace('test-api-elsewhere'), AWS_REGION: 'us-east-1', AWS_ENDPOINT_URL: h.sim.url,
      LONGSHORE_BUDGET_LOGS_READ: '20/0.01', LONGSHORE_BUDGET_MAX_WAIT_SECONDS: '0.2',
    };
    assert.notEqual(env.LONGSHORE_NAMESPACE, h.namespace);
    const { api, controller, bucket } = await apiBesideController(compileConfig(env));
    try {
      const calls = () => h.sim.audit().calls.GetLogEvents?.ok ?? 0;
      const before = calls();
      const lines = await collect(api, { run: 'follow-me' });
      assert.equal(lines.length, 30);
      const spent = calls() - before;
      assert.ok(spent >= 1);
      const level = await controller.level('logsRead');
      assert.ok(Math.abs(controller.usableBurst('logsRead') - spent - level.tokens) < 0.5, `the controller's bucket lost the API's ${spent} reads: ${level.tokens} of ${controller.usableBurst('logsRead')} left`);
      assert.equal(await h.redis.exists(keyspace(env.LONGSHORE_NAMESPACE).key('budget', 'logsRead')), 0, 'no budget of the API\'s own namespace');

      // And the other way: what the controller spends, the API no longer has.
      const rest = Math.floor(level.tokens);
      if (rest > 0) assert.equal((await controller.take([{ category: 'logsRead', count: rest }])).granted, true);
      await assert.rejects(collect(api, { run: 'follow-me' }), (e: unknown) => e instanceof RunLogError && e.reason === 'Throttled');
    } finally {
      api.close();
      await h.redis.del(bucket);
    }
  });

  test('an API with another AWS_REGION reads a region-less pool\'s run where it ran, on the budget its controller recorded as home', async () => {
    await h.submitRun('homeless-1', 'homeless', { env: { SIM_RUN_SECONDS: '1', SIM_LOG_LINES: '5' } });
    await h.driveUntil(['homeless-1'], allStopped);
    // What the namespace's controller (us-east-1) records at start; the API runs with eu-west-1.
    await h.redis.set(homeRecordKey(h.store.keyspace), encodeHomeRecord({ home: { region: 'us-east-1' }, replica: 'harness', recordedAt: new Date().toISOString() }));
    const { api, controller, bucket } = await apiBesideController(compileConfig({
      LONGSHORE_NAMESPACE: uniqueNamespace('test-api-west'), AWS_REGION: 'eu-west-1', AWS_ENDPOINT_URL: h.sim.url, LONGSHORE_BUDGET_LOGS_READ: '20/0.01',
    }));
    try {
      const calls = () => h.sim.audit().calls.GetLogEvents?.ok ?? 0;
      const before = calls();
      const lines = await collect(api, { run: 'homeless-1' });
      assert.deepEqual(lines.map((l) => l.message), numbered(5), 'read in us-east-1, where the task ran');
      const spent = calls() - before;
      const level = await controller.level('logsRead');
      assert.ok(Math.abs(controller.usableBurst('logsRead') - spent - level.tokens) < 0.5, `the controller's home bucket lost the API's ${spent} reads: ${level.tokens} left`);
      assert.equal(await h.redis.exists(h.store.keyspace.key('budget', 'default', 'us-east-1', 'logsRead')), 0, 'no second bucket for the same account-region');
    } finally {
      api.close();
      await h.redis.del(bucket, homeRecordKey(h.store.keyspace));
    }
  });
});
