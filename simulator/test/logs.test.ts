import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CloudWatchLogsClient, CloudWatchLogsServiceException, CreateLogGroupCommand, CreateLogStreamCommand,
  DescribeLogStreamsCommand, GetLogEventsCommand, PutLogEventsCommand, type GetLogEventsCommandInput, type GetLogEventsCommandOutput,
} from '@aws-sdk/client-cloudwatch-logs';
import { createLogsHandler, formatToken, LogStore, pageLogEvents, parseToken } from '../logs.js';
import { TokenBucket } from '../token-bucket.js';
import { mountHandlers, type MountedHandlers } from './helpers/mount-handler.js';
import { container, CREDENTIALS, env, eventually, registerFargate, runFargate, startHarness, untilStopped } from './helpers/ecs-sim.js';
import { exitOutput, MAX_BATCHES, outputSchedule } from '../lifecycle/output.js';
import { DescribeTasksCommand } from '@aws-sdk/client-ecs';

const BASE_MS = 1_700_000_000_000;
const messages = (events: { message?: string }[] | undefined): string[] => (events ?? []).map((event) => event.message ?? '');
const lines = (from: number, to: number): string[] => Array.from({ length: to - from }, (_, index) => `line ${from + index}`);

function storeWith25Events(): LogStore {
  const store = new LogStore({ now: () => BASE_MS + 999_000 });
  store.putEvents('/ecs/flow', 'flow/main/abc', lines(0, 25).map((message, index) => ({ timestamp: BASE_MS + index * 1000, message })));
  return store;
}

describe('GetLogEvents paging (pure)', () => {
  const events = storeWith25Events().getStream('/ecs/flow', 'flow/main/abc')?.events ?? [];

  test('tokens look like AWS tokens and parse back', () => {
    assert.equal(formatToken('f', 12), `f/${'0'.repeat(54)}12/s`);
    assert.deepEqual(parseToken(formatToken('b', 3)), { direction: 'b', position: 3 });
    assert.deepEqual(parseToken('f/7'), { direction: 'f', position: 7 });
    assert.equal(parseToken('x/1/s'), undefined);
  });

  test('startTime is inclusive and endTime exclusive', () => {
    const page = pageLogEvents(events, { startTime: BASE_MS + 3000, endTime: BASE_MS + 6000, startFromHead: true });
    assert.ok(!('invalidToken' in page));
    assert.deepEqual(page.events.map((event) => event.message), ['line 3', 'line 4', 'line 5']);
  });

  test('a forward token without startFromHead=true is not honoured: the latest page comes back', () => {
    const page = pageLogEvents(events, { limit: 5, startFromHead: false, nextToken: formatToken('f', 2) });
    assert.ok(!('invalidToken' in page));
    assert.deepEqual(page.events.map((event) => event.message), lines(20, 25));
  });

  test('a malformed token is rejected', () => {
    assert.deepEqual(pageLogEvents(events, { startFromHead: true, nextToken: 'nonsense' }), { invalidToken: true });
  });

  test('without limit a page holds at most 1 MB of events', () => {
    const store = new LogStore();
    const bigMessage = 'x'.repeat(100_000);
    store.putEvents('g', 's', Array.from({ length: 15 }, (_, index) => ({ timestamp: index, message: bigMessage })));
    const page = pageLogEvents(store.getStream('g', 's')?.events ?? [], { startFromHead: true });
    assert.ok(!('invalidToken' in page));
    assert.equal(page.events.length, 10);
  });
});

describe('CloudWatch Logs through @aws-sdk/client-cloudwatch-logs', () => {
  let server: MountedHandlers;
  let client: CloudWatchLogsClient;
  let clock = 0;
  const bucket = new TokenBucket({ capacity: 10_000, refillPerSecond: 0, now: () => clock });
  const calls: Array<[string, string]> = [];
  const store = storeWith25Events();
  const stream = { logGroupName: '/ecs/flow', logStreamName: 'flow/main/abc' };

  before(async () => {
    server = await mountHandlers([createLogsHandler({ store, audit: (action, outcome) => calls.push([action, outcome]), bucket })]);
    client = new CloudWatchLogsClient({
      region: 'us-east-1', endpoint: server.endpoint, maxAttempts: 1,
      credentials: CREDENTIALS,
    });
  });
  after(async () => {
    client.destroy();
    await server.close();
  });

  test('forward paging with limit 10 from the head, ending on the same token', async () => {
    const first = await client.send(new GetLogEventsCommand({ ...stream, startFromHead: true, limit: 10 }));
    assert.deepEqual(messages(first.events), lines(0, 10));
    assert.equal(first.events?.[0]?.timestamp, BASE_MS);
    assert.equal(first.events?.[0]?.ingestionTime, BASE_MS + 999_000);
    const second = await client.send(new GetLogEventsCommand({ ...stream, startFromHead: true, limit: 10, nextToken: first.nextForwardToken }));
    assert.deepEqual(messages(second.events), lines(10, 20));
    const third = await client.send(new GetLogEventsCommand({ ...stream, startFromHead: true, limit: 10, nextToken: second.nextForwardToken }));
    assert.deepEqual(messages(third.events), lines(20, 25));
    const end = await client.send(new GetLogEventsCommand({ ...stream, startFromHead: true, limit: 10, nextToken: third.nextForwardToken }));
    assert.deepEqual(end.events, []);
    assert.equal(end.nextForwardToken, third.nextForwardToken);
    // Going back from the second page returns the first one again.
    const back = await client.send(new GetLogEventsCommand({ ...stream, startFromHead: true, limit: 10, nextToken: second.nextBackwardToken }));
    assert.deepEqual(messages(back.events), lines(0, 10));
  });

  test('backward paging with limit 10 from the tail (startFromHead defaults to false)', async () => {
    const latest = await client.send(new GetLogEventsCommand({ ...stream, limit: 10 }));
    assert.deepEqual(messages(latest.events), lines(15, 25));
    const earlier = await client.send(new GetLogEventsCommand({ ...stream, limit: 10, nextToken: latest.nextBackwardToken }));
    assert.deepEqual(messages(earlier.events), lines(5, 15));
    const earliest = await client.send(new GetLogEventsCommand({ ...stream, limit: 10, nextToken: earlier.nextBackwardToken }));
    assert.deepEqual(messages(earliest.events), lines(0, 5));
    const head = await client.send(new GetLogEventsCommand({ ...stream, limit: 10, nextToken: earliest.nextBackwardToken }));
    assert.deepEqual(head.events, []);
    assert.equal(head.nextBackwardToken, earliest.nextBackwardToken);
  });

  test('without limit every event comes back; startTime narrows the range', async () => {
    const all = await client.send(new GetLogEventsCommand({ ...stream, startFromHead: true }));
    assert.equal(all.events?.length, 25);
    const tail = await client.send(new GetLogEventsCommand({ ...stream, startFromHead: true, startTime: BASE_MS + 22_000 }));
    assert.deepEqual(messages(tail.events), lines(22, 25));
  });

  test('errors: missing name, unknown group and stream, bad limit', async () => {
    const expectError = async (input: GetLogEventsCommandInput, name: string, message?: string): Promise<void> => {
      await assert.rejects(client.send(new GetLogEventsCommand(input)), (error: CloudWatchLogsServiceException) => {
        assert.equal(error.name, name);
        if (message !== undefined) assert.equal(error.message, message);
        assert.equal(error.$metadata.httpStatusCode, 400);
        return true;
      });
    };
    await expectError({ logStreamName: 'x' }, 'InvalidParameterException');
    await expectError({ logGroupName: 'nope', logStreamName: 'x' }, 'ResourceNotFoundException', 'The specified log group does not exist.');
    await expectError({ logGroupName: '/ecs/flow', logStreamName: 'nope' }, 'ResourceNotFoundException', 'The specified log stream does not exist.');
    await expectError({ ...stream, limit: 10_001 }, 'InvalidParameterException');
    await expectError({ ...stream, limit: 0 }, 'InvalidParameterException');
  });

  test('CreateLogGroup, CreateLogStream, PutLogEvents and DescribeLogStreams', async () => {
    await client.send(new CreateLogGroupCommand({ logGroupName: 'app' }));
    await assert.rejects(client.send(new CreateLogGroupCommand({ logGroupName: 'app' })), { name: 'ResourceAlreadyExistsException' });
    await assert.rejects(client.send(new CreateLogStreamCommand({ logGroupName: 'none', logStreamName: 's' })), { name: 'ResourceNotFoundException' });
    await client.send(new CreateLogStreamCommand({ logGroupName: 'app', logStreamName: 'b-stream' }));
    await client.send(new CreateLogStreamCommand({ logGroupName: 'app', logStreamName: 'a-stream' }));
    await assert.rejects(client.send(new PutLogEventsCommand({ logGroupName: 'app', logStreamName: 'missing', logEvents: [{ timestamp: 1, message: 'm' }] })),
      { name: 'ResourceNotFoundException' });
    await assert.rejects(client.send(new PutLogEventsCommand({
      logGroupName: 'app', logStreamName: 'a-stream', logEvents: [{ timestamp: 5, message: 'late' }, { timestamp: 1, message: 'early' }],
    })), { name: 'InvalidParameterException' });
    await client.send(new PutLogEventsCommand({
      logGroupName: 'app', logStreamName: 'a-stream', logEvents: [{ timestamp: 10, message: 'one' }, { timestamp: 20, message: 'two' }],
    }));
    const read = await client.send(new GetLogEventsCommand({ logGroupName: 'app', logStreamName: 'a-stream', startFromHead: true }));
    assert.deepEqual(messages(read.events), ['one', 'two']);

    const described = await client.send(new DescribeLogStreamsCommand({ logGroupName: 'app' }));
    assert.deepEqual(described.logStreams?.map((entry) => entry.logStreamName), ['a-stream', 'b-stream']);
    assert.equal(described.logStreams?.[0]?.firstEventTimestamp, 10);
    assert.equal(described.logStreams?.[0]?.lastEventTimestamp, 20);
    assert.equal(described.logStreams?.[0]?.arn, 'arn:aws:logs:us-east-1:123456789012:log-group:app:log-stream:a-stream');
    const paged = await client.send(new DescribeLogStreamsCommand({ logGroupName: 'app', limit: 1, descending: true }));
    assert.deepEqual(paged.logStreams?.map((entry) => entry.logStreamName), ['b-stream']);
    const rest = await client.send(new DescribeLogStreamsCommand({ logGroupName: 'app', limit: 1, descending: true, nextToken: paged.nextToken }));
    assert.deepEqual(rest.logStreams?.map((entry) => entry.logStreamName), ['a-stream']);
    assert.equal(rest.nextToken, undefined);
    const byPrefix = await client.send(new DescribeLogStreamsCommand({ logGroupName: 'app', logStreamNamePrefix: 'b-' }));
    assert.deepEqual(byPrefix.logStreams?.map((entry) => entry.logStreamName), ['b-stream']);
  });

  test('an empty bucket answers ThrottlingException "Rate exceeded" (400), and calls are audited', async () => {
    while (bucket.tryTake()) { /* drain */ }
    await assert.rejects(client.send(new GetLogEventsCommand({ ...stream })), (error: CloudWatchLogsServiceException) => {
      assert.equal(error.name, 'ThrottlingException');
      assert.equal(error.message, 'Rate exceeded');
      assert.equal(error.$metadata.httpStatusCode, 400);
      return true;
    });
    clock += 1;
    assert.ok(calls.some(([action, outcome]) => action === 'GetLogEvents' && outcome === 'throttled'));
    assert.ok(calls.some(([action, outcome]) => action === 'GetLogEvents' && outcome === 'ok'));
    assert.ok(calls.some(([action, outcome]) => action === 'GetLogEvents' && outcome === 'error'));
    assert.ok(calls.some(([action, outcome]) => action === 'PutLogEvents' && outcome === 'ok'));
  });
});

describe('GetLogEvents through the whole simulator (a task printing 25 lines)', () => {
  test('forward and backward paging over a task stream with limit 10', async () => {
    const h = await startHarness();
    const logs = new CloudWatchLogsClient({ endpoint: h.sim.url, region: 'us-east-1', credentials: CREDENTIALS, maxAttempts: 1 });
    try {
      await registerFargate(h.ecs, {
        family: 'printer',
        executionRoleArn: 'arn:aws:iam::123456789012:role/exec',
        containerDefinitions: [container({
          environment: env({ SIM_RUN_SECONDS: '1', SIM_LOG_LINES: '25' }),
          logConfiguration: { logDriver: 'awslogs', options: { 'awslogs-group': '/longshore/printer', 'awslogs-region': 'us-east-1', 'awslogs-stream-prefix': 'run' } },
        })],
      });
      const taskArn = (await runFargate(h.ecs, 'printer')).tasks?.[0]?.taskArn ?? '';
      await untilStopped(h.ecs, taskArn);
      const target = { logGroupName: '/longshore/printer', logStreamName: `run/main/${taskArn.split('/').pop() ?? ''}`, limit: 10 };
      const forward: string[] = [];
      let token: string | undefined;
      for (let page = 0; page < 5; page += 1) {
        const answer: GetLogEventsCommandOutput = await logs.send(new GetLogEventsCommand({ ...target, startFromHead: true, nextToken: token }));
        forward.push(...messages(answer.events));
        if (answer.nextForwardToken === token) break;
        token = answer.nextForwardToken;
      }
      const expected = Array.from({ length: 25 }, (_, index) => `log line ${index + 1} of 25`);
      assert.deepEqual(forward, expected);
      const backward: string[][] = [];
      token = undefined;
      for (let page = 0; page < 5; page += 1) {
        const answer: GetLogEventsCommandOutput = await logs.send(new GetLogEventsCommand({ ...target, nextToken: token }));
        if (answer.nextBackwardToken === token) break;
        backward.push(messages(answer.events));
        token = answer.nextBackwardToken;
      }
      assert.deepEqual(backward, [expected.slice(15), expected.slice(5, 15), expected.slice(0, 5)]);
    } finally {
      logs.destroy();
      await h.close();
    }
  });
});

describe('task output while it runs and as it exits', () => {
  const logConfiguration = { logDriver: 'awslogs' as const, options: { 'awslogs-group': '/longshore/out', 'awslogs-region': 'us-east-1', 'awslogs-stream-prefix': 'run' } };
  const streamOf = (taskArn: string) => ({ logGroupName: '/longshore/out', logStreamName: `run/main/${taskArn.split('/').pop() ?? ''}` });

  test('lines are spread over the run time in a few batches, the first at once', () => {
    assert.deepEqual(outputSchedule(0, 1000), []);
    assert.deepEqual(outputSchedule(3, 900), [{ atMs: 0, upTo: 1 }, { atMs: 300, upTo: 2 }, { atMs: 600, upTo: 3 }]);
    const many = outputSchedule(1000, 2000);
    assert.equal(many.length, MAX_BATCHES);
    assert.equal(many.at(-1)?.upTo, 1000);
  });

  test('exit output: the configured lines, else one line for a non-zero exit code', () => {
    assert.deepEqual(exitOutput(undefined, 0), []);
    assert.deepEqual(exitOutput(undefined, 2), ['Error: the process exited with code 2']);
    assert.deepEqual(exitOutput(['boom'], 0), ['boom']);
    assert.deepEqual(exitOutput([], 2), []);
  });

  test('a running task\'s lines appear while it runs, stamped, on the awslogs stream name', async () => {
    const h = await startHarness();
    const logs = new CloudWatchLogsClient({ endpoint: h.sim.url, region: 'us-east-1', credentials: CREDENTIALS, maxAttempts: 1 });
    try {
      await registerFargate(h.ecs, {
        family: 'live', executionRoleArn: 'arn:aws:iam::123456789012:role/exec',
        containerDefinitions: [container({ environment: env({ SIM_RUN_SECONDS: '4000', SIM_LOG_LINES: '40' }), logConfiguration })],
      });
      const taskArn = (await runFargate(h.ecs, 'live')).tasks?.[0]?.taskArn ?? '';
      const seenWhileRunning = await eventually(async () => {
        const task = (await h.ecs.send(new DescribeTasksCommand({ tasks: [taskArn] }))).tasks?.[0];
        if (task?.lastStatus !== 'RUNNING') return undefined;
        const answer = await logs.send(new GetLogEventsCommand({ ...streamOf(taskArn), startFromHead: true }));
        const count = answer.events?.length ?? 0;
        return count > 0 && count < 40 ? answer.events : undefined;
      });
      assert.ok(seenWhileRunning.every((e) => typeof e.timestamp === 'number' && e.timestamp > 0));
      await untilStopped(h.ecs, taskArn);
      const all = await logs.send(new GetLogEventsCommand({ ...streamOf(taskArn), startFromHead: true }));
      assert.deepEqual(messages(all.events), Array.from({ length: 40 }, (_, i) => `log line ${i + 1} of 40`));
    } finally {
      logs.destroy();
      await h.close();
    }
  });

  test('a failing task prints its last words: SIM_EXIT_LOG_LINES, or a line naming the exit code', async () => {
    const h = await startHarness();
    const logs = new CloudWatchLogsClient({ endpoint: h.sim.url, region: 'us-east-1', credentials: CREDENTIALS, maxAttempts: 1 });
    try {
      for (const [family, extra] of [['plain', {}], ['worded', { SIM_EXIT_LOG_LINES: 'Traceback (most recent call last):\nValueError: boom' }]] as const) {
        await registerFargate(h.ecs, {
          family, executionRoleArn: 'arn:aws:iam::123456789012:role/exec',
          containerDefinitions: [container({ environment: env({ SIM_RUN_SECONDS: '1', SIM_EXIT_CODE: '3', SIM_LOG_LINES: 'working', ...extra }), logConfiguration })],
        });
      }
      const plain = (await runFargate(h.ecs, 'plain')).tasks?.[0]?.taskArn ?? '';
      const worded = (await runFargate(h.ecs, 'worded')).tasks?.[0]?.taskArn ?? '';
      await untilStopped(h.ecs, plain);
      await untilStopped(h.ecs, worded);
      const read = async (arn: string) => messages((await logs.send(new GetLogEventsCommand({ ...streamOf(arn), startFromHead: true }))).events);
      assert.deepEqual(await read(plain), ['working', 'Error: the process exited with code 3']);
      assert.deepEqual(await read(worded), ['working', 'Traceback (most recent call last):', 'ValueError: boom']);
    } finally {
      logs.destroy();
      await h.close();
    }
  });
});
