/**
 * runs/{name}/log: the run's container output as text/plain lines from the injected RunLogSource
 * (CloudWatch Logs in production). The source checks the request when it is first read, so the first
 * line (or the end) is awaited before the headers, and a RunLogError becomes its Status. A source still
 * silent after HEADER_WAIT_MS (following a quiet task) gets the headers sent so the client sees the
 * stream open. After that the status line is gone, so a failure (an error from the source, or the server
 * shutting down mid-follow) breaks the response off: the chunked body never gets its last chunk, which
 * every HTTP client reports as an incomplete body (RFC 9112 §7.1; fetch rejects the read). A clean end
 * always means the log was read to its end. Client disconnect aborts the source.
 */
import type { ServerResponse } from 'node:http';
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
      if (aborted.signal.aborted) {
        // The client went away (nothing to tell) or the server is shutting down: the log did not end, so
        // the client must not read this as its end.
        breakOff(res);
        break;
      }
      if (result.done) {
        res.end();
        break;
      }
      if (!res.write(format(result.value))) await new Promise<void>((resolve) => res.once('drain', resolve).once('close', resolve));
      next = iterator.next();
    }
  } catch (error) {
    if (!res.headersSent) throw error;
    // Mid-stream: the status line is gone. The reason goes to the server's log; the client learns that the
    // log is incomplete from the broken body (its CLI exits 1, as direct mode does on the same error).
    if (!aborted.signal.aborted) ctx.deps.logger.warn({ err: knownError(error)?.message ?? error, namespace, run: name }, 'log stream broken off by an error');
    breakOff(res);
  } finally {
    ctx.signal.removeEventListener('abort', stop);
    aborted.abort();
    // Not awaited: a source ends on the abort; its own cleanup must not hold the response.
    void iterator.return?.()?.catch(() => undefined);
  }
  return 'streamed';
}

/** How long a broken-off connection may stay half-open (the client has not closed its side) before it is destroyed. */
const BREAK_OFF_CLOSE_MS = 5000;

/**
 * Ends the connection without the chunked body's terminating chunk, so the client sees an incomplete body
 * rather than the log's end. `end()` on the socket sends the lines already written first (destroying it
 * at once could drop them); the connection cannot be reused, so it is closed.
 */
export function breakOff(res: ServerResponse): void {
  const socket = res.socket;
  if (socket === null || socket.destroyed) return;
  // A write corks the response for the rest of the tick. Node 26 keeps those bytes in the response itself
  // until it uncorks (Node 20 had already passed them to the socket), so ending the socket now would drop
  // the last lines before the break: hand them over first.
  while (res.writableCorked > 0) res.uncork();
  socket.end();
  const timer = setTimeout(() => socket.destroy(), BREAK_OFF_CLOSE_MS).unref();
  socket.once('close', () => clearTimeout(timer));
}
