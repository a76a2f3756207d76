/**
 * Serves protocol handlers on the simulator's own HTTP server (127.0.0.1, port 0), so handler tests can use
 * the real AWS SDK clients before (and independently of) the full simulator, with requests read exactly as
 * the simulator reads them. The inspection routes answer nothing of interest here.
 */
import { startServer } from '../../server.js';
import type { ProtocolHandler } from '../../wire.js';

export interface MountedHandlers {
  /** http://127.0.0.1:<port> */
  endpoint: string;
  close(): Promise<void>;
}

export async function mountHandlers(handlers: ProtocolHandler[]): Promise<MountedHandlers> {
  const server = await startServer({ host: '127.0.0.1', port: 0 }, () => handlers, { audit: () => [], reset: () => undefined });
  return { endpoint: server.url, close: () => server.close() };
}
