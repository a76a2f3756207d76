#!/usr/bin/env node
/**
 * `node dist/cmd/bench-counts.js [--runs 20000]`: what runsummary's counts cost at tens of thousands of runs
 * (controller/store/counts.ts). Seeds a throwaway namespace in REDIS_URL with that many runs over four pools
 * (90 % stopped with mixed outcomes, the rest spread over the live phases, three label values), then times
 * each kind of count (median and max of 25, as the client sees it, round trip included) and removes the
 * namespace. Printed as JSON.
 */
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { Command, InvalidArgumentError } from 'commander';
import { Redis } from 'ioredis';
import { OUTCOMES, type RunStatus } from '../controller/api/index.js';
import { ResourceStore, type RunCountFilter } from '../controller/store/index.js';

const program = new Command('bench-counts')
  .description('time run counts by phase and outcome against a seeded namespace')
  .option('--runs <n>', 'runs to seed', (text) => {
    const value = Number(text);
    if (!Number.isInteger(value) || value < 100) throw new InvalidArgumentError(`--runs: expected an integer >= 100, got "${text}"`);
    return value;
  }, 20_000);
program.parse();
const { runs } = program.opts<{ runs: number }>();

const redis = new Redis(process.env.REDIS_URL || 'redis://127.0.0.1:6379');
const namespace = `bench-counts-${randomUUID().slice(0, 8)}`;
const store = new ResourceStore(redis, { namespace });
const V = 'longshore.dev/v1alpha1';
const POOLS = ['etl', 'ml', 'web', 'batch'];
const LIVE: Array<RunStatus['phase']> = ['pending', 'taskdef-resolved', 'submitted', 'running'];

try {
  const seedStart = performance.now();
  await store.submit(POOLS.map((name) => ({ apiVersion: V, kind: 'Pool', metadata: { name }, spec: { taskDefinition: {} } })));
  const name = (i: number) => `run-${String(i).padStart(6, '0')}`;
  for (let from = 0; from < runs; from += 500) {
    const batch = [];
    for (let i = from; i < Math.min(runs, from + 500); i += 1) batch.push({ apiVersion: V, kind: 'Run', metadata: { name: name(i), labels: { team: ['a', 'b', 'c'][i % 3] } }, spec: { pool: POOLS[i % POOLS.length] } });
    await store.submit(batch);
  }
  for (let from = 0; from < runs; from += 200) {
    await Promise.all(Array.from({ length: Math.min(200, runs - from) }, async (_, k) => {
      const i = from + k;
      const current = (await store.getRun(name(i)))!;
      const stopped = i % 10 !== 0;
      const status: RunStatus = stopped
        ? { ...current.status, phase: 'stopped', outcome: OUTCOMES[i % OUTCOMES.length] }
        : { ...current.status, phase: LIVE[(i / 10) % LIVE.length] };
      if (status.phase !== 'pending') await store.updateRunStatus(name(i), { status }, current.metadata.resourceVersion);
    }));
  }
  await store.indexOutcomes();
  const seedSeconds = (performance.now() - seedStart) / 1000;

  const cases: Array<[string, RunCountFilter]> = [
    ['no filter (ZCARD per phase and outcome)', {}],
    ['status.outcome=failed', { outcome: 'failed' }],
    ['spec.pool=etl (ZINTERSTORE per phase and outcome)', { pool: 'etl' }],
    ['spec.pool=etl,status.phase=running', { pool: 'etl', phase: 'running' }],
    ['labelSelector=team=a (reads every record)', { labelSelector: 'team=a' }],
    ['spec.pool=etl + labelSelector=team=a (reads the pool\'s records)', { pool: 'etl', labelSelector: 'team=a' }],
  ];
  const results = [];
  for (const [label, filter] of cases) {
    const times: number[] = [];
    let total = 0;
    for (let i = 0; i < 25; i += 1) {
      const start = performance.now();
      total = (await store.countRuns(filter)).total;
      times.push(performance.now() - start);
    }
    times.sort((a, b) => a - b);
    results.push({ count: label, matching: total, medianMs: Number(times[12].toFixed(2)), maxMs: Number(times[24].toFixed(2)) });
  }
  process.stdout.write(`${JSON.stringify({ runs, seedSeconds: Number(seedSeconds.toFixed(1)), results }, null, 2)}\n`);
} finally {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', store.keyspace.pattern, 'COUNT', 1000);
    if (keys.length > 0) await redis.unlink(...keys);
    cursor = next;
  } while (cursor !== '0');
  await redis.quit();
}
