/** bodyLines: a streamed body as lines, whatever the chunking, and the readers' early exit closes the body. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bodyLines } from '../src/lines.js';

function streamOf(chunks: string[], onCancel?: () => void): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  let i = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (i < chunks.length) controller.enqueue(encoder.encode(chunks[i++]));
      else controller.close();
    },
    cancel: () => onCancel?.(),
  });
}

async function collect(stream: ReadableStream<Uint8Array>): Promise<string[]> {
  const lines: string[] = [];
  for await (const line of bodyLines(stream)) lines.push(line);
  return lines;
}

test('lines split across chunks, CRLF, an empty line and a last line without newline', async () => {
  assert.deepEqual(await collect(streamOf(['{"a":', '1}\n{"b"', ':2}\r\n\nlast'])), ['{"a":1}', '{"b":2}', '', 'last']);
});

test('a multi-byte character split between chunks is decoded whole', async () => {
  const bytes = new TextEncoder().encode('héllo\n');
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(bytes.slice(0, 2));
      controller.enqueue(bytes.slice(2));
      controller.close();
    },
  });
  assert.deepEqual(await collect(stream), ['héllo']);
});

test('a consumer that stops early cancels the body (the connection closes)', async () => {
  let cancelled = false;
  for await (const line of bodyLines(streamOf(['one\ntwo\n', 'three\n'], () => (cancelled = true)))) {
    assert.equal(line, 'one');
    break;
  }
  assert.equal(cancelled, true);
});

test('no body: no lines', async () => {
  assert.deepEqual(await collect(null as unknown as ReadableStream<Uint8Array>), []);
});
