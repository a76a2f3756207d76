/**
 * Readings the demo and the benchmark take from outside the processes they watch: Prometheus text from a replica's
 * /metrics, /proc/<pid>/status and /proc/<pid>/stat, Redis INFO memory and MEMORY USAGE. Parsers are pure.
 */
import { readFile } from 'node:fs/promises';
import { scanBatches, serverNodes, type RedisClient } from '../controller/redis.js';

/** Sum of every sample of a metric (all label sets, or those whose labels contain `labelFragment`). */
export function sumMetric(text: string, name: string, labelFragment = ''): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!(line.startsWith(`${name}{`) || line.startsWith(`${name} `))) continue;
    if (!line.includes(labelFragment)) continue;
    const value = Number(line.slice(line.lastIndexOf(' ') + 1));
    if (Number.isFinite(value)) sum += value;
  }
  return sum;
}

/** One metric's samples keyed by the value of one label (e.g. throttles by action), zeros left out. */
export function metricByLabel(text: string, name: string, label: string): Record<string, number> {
  const out: Record<string, number> = {};
  const pattern = new RegExp(`${label}="([^"]*)"`);
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`)) continue;
    const key = pattern.exec(line)?.[1];
    const value = Number(line.slice(line.lastIndexOf(' ') + 1));
    if (key !== undefined && Number.isFinite(value) && value !== 0) out[key] = (out[key] ?? 0) + value;
  }
  return out;
}

export async function fetchMetrics(port: number): Promise<string> {
  return fetch(`http://127.0.0.1:${port}/metrics`).then((r) => r.text(), () => '');
}

/** `VmHWM:   123456 kB` → bytes; undefined when the field is missing. */
export function parseStatusKb(status: string, field: string): number | undefined {
  const match = new RegExp(`^${field}:\\s+(\\d+)\\s+kB`, 'm').exec(status);
  return match ? Number(match[1]) * 1024 : undefined;
}

/** Peak and current resident memory of a live process (Linux), in bytes. */
export async function processMemory(pid: number): Promise<{ peakRssBytes?: number; rssBytes?: number }> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
  return { peakRssBytes: parseStatusKb(status, 'VmHWM'), rssBytes: parseStatusKb(status, 'VmRSS') };
}

/** User + system CPU seconds from /proc/<pid>/stat (fields 14 and 15, in clock ticks of 1/100 s). */
export function parseStatCpuSeconds(stat: string): number | undefined {
  // The command name (field 2) may hold spaces; fields are counted after its closing parenthesis.
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utime = Number(rest[11]);
  const stime = Number(rest[12]);
  return Number.isFinite(utime) && Number.isFinite(stime) ? (utime + stime) / 100 : undefined;
}

export async function processCpuSeconds(pid: number): Promise<number | undefined> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
  return stat === '' ? undefined : parseStatCpuSeconds(stat);
}

/** `used_memory:1234` lines of INFO memory → the number. */
export function parseInfoField(info: string, field: string): number | undefined {
  const match = new RegExp(`^${field}:(\\d+)`, 'm').exec(info);
  return match ? Number(match[1]) : undefined;
}

/** used_memory summed over the node, or over every master of a cluster. */
export async function redisUsedMemory(redis: RedisClient): Promise<number> {
  let total = 0;
  for (const node of serverNodes(redis)) total += parseInfoField(await node.info('memory'), 'used_memory') ?? 0;
  return total;
}

/** Keys and bytes (MEMORY USAGE) under one SCAN pattern: what this installation alone holds in Redis. */
export async function keyspaceMemory(client: RedisClient, pattern: string): Promise<{ keys: number; bytes: number }> {
  let keys = 0;
  let bytes = 0;
  // A namespace lives on one master of a cluster; scanBatches walks them all.
  for await (const { node, keys: found } of scanBatches(client, pattern)) {
    const pipeline = node.pipeline();
    for (const key of found) pipeline.memory('USAGE', key);
    const results = (await pipeline.exec()) ?? [];
    keys += found.length;
    for (const [error, value] of results) if (error === null && typeof value === 'number') bytes += value;
  }
  return { keys, bytes };
}

export async function deleteKeys(client: RedisClient, pattern: string): Promise<number> {
  let removed = 0;
  for await (const { node, keys } of scanBatches(client, pattern)) removed += await node.unlink(...keys);
  return removed;
}
