/**
 * The benchmark end to end at a small size: it runs as a user runs it (a separate process, the built
 * entry point under dist, or the TypeScript source through tsx), exits 0, writes both report files, and
 * the report's numbers agree with each other and with the workload it was asked for.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { kindCounts, DEFAULT_MIX } from '../../cmd/bench/workload.js';
import type { BenchReport } from '../../cmd/bench/run-bench.js';

const RUNS = 40;
const DEFINITIONS = 3;
const TIME_SCALE = 20;

function benchCommand(): { args: string[]; cwd: string } {
  const self = fileURLToPath(import.meta.url);
  if (self.endsWith('.ts')) {
    return { args: ['--import', 'tsx', fileURLToPath(new URL('../../cmd/bench.ts', import.meta.url))], cwd: fileURLToPath(new URL('../..', import.meta.url)) };
  }
  return { args: [fileURLToPath(new URL('../../cmd/bench.js', import.meta.url))], cwd: fileURLToPath(new URL('../../..', import.meta.url)) };
}

describe('npm run bench', () => {
  let dir: string;
  let exitCode: number | null;
  let stdout = '';
  let stderr = '';
  let report: BenchReport & { command: string };
  let markdown: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'longshore-bench-test-'));
    const { args, cwd } = benchCommand();
    const child = spawn(process.execPath, [...args, '--runs', String(RUNS), '--definitions', String(DEFINITIONS), '--time-scale', String(TIME_SCALE),
      '--scenario', 'quick', '--run-seconds', '2', '--seed', '7', '--deadline-seconds', '60', '--out', join(dir, 'small')], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    await once(child, 'exit');
    exitCode = child.exitCode;
    report = JSON.parse(readFileSync(join(dir, 'small.json'), 'utf8')) as BenchReport & { command: string };
    markdown = readFileSync(join(dir, 'small.md'), 'utf8');
  });
  after(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  test('exits 0, prints the Markdown it wrote, and records its options', () => {
    assert.equal(exitCode, 0, stderr);
    assert.equal(report.passed, true, report.failures.join('\n'));
    assert.deepEqual(report.failures, []);
    assert.equal(stdout, markdown, 'stdout is the Markdown report');
    assert.match(markdown, /^# Longshore benchmark/);
    assert.match(markdown, /\*\*Result: passed\*\*/);
    assert.equal(report.options.runs, RUNS);
    assert.equal(report.options.definitions, DEFINITIONS);
    assert.equal(report.options.timeScale, TIME_SCALE);
    assert.equal(report.options.seed, 7);
    assert.match(report.command, /^npm run bench -- --runs 40 /);
  });

  test('runs by outcome and by kind add up to the runs submitted, each kind with its expected outcome', () => {
    const { runs } = report.figures;
    assert.equal(runs.total, RUNS);
    assert.equal(runs.stopped, RUNS);
    assert.equal(Object.values(runs.byOutcome).reduce((a, b) => a + b, 0), RUNS);
    const expected = kindCounts(RUNS, DEFAULT_MIX);
    for (const [kind, count] of Object.entries(expected)) {
      assert.equal(Object.values(runs.byKind[kind] ?? {}).reduce((a, b) => a + b, 0), count, `runs of kind ${kind}`);
    }
    assert.equal(runs.byOutcome.failed, expected.fail);
    assert.equal(runs.byOutcome.succeeded, RUNS - expected.fail);
    assert.deepEqual(runs.unexpected, []);
    assert.deepEqual(runs.notTerminal, []);
  });

  test('API economy: one registration per definition, one RunTask and one task per attempt', () => {
    const { api, runs } = report.figures;
    assert.equal(api.registerTaskDefinitionOk, DEFINITIONS);
    assert.equal(api.distinctDefinitions, DEFINITIONS);
    assert.equal(api.runTaskOk, api.attempts);
    assert.equal(api.tasksLaunched, api.attempts);
    assert.equal(api.runTaskPerAttempt, 1);
    // Spot and start-retry runs take a second attempt; every other run one.
    const expected = kindCounts(RUNS, DEFAULT_MIX);
    assert.equal(api.attempts, runs.total + expected.spot + expected['start-retry']);
    assert.equal(api.callsByAction.RunTask?.ok, api.runTaskOk);
    assert.ok((api.callsByAction.DescribeTasks?.ok ?? 0) > 0, 'tasks were observed by DescribeTasks');
    assert.equal(report.figures.throughput.firstLaunches, RUNS);
    assert.equal(report.figures.throughput.retryLaunches, api.attempts - RUNS);
  });

  test('latencies are ordered and simulated seconds are real seconds times the scale', () => {
    const l = report.figures.latency;
    assert.ok(l.submitToFirstRunning && l.submitToAllRunning && l.submitToAllStopped);
    assert.equal(l.submitToRunningPerRun.count, RUNS);
    const p = l.submitToRunningPerRun;
    assert.ok(p.p50.real <= p.p95.real && p.p95.real <= p.max.real);
    assert.ok(l.submitToFirstRunning.real <= l.submitToAllRunning.real && l.submitToAllRunning.real <= l.submitToAllStopped.real);
    for (const s of [l.submitToFirstRunning, l.submitToAllRunning, l.submitToAllStopped, p.p50, p.max]) {
      assert.ok(Math.abs(s.simulated - s.real * TIME_SCALE) < 0.05, `${s.simulated} = ${s.real} × ${TIME_SCALE}`);
    }
  });

  test('throttles reached no run, memory was measured, and the namespace was cleaned', async () => {
    const { throttles, replicas } = report.figures;
    assert.deepEqual(throttles.runsReachedByThrottle, []);
    assert.equal(replicas.length, 2);
    for (const r of replicas) assert.ok((r.peakRssBytes ?? 0) > 10 * 1048576, `${r.name} peak RSS measured`);
    assert.ok(report.memory.namespaceAtEnd.keys > RUNS, 'the run records were in Redis at the end');
    const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
    try {
      const left: string[] = [];
      let cursor = '0';
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', `longshore:{${report.namespace}}:*`, 'COUNT', 1000);
        cursor = next;
        left.push(...keys);
      } while (cursor !== '0');
      assert.deepEqual(left, [], 'no keys left behind');
    } finally {
      await redis.quit();
    }
  });
});
