/** `run logs` through the API (cmd/cli/api-logs.ts): the route's timestamped lines parsed, its Status errors as the CLI's. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createLongshoreClient } from '@longshore/client';
import { apiLogLines } from '../../cmd/cli/api-logs.js';
import { NotFoundError } from '../../controller/store/index.js';

const connection = { server: 'http://api.test', origin: 'test' };

function apiAnswering(respond: (url: URL) => Response) {
  const seen: URL[] = [];
  const client = createLongshoreClient({
    server: connection.server, token: 'lst_000000000000_x',
    fetch: async (request: Request) => {
      seen.push(new URL(request.url));
      return respond(new URL(request.url));
    },
  });
  return { api: { client, connection }, seen };
}

async function collect<T>(lines: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const line of lines) out.push(line);
  return out;
}

test('lines with their timestamps; the request carries follow, tail, attempt and timestamps=true', async () => {
  const { api, seen } = apiAnswering(() => new Response('2026-01-02T03:04:05.678Z first line\n2026-01-02T03:04:06.000Z second  with  spaces\n', {
    status: 200, headers: { 'content-type': 'text/plain; charset=utf-8' },
  }));
  const lines = await collect(apiLogLines(api, { namespace: 'prod', run: 'etl-1', follow: true, tailLines: 5, attempt: 2 }));
  assert.deepEqual(lines, [
    { timestamp: Date.parse('2026-01-02T03:04:05.678Z'), message: 'first line' },
    { timestamp: Date.parse('2026-01-02T03:04:06.000Z'), message: 'second  with  spaces' },
  ]);
  assert.equal(seen[0].pathname, '/apis/longshore.dev/v1alpha1/namespaces/prod/runs/etl-1/log');
  assert.deepEqual(Object.fromEntries(seen[0].searchParams), { follow: 'true', timestamps: 'true', tailLines: '5', attempt: '2' });
});

const status = (code: number, reason: string, message: string) => new Response(JSON.stringify({
  apiVersion: 'v1', kind: 'Status', metadata: {}, status: 'Failure', message, reason, code,
}), { status: code, headers: { 'content-type': 'application/json' } });

test('a missing run is the direct mode\'s NotFoundError; other Status answers keep their message', async () => {
  const missing = apiAnswering(() => status(404, 'NotFound', 'Run "gone" not found'));
  await assert.rejects(collect(apiLogLines(missing.api, { namespace: 'prod', run: 'gone', follow: false })), (e: unknown) => e instanceof NotFoundError && e.message === 'Run "gone" not found');
  const unavailable = apiAnswering(() => status(503, 'ServiceUnavailable', 'CloudWatch Logs could not serve run r attempt 1: GetLogEvents failed with ServiceUnavailableException'));
  await assert.rejects(collect(apiLogLines(unavailable.api, { namespace: 'prod', run: 'r', follow: false })), /^Error: the API answered 503: CloudWatch Logs could not serve run r attempt 1: GetLogEvents failed with ServiceUnavailableException$/);
  const throttled = apiAnswering(() => {
    const answer = status(429, 'TooManyRequests', 'CloudWatch Logs is throttling reads');
    answer.headers.set('retry-after', '5');
    return answer;
  });
  await assert.rejects(collect(apiLogLines(throttled.api, { namespace: 'prod', run: 'r', follow: false })), /^Error: too many requests: CloudWatch Logs is throttling reads \(retry after 5s\)$/);
});

test('a body that breaks off after its first line: that line, then a one-line failure (exit 1), not a clean end', async () => {
  const encoder = new TextEncoder();
  let pulls = 0;
  const { api } = apiAnswering(() => new Response(new ReadableStream<Uint8Array>({
    // As fetch reports a connection closed inside a chunked body: the bytes that came, then `terminated`.
    pull(controller) {
      if (pulls++ === 0) controller.enqueue(encoder.encode('2026-01-02T03:04:05.678Z first line\n2026-01-02T03:04:06'));
      else controller.error(Object.assign(new TypeError('terminated'), { cause: new Error('other side closed') }));
    },
  }), { status: 200, headers: { 'content-type': 'text/plain; charset=utf-8' } }));
  const seen: string[] = [];
  await assert.rejects(async () => {
    for await (const line of apiLogLines(api, { namespace: 'prod', run: 'r', follow: true })) seen.push(line.message);
  }, (e: unknown) => e instanceof Error && e.message === 'the log stream broke off before the log ended (terminated: other side closed): '
    + 'the API server could not read further (its log says why), shut down, or the connection was lost');
  assert.deepEqual(seen, ['first line'], 'the partial last line is not printed as a line');
});

test('the caller\'s own abort (ctrl-c) ends the lines quietly', async () => {
  const abort = new AbortController();
  const { api } = apiAnswering(() => new Response(new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(new TextEncoder().encode('2026-01-02T03:04:05.678Z first line\n'));
      abort.signal.addEventListener('abort', () => controller.error(new DOMException('aborted', 'AbortError')));
    },
  }), { status: 200 }));
  const seen: string[] = [];
  for await (const line of apiLogLines(api, { namespace: 'prod', run: 'r', follow: true }, abort.signal)) {
    seen.push(line.message);
    abort.abort();
  }
  assert.deepEqual(seen, ['first line']);
});
