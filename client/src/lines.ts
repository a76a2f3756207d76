/**
 * A response body as lines: the watch stream is newline-delimited JSON and the log is text, both open-ended,
 * so they are read incrementally (never `response.text()`, which waits for the end that a follow may
 * never reach). A final line without a newline is still a line.
 */
export async function* bodyLines(body: ReadableStream<Uint8Array> | null): AsyncGenerator<string> {
  if (body === null) return;
  const decoder = new TextDecoder();
  const reader = body.getReader();
  let pending = '';
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      pending += decoder.decode(value, { stream: true });
      let newline = pending.indexOf('\n');
      while (newline >= 0) {
        yield pending.slice(0, newline).replace(/\r$/, '');
        pending = pending.slice(newline + 1);
        newline = pending.indexOf('\n');
      }
    }
    pending += decoder.decode();
    if (pending !== '') yield pending;
  } finally {
    // An early `break` by the consumer (or an error) cancels the request body, closing the connection.
    await reader.cancel().catch(() => undefined);
    reader.releaseLock();
  }
}
