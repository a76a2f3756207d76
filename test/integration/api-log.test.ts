/**
 * runs/{name}/log with a fake RunLogSource: lines as text/plain (RFC 3339 prefixes with timestamps=true),
 * the request's options passed through, each RunLogError reason as its Status code, and a client that
 * goes away aborting the source.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { RunLogError, type RunLogLine, type RunLogRequest, type RunLogSource } from '../../controller/logs/types.js';
import type { Status } from '../../controller/server/status.js';
import { until } from '../helpers/until.js';
import { startTestApi, type TestApi } from '../helpers/api-server.js';

/** Serves scripted lines per run name; `hold` keeps a followed stream open until its signal aborts. */
class FakeLogs implements RunLogSource {
  readonly requests: RunLogRequest[] = [];
  readonly aborted: string[] = [];
  constructor(private readonly lines: Record<string, RunLogLine[] | RunLogError>) {}
  open(request: RunLogRequest, signal: AbortSignal): AsyncIterable<RunLogLine> {
    this.requests.push(request);
    const script = this.lines[request.run];
    const aborted = this.aborted;
    return (async function* () {
      if (script === undefined) throw new RunLogError('RunNotFound', `run "${request.run}" not found`);
      if (script instanceof RunLogError) throw script;
      for (const line of script) yield line;
      if (request.follow) {
        await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
        aborted.push(request.run);
      }
    })();
  }
}

const at = (second: number, message: string, attempt = 1): RunLogLine => ({ timestamp: Date.UTC(2026, 0, 2, 3, 4, second), message, attempt, container: 'main' });

describe('API: run logs', () => {
  let api: TestApi;
  let token: string;
  const logs = new FakeLogs({
    done: [at(5, 'hello'), at(6, 'world\n')],
    disabled: new RunLogError('LogsDisabled', 'the pool does not send output to CloudWatch Logs'),
    later: new RunLogError('NotStarted', 'attempt 1 has no log stream yet'),
    busy: new RunLogError('Throttled', 'the account\'s Logs budget is spent; retry later'),
    down: new RunLogError('Unavailable', 'CloudWatch Logs failed: ServiceUnavailableException'),
    noattempt: new RunLogError('NoSuchAttempt', 'run has 1 attempt'),
    live: [at(1, 'started')],
  });
  before(async () => {
    api = await startTestApi({ logSource: logs });
    token = await api.token('viewer');
  });
  after(() => api.close());

  test('lines as text/plain; timestamps=true prefixes RFC 3339; options reach the source', async () => {
    const plain = await api.call('GET', api.ns('runs/done/log'), { token });
    assert.equal(plain.status, 200);
    assert.match(plain.headers.get('content-type') ?? '', /^text\/plain/);
    assert.equal(plain.text, 'hello\nworld\n');
    const stamped = await api.call('GET', `${api.ns('runs/done/log')}?timestamps=true&tailLines=10&attempt=1`, { token });
    assert.equal(stamped.text, '2026-01-02T03:04:05.000Z hello\n2026-01-02T03:04:06.000Z world\n');
    assert.deepEqual(logs.requests.at(-1), { namespace: api.namespace, run: 'done', follow: false, tailLines: 10, attempt: 1 });
    assert.equal((await api.call('GET', `${api.ns('runs/done/log')}?tailLines=-1`, { token })).status, 400);
    assert.equal((await api.call('GET', `${api.ns('runs/done/log')}?follow=maybe`, { token })).status, 400);
  });

  test('each RunLogError reason answers its Status code with the source\'s message', async () => {
    const cases: Array<[string, number]> = [['missing', 404], ['noattempt', 404], ['disabled', 400], ['later', 404], ['busy', 429], ['down', 503]];
    for (const [run, code] of cases) {
      const reply = await api.call<Status>('GET', api.ns(`runs/${run}/log`), { token });
      assert.equal(reply.status, code, run);
      assert.equal(reply.body.kind, 'Status');
      assert.ok(reply.body.message.length > 0);
      assert.ok(!/\bat .*\.js:\d+/.test(reply.text), 'no stack trace');
    }
    const busy = await api.call('GET', api.ns('runs/busy/log'), { token });
    assert.ok(Number(busy.headers.get('retry-after')) > 0);
  });

  test('follow streams until the client goes away, which aborts the source', async () => {
    const abort = new AbortController();
    const response = await fetch(`${api.url}${api.ns('runs/live/log')}?follow=true`, { headers: { authorization: `Bearer ${token}` }, signal: abort.signal });
    assert.equal(response.status, 200);
    const reader = response.body!.getReader();
    const { value } = await reader.read();
    assert.equal(new TextDecoder().decode(value), 'started\n');
    abort.abort();
    await until(() => logs.aborted.includes('live'), { what: 'the source to see the abort' });
  });
});
