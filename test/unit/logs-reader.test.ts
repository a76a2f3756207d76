import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { GetLogEventsCommandInput } from '@aws-sdk/client-cloudwatch-logs';
import { GatewayError } from '../../controller/aws/errors.js';
import { FanOut } from '../../controller/logs/fan-out.js';
import { readAttempt, type AttemptLook, type ReaderPorts } from '../../controller/logs/reader.js';
import { RunLogError, type RunLogLine } from '../../controller/logs/types.js';
import { readStart } from '../../controller/logs/paging.js';

const location = { group: 'g', stream: 'p/c/task1', container: 'c', region: 'us-east-1', target: { region: 'us-east-1' } };

/** A stream that grows as the test says, paged like CloudWatch Logs (forward tokens f/<index>). */
function fakeLogs() {
  const events: { timestamp: number; message: string }[] = [];
  const calls: GetLogEventsCommandInput[] = [];
  let exists = true;
  return {
    events, calls,
    setExists(value: boolean) { exists = value; },
    async getLogEvents(input: GetLogEventsCommandInput) {
      calls.push(input);
      if (!exists) throw new GatewayError('notFound', 'GetLogEvents', 'ResourceNotFoundException', 'The specified log stream does not exist.', undefined);
      const limit = input.limit ?? 10_000;
      if (!input.startFromHead) {
        const from = Math.max(0, events.length - limit);
        return { events: events.slice(from), nextForwardToken: `f/${events.length}` };
      }
      const from = input.nextToken ? Number(input.nextToken.slice(2)) : 0;
      const to = Math.min(events.length, from + Math.min(limit, 2));
      return { events: events.slice(from, to), nextForwardToken: to === from && input.nextToken ? input.nextToken : `f/${to}` };
    },
  };
}

function harness(looks: () => AttemptLook) {
  const logs = fakeLogs();
  const sleeps: number[] = [];
  const hooks: Array<() => void> = [];
  const ports: ReaderPorts = {
    getLogEvents: (input) => logs.getLogEvents(input),
    look: async () => looks(),
    sleep: async (ms) => {
      sleeps.push(ms);
      hooks.shift()?.();
    },
  };
  const out = new FanOut<RunLogLine>({ historyLimit: 1000, bufferLimit: 1000 }, { fromHead: true, onIdle: () => {} });
  const sub = out.subscribe(undefined);
  const drain = async () => {
    const lines: string[] = [];
    for (let batch = await sub.next(); batch !== null; batch = await sub.next()) lines.push(...batch.map((l) => l.message));
    return lines;
  };
  return { logs, sleeps, hooks, ports, out, drain };
}

const spec = (follow: boolean, tail?: number) => ({ what: 'run "r" attempt 1', attempt: 1, follow, start: readStart(tail) });

describe('log reader', () => {
  test('not following: pages from the head until the same token comes back, then ends', async () => {
    const h = harness(() => ({ location, stopped: false }));
    h.logs.events.push(...['a', 'b', 'c', 'd', 'e'].map((message, i) => ({ timestamp: i, message })));
    await readAttempt(spec(false), h.ports, h.out, new AbortController().signal);
    h.out.end();
    assert.deepEqual(await h.drain(), ['a', 'b', 'c', 'd', 'e']);
    assert.deepEqual(h.logs.calls.map((c) => c.nextToken), [undefined, 'f/2', 'f/4', 'f/5']);
    assert.ok(h.logs.calls.every((c) => c.startFromHead === true && c.logStreamName === 'p/c/task1' && c.logGroupName === 'g'));
  });

  test('a tail is one backward page, then forward from its token', async () => {
    const h = harness(() => ({ location, stopped: false }));
    h.logs.events.push(...['a', 'b', 'c', 'd'].map((message, i) => ({ timestamp: i, message })));
    await readAttempt(spec(false, 2), h.ports, h.out, new AbortController().signal);
    h.out.end();
    assert.deepEqual(await h.drain(), ['c', 'd']);
    assert.deepEqual(h.logs.calls.map((c) => [c.startFromHead, c.limit, c.nextToken]), [[false, 2, undefined], [true, undefined, 'f/4']]);
  });

  test('following: waits with growing pauses while nothing is new, speeds up when lines appear, drains after stop', async () => {
    let stopped = false;
    const h = harness(() => ({ location, stopped }));
    h.logs.events.push({ timestamp: 0, message: 'first' });
    // Each pause lets the test change the world: two empty looks, a line, one empty look, the stop.
    h.hooks.push(() => {}, () => h.logs.events.push({ timestamp: 1, message: 'second' }), () => {}, () => {
      h.logs.events.push({ timestamp: 2, message: 'last words' });
      stopped = true;
    });
    await readAttempt(spec(true), h.ports, h.out, new AbortController().signal);
    h.out.end();
    assert.deepEqual(await h.drain(), ['first', 'second', 'last words']);
    assert.deepEqual(h.sleeps, [500, 1000, 500, 1000], 'backs off while idle, back to the base after lines');
  });

  test('not following, a stream that does not exist yet is NotStarted', async () => {
    const h = harness(() => ({ location, stopped: false }));
    h.logs.setExists(false);
    await assert.rejects(readAttempt(spec(false), h.ports, h.out, new AbortController().signal),
      (e: unknown) => e instanceof RunLogError && e.reason === 'NotStarted' && /no log stream yet/.test(e.message));
  });

  test('not following, a stopped attempt without a stream says it wrote no output', async () => {
    const h = harness(() => ({ location, stopped: true }));
    h.logs.setExists(false);
    await assert.rejects(readAttempt(spec(false), h.ports, h.out, new AbortController().signal),
      (e: unknown) => e instanceof RunLogError && e.reason === 'NotStarted' && /stopped without writing output/.test(e.message));
  });

  test('following, it waits for the task and its stream to appear', async () => {
    let look: AttemptLook = { location: undefined, stopped: false };
    const h = harness(() => look);
    h.logs.setExists(false);
    h.hooks.push(() => (look = { location, stopped: false }), () => {
      h.logs.setExists(true);
      h.logs.events.push({ timestamp: 5, message: 'hello' });
    }, () => (look = { location, stopped: true }));
    await readAttempt(spec(true), h.ports, h.out, new AbortController().signal);
    h.out.end();
    assert.deepEqual(await h.drain(), ['hello']);
    assert.deepEqual(h.sleeps.slice(0, 2), [1000, 2000]);
  });

  test('following an attempt that stopped without ever writing ends without lines', async () => {
    const h = harness(() => ({ location, stopped: true }));
    h.logs.setExists(false);
    await readAttempt(spec(true), h.ports, h.out, new AbortController().signal);
    h.out.end();
    assert.deepEqual(await h.drain(), []);
  });
});
