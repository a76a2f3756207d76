/**
 * runs/{name}/log: the run's container output as text/plain lines from the injected RunLogSource
 * (CloudWatch Logs in production). The source checks the request when it is first read, so the first
 * line (or the end) is awaited before the headers, and a RunLogError becomes its Status. A source still
 * silent after HEADER_WAIT_MS (following a quiet task) gets the headers sent so the client sees the
 * stream open; an error after that ends the stream. Client disconnect aborts the source.
 */
import type { RunLogLine } from '../../logs/types.js';
import type { HandlerResult, RequestContext } from '../context.js';
import { boolParam, intParam } from '../query.js';
import { knownError } from '../status.js';

const HEADER_WAIT_MS = 1000;

export async function runLog(ctx: RequestContext): Promise<HandlerResult> {
  const { namespace, name } = ctx.params;
  const query = ctx.url.searchParams;
  const follow = boolParam(query, 'follow');
  const timestamps = boolParam(query, 'timestamps');
  const tailLines = intParam(query, 'tailLines', 0, 1_000_000);
  const attempt = intParam(query, 'attempt', 1, 1_000_000);
  const aborted = new AbortController();
  const stop = () => aborted.abort();
  ctx.signal.addEventListener('abort', stop, { once: true });
  const request = { namespace, run: name, follow, ...(tailLines !== undefined ? { tailLines } : {}), ...(attempt !== undefined ? { attempt } : {}) };
  const iterator = ctx.deps.logSource.open(request, aborted.signal)[Symbol.asyncIterator]();
  const { res } = ctx;
  const format = (line: RunLogLine) => `${timestamps ? `${new Date(line.timestamp).toISOString()} ` : ''}${line.message.replace(/\n$/, '')}\n`;
  const sendHeaders = () => {
    if (res.headersSent) return;
    res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' });
    res.flushHeaders();
  };
  try {
    let timer: NodeJS.Timeout | undefined;
    let settled = false;
    const first = iterator.next();
    // Errors before any line answer as a Status (the caller's catch); the timer only opens a quiet stream.
    await Promise.race([first.then(() => (settled = true)), new Promise<void>((resolve) => (timer = setTimeout(resolve, HEADER_WAIT_MS)))])
      .finally(() => clearTimeout(timer));
    if (!settled) sendHeaders();
    let next = first;
    for (;;) {
      const result = await next;
      sendHeaders();
      if (result.done || aborted.signal.aborted) break;
      if (!res.write(format(result.value))) await new Promise<void>((resolve) => res.once('drain', resolve).once('close', resolve));
      next = iterator.next();
    }
    res.end();
  } catch (error) {
    if (!res.headersSent) throw error;
    // Mid-stream: the status line is gone; end the stream and say why in the server's log.
    if (!aborted.signal.aborted) ctx.deps.logger.warn({ err: knownError(error)?.message ?? error, namespace, run: name }, 'log stream ended by an error');
    res.end();
  } finally {
    ctx.signal.removeEventListener('abort', stop);
    aborted.abort();
    // Not awaited: a source ends on the abort; its own cleanup must not hold the response.
    void iterator.return?.()?.catch(() => undefined);
  }
  return 'streamed';
}
