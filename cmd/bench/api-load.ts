/**
 * The API load check: one `longshore api` process (the real binary, a fresh namespace), N concurrent
 * watchers on the namespace's runs, and run creates at a steady rate through POST. Measures what the
 * creates got (codes, latency), what each watcher received (every ADDED, and the time from the create's
 * request to the event's arrival), and the API process's CPU and memory (its own /metrics). No controller
 * runs: runs stay pending, so what is measured is the API and Redis, not launching.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { Redis } from 'ioredis';
import { TokenStore } from '../../controller/server/tokens.js';
import { freePort, inheritedEnv } from '../replicas.js';
import { percentile } from './figures.js';

export interface ApiLoadOptions {
  watchers: number;
  ratePerSecond: number;
  seconds: number;
  redisUrl: string;
  /** Real seconds allowed, after the last create, for every watcher to receive every event. */
  drainSeconds: number;
  progress?: (line: string) => void;
}

export interface ApiLoadReport {
  watchers: number;
  targetRatePerSecond: number;
  creates: { sent: number; byCode: Record<string, number>; achievedPerSecond: number; latencyMs: { p50: number; p95: number; p99: number; max: number } };
  watch: { eventsExpected: number; eventsReceived: number; watchersComplete: number; deliveryMs: { p50: number; p95: number; p99: number; max: number } };
  apiProcess: { cpuSecondsPerSecond: number; residentMemoryMiB: number };
}

const V = 'longshore.dev/v1alpha1';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const summary = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const round = (n: number) => Math.round(n * 10) / 10;
  return { p50: round(percentile(sorted, 50)), p95: round(percentile(sorted, 95)), p99: round(percentile(sorted, 99)), max: round(percentile(sorted, 100)) };
};

export async function runApiLoad(cli: string, options: ApiLoadOptions): Promise<ApiLoadReport> {
  const say = options.progress ?? (() => undefined);
  const namespace = `bench-api-${Date.now().toString(36)}`;
  const redis = new Redis(options.redisUrl);
  const tokens = new TokenStore(redis);
  const { token, info } = await tokens.create({ role: 'operator', namespace, description: 'bench' });
  const port = await freePort();
  const child = spawn(process.execPath, [cli, 'api'], {
    env: { ...inheritedEnv(), REDIS_URL: options.redisUrl, LONGSHORE_API_PORT: String(port), LONGSHORE_LOG_LEVEL: 'warn', LONGSHORE_API_RATE_LIMIT: '100000/100000' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const base = `http://127.0.0.1:${port}`;
  const api = `${base}/apis/longshore.dev/v1alpha1/namespaces/${namespace}`;
  const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
  const aborts: AbortController[] = [];
  try {
    for (let i = 0; ; i += 1) {
      if (await fetch(`${base}/readyz`).then((r) => r.ok, () => false)) break;
      if (i > 300) throw new Error('the API process did not become ready');
      await sleep(100);
    }
    const pool = await fetch(`${api}/pools/bench`, { method: 'PUT', headers, body: JSON.stringify({ apiVersion: V, kind: 'Pool', metadata: { name: 'bench' }, spec: { image: 'busybox', taskDefinition: { networkMode: 'awsvpc' } } }) });
    if (pool.status !== 201) throw new Error(`pool: ${pool.status} ${await pool.text()}`);
    const listed = (await (await fetch(`${api}/runs`, { headers })).json()) as { metadata: { resourceVersion: string } };

    const sentAt = new Map<string, number>();
    const delivery: number[] = [];
    const received = new Array<number>(options.watchers).fill(0);
    const total = Math.round(options.ratePerSecond * options.seconds);
    const watchers = Array.from({ length: options.watchers }, async (_, w) => {
      const abort = new AbortController();
      aborts.push(abort);
      const response = await fetch(`${api}/runs?watch=true&resourceVersion=${listed.metadata.resourceVersion}`, { headers, signal: abort.signal });
      const reader = response.body!.getReader();
      const decoder = new TextDecoder();
      let buffer = '';
      try {
        while (received[w] < total) {
          const { value, done } = await reader.read();
          if (done) break;
          buffer += decoder.decode(value, { stream: true });
          let newline: number;
          while ((newline = buffer.indexOf('\n')) >= 0) {
            const line = buffer.slice(0, newline);
            buffer = buffer.slice(newline + 1);
            // The name is all a latency needs; a full parse per event would measure this client instead.
            const name = /"name":"(bench-\d+)"/.exec(line)?.[1];
            const sent = name !== undefined ? sentAt.get(name) : undefined;
            if (line.startsWith('{"type":"ADDED"') && sent !== undefined) {
              received[w] += 1;
              delivery.push(performance.now() - sent);
            }
          }
        }
      } catch {
        // aborted at the end
      }
    });
    await sleep(500);
    say(`${options.watchers} watchers open; creating ${total} runs at ${options.ratePerSecond}/s`);

    const cpuBefore = await processCpu(base);
    const started = performance.now();
    const byCode: Record<string, number> = {};
    const latency: number[] = [];
    const creates: Array<Promise<void>> = [];
    for (let i = 0; i < total; i += 1) {
      const due = started + (i * 1000) / options.ratePerSecond;
      const wait = due - performance.now();
      if (wait > 1) await sleep(wait);
      const name = `bench-${i}`;
      const at = performance.now();
      sentAt.set(name, at);
      creates.push(
        fetch(`${api}/runs`, { method: 'POST', headers, body: JSON.stringify({ apiVersion: V, kind: 'Run', metadata: { name }, spec: { pool: 'bench', env: { I: String(i) } } }) })
          .then(async (r) => {
            await r.arrayBuffer();
            byCode[r.status] = (byCode[r.status] ?? 0) + 1;
            latency.push(performance.now() - at);
          }, (error: unknown) => {
            const cause = error instanceof Error ? String((error.cause as Error | undefined)?.message ?? error.message) : String(error);
            const key = `error: ${cause.slice(0, 60)}`;
            byCode[key] = (byCode[key] ?? 0) + 1;
          }),
      );
    }
    await Promise.all(creates);
    const elapsed = (performance.now() - started) / 1000;
    const cpuAfter = await processCpu(base);
    say(`creates done in ${elapsed.toFixed(1)} s; waiting for the watchers`);
    const drainDeadline = performance.now() + options.drainSeconds * 1000;
    while (received.some((n) => n < total) && performance.now() < drainDeadline) await sleep(100);
    for (const abort of aborts) abort.abort();
    await Promise.allSettled(watchers);
    return {
      watchers: options.watchers,
      targetRatePerSecond: options.ratePerSecond,
      creates: { sent: total, byCode, achievedPerSecond: Math.round((total / elapsed) * 10) / 10, latencyMs: summary(latency) },
      watch: {
        eventsExpected: total * options.watchers,
        eventsReceived: received.reduce((a, b) => a + b, 0),
        watchersComplete: received.filter((n) => n === total).length,
        deliveryMs: summary(delivery),
      },
      apiProcess: { cpuSecondsPerSecond: Math.round(((cpuAfter.cpu - cpuBefore.cpu) / elapsed) * 100) / 100, residentMemoryMiB: Math.round(cpuAfter.rss / 1048576) },
    };
  } finally {
    for (const abort of aborts) abort.abort();
    if (child.exitCode === null) {
      child.kill('SIGTERM');
      await once(child, 'exit');
    }
    await tokens.revoke(info.id);
    const keys = await redis.keys(`longshore:{${namespace}}:*`);
    if (keys.length > 0) await redis.unlink(...keys);
    await redis.quit();
  }
}

async function processCpu(base: string): Promise<{ cpu: number; rss: number }> {
  const text = await (await fetch(`${base}/metrics`)).text();
  const value = (name: string) => Number(new RegExp(`^${name} ([0-9.e+-]+)$`, 'm').exec(text)?.[1] ?? Number.NaN);
  return { cpu: value('longshore_process_cpu_seconds_total'), rss: value('longshore_process_resident_memory_bytes') };
}
