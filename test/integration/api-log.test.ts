/**
 * runs/{name}/log with a fake RunLogSource: lines as text/plain (RFC 3339 prefixes with timestamps=true),
 * the request's options passed through, each RunLogError reason as its Status code, a client that goes
 * away aborting the source, and a failure after the headers (a source error, the server's shutdown)
 * breaking the body off so that the client, the typed client and the CLI see an incomplete log.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createLongshoreClient, LogStreamBrokenError, readLog } from '@longshore/client';
import { RunLogError, type RunLogLine, type RunLogRequest, type RunLogSource } from '../../controller/logs/types.js';
import type { Status } from '../../controller/server/status.js';
import { until } from '../helpers/until.js';
import { startTestApi, type TestApi } from '../helpers/api-server.js';
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { CLI, cli, collect } from '../e2e/cli-run.js';

/** Lines, then (optionally) a wait for a test's go, then an error: a source that fails mid-stream. */
interface Failing {
  lines: RunLogLine[];
  before?: Promise<void>;
  error: RunLogError;
}

/** Serves scripted lines per run name; a followed stream stays open until its signal aborts. */
class FakeLogs implements RunLogSource {
  readonly requests: RunLogRequest[] = [];
  readonly aborted: string[] = [];
  constructor(readonly lines: Record<string, RunLogLine[] | RunLogError | Failing>) {}
  open(request: RunLogRequest, signal: AbortSignal): AsyncIterable<RunLogLine> {
    this.requests.push(request);
    const script = this.lines[request.run];
    const aborted = this.aborted;
    return (async function* () {
      if (script === undefined) throw new RunLogError('RunNotFound', `run "${request.run}" not found`);
      if (script instanceof RunLogError) throw script;
      if (!Array.isArray(script)) {
        yield* script.lines;
        await script.before;
        throw script.error;
      }
      for (const line of script) yield line;
      if (request.follow) {
        await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
        aborted.push(request.run);
      }
    })();
  }
}

const at = (second: number, message: string, attempt = 1): RunLogLine => ({ timestamp: Date.UTC(2026, 0, 2, 3, 4, second), message, attempt, container: 'main' });
const throttled = () => new RunLogError('Throttled', 'CloudWatch Logs reads are throttled for this AWS account');

/** Everything a body sends until it ends (`complete`) or breaks off (`error`, after `text`). */
async function readBody(response: Response): Promise<{ text: string; complete: boolean; error?: unknown }> {
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  let text = '';
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return { text, complete: true };
      text += decoder.decode(value, { stream: true });
    }
  } catch (error) {
    return { text, complete: false, error };
  }
}

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
    flaky: { lines: [at(1, 'one'), at(2, 'two')], error: throttled() },
  });
  let quietGo: () => void = () => {};
  logs.lines.quiet = { lines: [], before: new Promise<void>((resolve) => (quietGo = resolve)), error: throttled() };
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

  test('an error after the first line breaks the body off: the lines that arrived, then no clean end', async () => {
    const response = await fetch(`${api.url}${api.ns('runs/flaky/log')}?follow=true`, { headers: { authorization: `Bearer ${token}` } });
    assert.equal(response.status, 200, 'the status line went out with the first line');
    const body = await readBody(response);
    assert.equal(body.text, 'one\ntwo\n');
    assert.equal(body.complete, false, 'the chunked body lacks its last chunk');
    const finished = await api.call('GET', api.ns('runs/done/log'), { token });
    assert.equal(finished.text, 'hello\nworld\n', 'a log read to its end still ends cleanly');
  });

  test('an error after the headers went out for a quiet follow breaks the body off too', async () => {
    // fetch resolves once the headers arrive: the source has sent nothing and is still waiting.
    const response = await fetch(`${api.url}${api.ns('runs/quiet/log')}?follow=true`, { headers: { authorization: `Bearer ${token}` } });
    assert.equal(response.status, 200);
    quietGo();
    const body = await readBody(response);
    assert.deepEqual([body.text, body.complete], ['', false]);
  });

  test('the typed client throws LogStreamBrokenError after the lines that arrived', async () => {
    const client = createLongshoreClient({ server: api.url, token });
    const lines: string[] = [];
    await assert.rejects(async () => {
      for await (const line of readLog(client, { namespace: api.namespace, name: 'flaky', follow: true })) lines.push(line);
    }, (error: unknown) => error instanceof LogStreamBrokenError && /broke off before the log ended/.test(error.message));
    assert.deepEqual(lines, ['one', 'two']);
    const whole: string[] = [];
    for await (const line of readLog(client, { namespace: api.namespace, name: 'done' })) whole.push(line);
    assert.deepEqual(whole, ['hello', 'world']);
  });

  test('run logs -f through the API exits 1 with one error line when the stream breaks off, as direct mode does', async () => {
    const env = { LONGSHORE_SERVER: api.url, LONGSHORE_TOKEN: token, REDIS_URL: 'redis://127.0.0.1:1' };
    const broken = await cli(api.namespace, ['run', 'logs', 'flaky', '-f'], { env });
    assert.equal(broken.stdout, 'one\ntwo\n');
    assert.equal(broken.code, 1, broken.stderr);
    assert.match(broken.stderr, /^error: the log stream broke off before the log ended \(.+\): the API server could not read further/);
    assert.equal(broken.stderr.split('\n').length, 2, 'one line, no stack');
    const whole = await cli(api.namespace, ['run', 'logs', 'done'], { env });
    assert.deepEqual([whole.code, whole.stdout], [0, 'hello\nworld\n'], whole.stderr);
  });

  test('the examples\' readers see the break: curl exits 18, the Python example\'s follow_log raises IncompleteRead', async () => {
    const url = `${api.url}${api.ns('runs/flaky/log')}?follow=true`;
    const curl = await collect(spawn('curl', ['-sS', '-N', '-H', `Authorization: Bearer ${token}`, url]));
    assert.deepEqual([curl.code, curl.stdout], [18, 'one\ntwo\n'], curl.stderr);
    const examples = join(dirname(CLI), '..', '..', 'examples');
    const script = [
      'import sys, http.client',
      `sys.path.insert(0, ${JSON.stringify(examples)})`,
      'from submit_and_follow import Longshore',
      'api = Longshore(sys.argv[1], sys.argv[2], sys.argv[3])',
      'try:',
      '    for line in api.follow_log("flaky"): print(line)',
      'except http.client.IncompleteRead: print("IncompleteRead")',
    ].join('\n');
    const python = await collect(spawn('python3', ['-c', script, api.url, token, api.namespace]));
    assert.deepEqual([python.code, python.stdout], [0, 'one\ntwo\nIncompleteRead\n'], python.stderr);
  });

  test('a server shutting down mid-follow breaks the stream off: the log did not end', async () => {
    const other = await startTestApi({ logSource: logs });
    const viewer = await other.token('viewer');
    const response = await fetch(`${other.url}${other.ns('runs/live/log')}?follow=true`, { headers: { authorization: `Bearer ${viewer}` } });
    const reader = response.body!.getReader();
    assert.equal(new TextDecoder().decode((await reader.read()).value), 'started\n');
    const closing = other.close();
    await assert.rejects(async () => {
      for (;;) if ((await reader.read()).done) return;
    }, 'the read fails instead of ending');
    await closing;
  });
});
