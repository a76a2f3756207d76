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
import type { ModelReport } from '../../cmd/bench/prefect-model/run-model.js';

const RUNS = 40;
const DEFINITIONS = 3;
const TIME_SCALE = 20;
const CANCEL_RUNS = 6;
const REST_TASKS = 12;

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
  const burst = () => {
    assert.ok(report.burst, 'the burst phase was measured');
    return report.burst;
  };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'longshore-bench-test-'));
    const { args, cwd } = benchCommand();
    const child = spawn(process.execPath, [...args, '--runs', String(RUNS), '--definitions', String(DEFINITIONS), '--time-scale', String(TIME_SCALE),
      '--scenario', 'quick', '--run-seconds', '2', '--seed', '7', '--deadline-seconds', '60',
      '--cancel-runs', String(CANCEL_RUNS), '--rest-tasks', String(REST_TASKS), '--rest-seconds', '2', '--out', join(dir, 'small')], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
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
    const { runs } = burst().figures;
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
    const { api, runs } = burst().figures;
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
    assert.equal(burst().figures.throughput.firstLaunches, RUNS);
    assert.equal(burst().figures.throughput.retryLaunches, api.attempts - RUNS);
  });

  test('latencies are ordered and simulated seconds are real seconds times the scale', () => {
    const l = burst().figures.latency;
    assert.ok(l.submitToFirstRunning && l.submitToAllRunning && l.submitToAllStopped);
    assert.equal(l.submitToRunningPerRun.count, RUNS);
    const p = l.submitToRunningPerRun;
    assert.ok(p.p50.real <= p.p95.real && p.p95.real <= p.max.real);
    assert.ok(l.submitToFirstRunning.real <= l.submitToAllRunning.real && l.submitToAllRunning.real <= l.submitToAllStopped.real);
    for (const s of [l.submitToFirstRunning, l.submitToAllRunning, l.submitToAllStopped, p.p50, p.max]) {
      assert.ok(Math.abs(s.simulated - s.real * TIME_SCALE) < 0.05, `${s.simulated} = ${s.real} × ${TIME_SCALE}`);
    }
  });

  test('throttles reached no run, memory was measured, and the dedicated Redis was stopped', async () => {
    const { throttles, replicas } = burst().figures;
    assert.deepEqual(throttles.runsReachedByThrottle, []);
    assert.equal(replicas.length, 2);
    for (const r of replicas) assert.ok((r.peakRssBytes ?? 0) > 10 * 1048576, `${r.name} peak RSS measured`);
    assert.ok(burst().memory.namespaceAtEnd.keys > RUNS, 'the run records were in Redis at the end');
    assert.equal(report.redis.dedicated, true);
    assert.notEqual(report.redis.url, process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', 'not the shared Redis');
    const redis = new Redis(report.redis.url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    await assert.rejects(redis.connect().then(() => redis.ping()), 'the benchmark stopped its redis-server');
    redis.disconnect();
  });

  test('the headline figures are measured: Redis commands, CPU, memory, cancel and rest phases', () => {
    assert.ok((report.redisCommandsPerRun ?? 0) > 0, 'Redis commands counted');
    assert.ok(report.burst && report.burst.redisCommands.total > 0 && (report.burst.redisCommands.byCommand.evalsha ?? 0) > 0);
    assert.ok((report.controllerCpuMsPerRun ?? 0) > 0, 'controller CPU counted');
    assert.ok((report.peakRssMb ?? 0) > 10);
    // The figures it is computed from go into the message, so a failure in CI says which one was missing.
    const inputs = JSON.stringify({ throughput: report.burst.figures.throughput, latency: report.burst.figures.latency });
    assert.ok(report.efficiency !== null && report.efficiency > 0, `efficiency computed against the bucket: ${report.efficiency} from ${inputs}`);
    assert.ok(report.launchWindowEfficiency !== null && report.launchWindowEfficiency > 0, `launch window efficiency: ${report.launchWindowEfficiency} from ${inputs}`);
    assert.ok(report.cancel, 'cancel phase measured');
    assert.equal(report.cancel.runs, CANCEL_RUNS);
    assert.equal(report.cancel.notStopped, 0, 'every cancelled task received a StopTask');
    assert.equal(report.cancel.stopTaskCalls, CANCEL_RUNS, "one StopTask per cancelled task");
    assert.ok(report.cancelLatencyMs && report.cancelLatencyMs.p50 <= report.cancelLatencyMs.p99);
    assert.ok(report.rest, 'rest phase measured');
    assert.equal(report.rest.tasks, REST_TASKS);
    assert.ok(report.resyncCoresAtRest !== null && report.resyncCoresAtRest >= 0);
    assert.ok(report.describeTasksPerRunMinute !== null);
    assert.equal(report.loadAverage.start.length, 3);
    assert.equal(report.loadAverage.end.length, 3);
  });

});

describe('npm run bench -- --regions 2', () => {
  test('spreads the burst over one pool per Region, each launching and registering in its own Region', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'longshore-bench-test-'));
    try {
      const { args, cwd } = benchCommand();
      const child = spawn(process.execPath, [...args, '--runs', '16', '--definitions', '2', '--replicas', '1', '--regions', '2', '--time-scale', '20',
        '--scenario', 'quick', '--run-seconds', '1', '--mix', 'succeed=1', '--deadline-seconds', '60', '--quiet', '--out', join(dir, 'g')],
      { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      child.stdout.resume();
      await once(child, 'exit');
      assert.equal(child.exitCode, 0, stderr);
      const json = JSON.parse(readFileSync(join(dir, 'g.json'), 'utf8')) as BenchReport;
      const f = json.burst?.figures;
      assert.ok(f, 'the burst phase was measured');
      assert.equal(json.options.regions, 2);
      assert.equal(json.regions, 2);
      assert.deepEqual(Object.fromEntries(Object.entries(f.throughput.byRegion).map(([r, x]) => [r, x.firstLaunches])), { 'eu-west-1': 8, 'us-east-1': 8 });
      assert.equal(f.runs.total, 16);
      assert.deepEqual(f.runs.unexpected, []);
      assert.equal(f.api.tasksLaunched, 16);
      // Task definitions are per account and Region: each Region registers each definition once.
      assert.equal(f.api.registerTaskDefinitionOk, 2 * 2);
      assert.ok(json.efficiency !== null && json.efficiency > 0, 'efficiency computed against the Regions\' buckets');
      assert.match(readFileSync(join(dir, 'g.md'), 'utf8'), /by Region: eu-west-1 8 launches, [\d.n/a]+\/s; us-east-1 8 launches/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('npm run bench -- --unthrottled --repeat 2', () => {
  test('runs twice with budgets and throttles off and reports the median and spread', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'longshore-bench-test-'));
    try {
      const { args, cwd } = benchCommand();
      const child = spawn(process.execPath, [...args, '--runs', '8', '--definitions', '2', '--replicas', '1', '--time-scale', '20', '--scenario', 'quick',
        '--run-seconds', '1', '--mix', 'succeed=1', '--unthrottled', '--repeat', '2', '--deadline-seconds', '60', '--quiet', '--out', join(dir, 'r')],
      { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      child.stdout.resume();
      await once(child, 'exit');
      assert.equal(child.exitCode, 0, stderr);
      const json = JSON.parse(readFileSync(join(dir, 'r.json'), 'utf8')) as BenchReport & { repeat: { runs: number; reports: BenchReport[]; spread: Record<string, { median: number; min: number; max: number; values: number[] }> } };
      assert.equal(json.options.unthrottled, true);
      assert.equal(json.repeat.runs, 2);
      assert.equal(json.repeat.reports.length, 2);
      for (const r of json.repeat.reports) assert.equal(r.burst?.figures.throttles.simulator, 0, 'the simulator throttled nothing');
      assert.equal(json.efficiency, null, 'the bucket-bound efficiency is not computed without budgets');
      const cpu = json.repeat.spread.controllerCpuMsPerRun;
      assert.equal(cpu.values.length, 2);
      assert.ok(cpu.min <= cpu.median && cpu.median <= cpu.max);
      assert.match(readFileSync(join(dir, 'r.md'), 'utf8'), /## Over 2 repeats/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('npm run bench -- --model prefect-worker', () => {
  test('runs the same workload through the Prefect worker model and reports both side by side', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'longshore-bench-test-'));
    try {
      const { args, cwd } = benchCommand();
      const child = spawn(process.execPath, [...args, '--runs', '12', '--definitions', '2', '--replicas', '1', '--time-scale', '20', '--scenario', 'quick',
        '--run-seconds', '20', '--mix', 'succeed=1', '--model', 'prefect-worker', '--model-workers', '2', '--deadline-seconds', '90', '--quiet', '--out', join(dir, 'm')],
      { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      child.stdout.resume();
      await once(child, 'exit');
      assert.equal(child.exitCode, 0, stderr);
      const json = JSON.parse(readFileSync(join(dir, 'm.json'), 'utf8')) as BenchReport & { prefectWorkerModel: ModelReport };
      const model = json.prefectWorkerModel;
      assert.match(model.label, /MODEL/);
      assert.equal(model.workers, 2);
      assert.equal(model.runs, 12);
      assert.equal(Object.values(model.byOutcome).reduce((a, b) => a + b, 0) + model.notFinished, 12, 'every run accounted for');
      // The model launches through RunTask and watches each task with its own DescribeTasks calls.
      assert.ok((model.callsByAction.RunTask?.ok ?? 0) > 0);
      assert.ok((model.callsByAction.DescribeTasks?.ok ?? 0) >= model.callsByAction.RunTask!.ok, 'one DescribeTasks per run at least');
      const markdown = readFileSync(join(dir, 'm.md'), 'utf8');
      assert.match(markdown, /## Side by side: Longshore and a MODEL of Prefect's ECS worker/);
      assert.match(markdown, /\| RunTask calls per run \(all answers\) \| [\d.]+ \| [\d.]+ \|/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
