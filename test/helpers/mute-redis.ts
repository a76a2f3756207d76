/**
 * A "Redis" that accepts connections and never answers: what a hung server, a paused container or a
 * wrong port behind a load balancer looks like to a client. For tests of timeouts.
 */
import { createServer, Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

export interface MuteServer {
  url: string;
  /** Connections accepted so far (a client that never connected proves nothing). */
  accepted(): number;
  close(): Promise<void>;
}

export async function startMuteServer(): Promise<MuteServer> {
  const sockets = new Set<Socket>();
  let accepted = 0;
  const server = createServer((socket) => {
    accepted += 1;
    sockets.add(socket);
    // Read and drop whatever comes, never write.
    socket.on('data', () => undefined);
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `redis://127.0.0.1:${port}`,
    accepted: () => accepted,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
