/**
 * A TCP proxy in front of the test Redis that a test can make misbehave, to play an outage:
 * - `open`: bytes flow both ways;
 * - `mute`: connections stay up but nothing flows (a partition, a paused server); bytes wait in the socket
 *   buffers and flow on once the proxy opens again, so no reply is lost or mismatched;
 * - `down`: every connection is dropped and new ones are closed at once (Redis gone).
 */
import { connect, createServer, Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

export type ProxyMode = 'open' | 'mute' | 'down';

export interface RedisProxy {
  url: string;
  mode(): ProxyMode;
  /** Connections turned away while `down` so far: how hard clients keep trying. */
  refused(): number;
  setMode(mode: ProxyMode): void;
  close(): Promise<void>;
}

interface Pair {
  client: Socket;
  upstream: Socket;
}

export async function startRedisProxy(upstreamUrl: string): Promise<RedisProxy> {
  const target = new URL(upstreamUrl);
  const upstreamAddress = { host: target.hostname || '127.0.0.1', port: target.port ? Number(target.port) : 6379 };
  const pairs = new Set<Pair>();
  let mode: ProxyMode = 'open';
  let refused = 0;

  const drop = (pair: Pair) => {
    pair.client.destroy();
    pair.upstream.destroy();
    pairs.delete(pair);
  };
  const flow = (pair: Pair, on: boolean) => {
    for (const socket of [pair.client, pair.upstream]) {
      if (on) socket.resume();
      else socket.pause();
    }
  };

  const server = createServer((client) => {
    if (mode === 'down') {
      refused += 1;
      client.destroy();
      return;
    }
    const upstream = connect(upstreamAddress);
    const pair: Pair = { client, upstream };
    pairs.add(pair);
    // Plain 'data' forwarding rather than pipe(), so pause() alone decides whether bytes flow.
    client.on('data', (chunk: Buffer) => upstream.write(chunk));
    upstream.on('data', (chunk: Buffer) => client.write(chunk));
    for (const socket of [client, upstream]) {
      socket.on('error', () => drop(pair));
      socket.on('close', () => drop(pair));
    }
    if (mode === 'mute') flow(pair, false);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `redis://127.0.0.1:${port}`,
    mode: () => mode,
    refused: () => refused,
    setMode(next) {
      mode = next;
      for (const pair of [...pairs]) {
        if (next === 'down') drop(pair);
        else flow(pair, next === 'open');
      }
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const pair of [...pairs]) drop(pair);
        server.close(() => resolve());
      }),
  };
}
