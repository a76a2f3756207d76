/**
 * A redis-server of the benchmark's own on a free port, started and stopped by it: INFO commandstats then
 * counts the replicas' commands alone, never another user's of a shared Redis (other jobs on the machine,
 * the test suite). No persistence, noeviction as Longshore requires.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { Redis } from 'ioredis';
import { freePort } from '../replicas.js';

export interface DedicatedRedis {
  url: string;
  port: number;
  stop(): Promise<void>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function startDedicatedRedis(binary = process.env.LONGSHORE_BENCH_REDIS_SERVER ?? 'redis-server'): Promise<DedicatedRedis> {
  const port = await freePort();
  const child = spawn(binary, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no',
    '--maxmemory-policy', 'noeviction', '--loglevel', 'warning'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = once(child, 'exit');
  const spawnError = once(child, 'error').then(([error]) => error as Error);
  const url = `redis://127.0.0.1:${port}`;
  const deadline = Date.now() + 10_000;
  for (;;) {
    const failed = await Promise.race([spawnError, sleep(100).then(() => undefined)]);
    if (failed !== undefined) throw new Error(`cannot start ${binary} (${failed.message}); install redis-server (scripts/ensure-redis.sh does)`);
    if (child.exitCode !== null) throw new Error(`${binary} exited with ${child.exitCode}: ${stderr.trim()}`);
    const probe = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    const ok = await probe.connect().then(() => probe.ping()).then((reply) => reply === 'PONG', () => false);
    probe.disconnect();
    if (ok) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${binary} did not answer on port ${port} within 10 s: ${stderr.trim()}`);
    }
  }
  return {
    url,
    port,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** `cmdstat_get:calls=12,usec=…` lines of INFO commandstats → calls per command (lower-case names). */
export function parseCommandStats(info: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const match of info.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) out[match[1]] = Number(match[2]);
  return out;
}

/** after − before per command, zeros left out. */
export function commandDelta(before: Record<string, number>, after: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [name, calls] of Object.entries(after)) {
    const delta = calls - (before[name] ?? 0);
    if (delta > 0) out[name] = delta;
  }
  return out;
}
