#!/usr/bin/env node
/**
 * `npm run demo`: Longshore end to end on one machine. Starts the ECS simulator in-process (time-scaled),
 * two controller replicas as child processes sharing one Redis, applies two sample pools, submits a few
 * hundred runs with a mix of outcomes (every outcome, including cancels sent while tasks run and run timeouts),
 * shows live progress, prints a summary, cleans its namespace, exits.
 *
 * The first replica also serves the HTTP API and the web console (LONGSHORE_API_ENABLED): the demo prints
 * the console's URL and an operator token for the demo's namespace (revoked at the end). DEMO_API_PORT
 * picks the port (default: a free one); DEMO_HOLD=1 keeps everything up after the summary until Ctrl-C,
 * so the console can be looked at once every run has stopped.
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { startSimulator, RunningSimulator } from '@longshore/simulator';
import { ResourceStore, keyspace, listAll } from '../controller/store/index.js';
import { OUTCOMES, PHASES } from '../controller/api/run-status.js';
import type { RunRecord } from '../controller/api/run.js';
import { TokenStore } from '../controller/server/tokens.js';
import { freePort, startReplica, waitReady, type Replica } from './replicas.js';
import { deleteKeys, fetchMetrics, sumMetric } from './probes.js';

const TIME_SCALE = 20;
const RUNS = Number(process.env.DEMO_RUNS ?? 300);
const DEADLINE_MS = 240_000;
const API_VERSION = 'longshore.dev/v1alpha1';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function pools() {
  const common = {
    image: 'public.ecr.aws/docker/library/busybox:latest',
    cpu: 256,
    memory: 512,
    taskDefinition: { containerDefinitions: [{ name: 'flow' }] },
    retry: { infrastructureAttempts: 3, backoff: { initialSeconds: 1, maxSeconds: 4, multiplier: 2 } },
  };
  return [
    { apiVersion: API_VERSION, kind: 'Pool', metadata: { name: 'demo' }, spec: common },
    { apiVersion: API_VERSION, kind: 'Pool', metadata: { name: 'demo-spot' }, spec: { ...common, capacityProviderStrategy: [{ capacityProvider: 'FARGATE_SPOT', weight: 1 }] } },
  ];
}

/** Runs the demo cancels once they are running: their tasks must end in StopTask, never as zombies. */
const isCancelled = (i: number) => i % 50 === 5;
/** Runs whose task outlives their run timeout: StopTask, then timed-out. */
const isTimedOut = (i: number) => i % 50 === 6;

/** The run mix: mostly successes over three deployments, plus failures, spot interruptions, failed starts, cancels and timeouts. */
function runs(count: number) {
  return Array.from({ length: count }, (_, i) => {
    const name = runName(i);
    const env: Record<string, string> = { SIM_RUN_SECONDS: String(10 + (i % 50)) };
    let pool = 'demo';
    const spec: Record<string, unknown> = {};
    if (isCancelled(i)) env.SIM_RUN_SECONDS = '600';
    else if (isTimedOut(i)) {
      // The controller keeps real time while the simulator runs ×TIME_SCALE: 10 s of run timeout is 200
      // simulated seconds, well inside the task's 600.
      env.SIM_RUN_SECONDS = '600';
      spec.timeouts = { runSeconds: 10 };
    } else if (i % 15 === 1) env.SIM_EXIT_CODE = '3';
    else if (i % 15 === 2) pool = 'demo-spot';
    else if (i % 30 === 3) env.SIM_FAIL_START = 'CannotPullContainerError';
    else if (i % 30 === 4) {
      pool = 'demo-spot';
      // Interrupted on its first attempt only: crashed, retried, then succeeds.
      env.SIM_SPOT_INTERRUPT_AFTER_SECONDS = '5';
      env.SIM_SPOT_INTERRUPT_TIMES = '1';
    }
    return { apiVersion: API_VERSION, kind: 'Run', metadata: { name }, spec: { ...spec, pool, deployment: `etl-${i % 3}`, env } };
  });
}

const runName = (i: number) => `demo-${String(i).padStart(4, '0')}`;

/** Once the runs chosen for cancelling are running, send each a durable cancel, as `longshore run cancel` does. */
async function cancelWhenRunning(store: ResourceStore, records: RunRecord[], pending: Set<string>): Promise<void> {
  for (const record of records) {
    if (!pending.has(record.metadata.name) || record.status.phase !== 'running') continue;
    pending.delete(record.metadata.name);
    await store.sendControl({ type: 'cancel', run: record.metadata.name, reason: 'demo: cancelled while running' });
  }
}

const allRuns = (store: ResourceStore): Promise<RunRecord[]> => listAll((cursor) => store.listRuns({ limit: 500, cursor }));

function tally(records: RunRecord[]) {
  const phases = Object.fromEntries(PHASES.map((p) => [p, 0])) as Record<string, number>;
  const outcomes = Object.fromEntries(OUTCOMES.map((o) => [o, 0])) as Record<string, number>;
  for (const r of records) {
    phases[r.status.phase] += 1;
    if (r.status.outcome) outcomes[r.status.outcome] += 1;
  }
  return { phases, outcomes };
}

async function replicaThrottles(replica: Replica): Promise<number> {
  return sumMetric(await fetchMetrics(replica.metricsPort), 'longshore_ecs_api_throttles_total');
}

/** Ctrl-C ends the wait; the replicas, the simulator and the namespace are still cleaned up. */
const interrupted = new AbortController();
process.once('SIGINT', () => interrupted.abort());

async function main(): Promise<number> {
  const namespace = `demo-${randomBytes(3).toString('hex')}`;
  const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  const redis = new Redis(redisUrl);
  let sim: RunningSimulator | undefined;
  const replicas: Replica[] = [];
  const tokens = new TokenStore(redis);
  let tokenId: string | undefined;
  try {
    sim = await startSimulator({ timeScale: TIME_SCALE, seed: 42, scenario: { faults: { spotInterruptionRate: 0.3, spotInterruptAfter: { kind: 'uniform', minSeconds: 2, maxSeconds: 8 } } } });
    console.log(`simulator: ${sim.url} (time scale ×${TIME_SCALE}, AWS-default throttles)`);
    const env = {
      REDIS_URL: redisUrl, LONGSHORE_NAMESPACE: namespace, AWS_ENDPOINT_URL: sim.url, AWS_REGION: sim.region,
      AWS_ACCESS_KEY_ID: 'demo', AWS_SECRET_ACCESS_KEY: 'demo', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      LONGSHORE_BUDGET_TIME_SCALE: String(TIME_SCALE), LONGSHORE_RESYNC_INTERVAL_SECONDS: '0.5', LONGSHORE_SHUTDOWN_GRACE_SECONDS: '5',
    };
    const apiPort = Number(process.env.DEMO_API_PORT ?? 0) || (await freePort());
    replicas.push(await startReplica('replica-a', { ...env, LONGSHORE_API_ENABLED: 'true', LONGSHORE_API_PORT: String(apiPort) }, 'longshore-demo'));
    replicas.push(await startReplica('replica-b', env, 'longshore-demo'));
    await Promise.all(replicas.map((r) => waitReady(r, 30_000)));
    for (const r of replicas) console.log(`${r.name}: metrics http://127.0.0.1:${r.metricsPort}/metrics, logs ${r.logFile}`);
    const demoToken = await tokens.create({ role: 'operator', namespace, expiresInMs: 24 * 3600_000, description: 'npm run demo' });
    tokenId = demoToken.info.id;
    console.log(`console: http://127.0.0.1:${apiPort}/ui/#/namespaces/${namespace}/runs`);
    console.log(`  token (operator, namespace ${namespace}; paste it at sign-in): ${demoToken.token}`);

    const store = new ResourceStore(redis, { namespace });
    await store.submit(pools(), { mode: 'apply' });
    const startedAt = Date.now();
    await store.submit(runs(RUNS), { mode: 'create' });
    console.log(`submitted ${RUNS} runs to pools demo and demo-spot (namespace ${namespace})`);

    const toCancel = new Set(Array.from({ length: RUNS }, (_, i) => i).filter(isCancelled).map(runName));
    let records: RunRecord[] = [];
    for (;;) {
      records = await allRuns(store);
      await cancelWhenRunning(store, records, toCancel);
      const { phases, outcomes } = tally(records);
      const line = `${((Date.now() - startedAt) / 1000).toFixed(1)}s  ` + PHASES.map((p) => `${p} ${phases[p]}`).join('  ') +
        '  |  ' + OUTCOMES.map((o) => `${o} ${outcomes[o]}`).join('  ');
      process.stdout.write(process.stdout.isTTY ? `\r${line}   ` : `${line}\n`);
      if (phases.stopped === RUNS) break;
      if (interrupted.signal.aborted) {
        process.stdout.write('\ninterrupted\n');
        return 130;
      }
      if (Date.now() - startedAt > DEADLINE_MS) throw new Error('runs did not finish in time');
      await sleep(process.stdout.isTTY ? 500 : 3000);
    }
    process.stdout.write('\n');
    const elapsed = (Date.now() - startedAt) / 1000;
    // When each run first had a task RUNNING (runs whose every attempt failed to start never did).
    const firstRunning = records.map((r) => r.status.attempts.find((a) => a.startedAt !== undefined)?.startedAt).filter((t): t is string => t !== undefined).map(Date.parse);
    const audit = (await (await fetch(`${sim.url}/_sim/audit`)).json()) as { calls: Record<string, { ok: number; throttled: number; error: number }>; tasks: unknown[] };
    const throttles = await Promise.all(replicas.map(replicaThrottles));

    console.log('\nsummary');
    console.log(`  runs by outcome:  ${Object.entries(tally(records).outcomes).map(([o, n]) => `${o} ${n}`).join(', ')}`);
    console.log(`  attempts:         ${records.reduce((n, r) => n + r.status.attempts.length, 0)} (ECS tasks launched: ${audit.tasks.length})`);
    if (firstRunning.length > 0) {
      console.log(`  time to all running: ${((Math.max(...firstRunning) - startedAt) / 1000).toFixed(1)} s (the last of ${firstRunning.length} runs that ran was RUNNING)`);
    }
    console.log(`  all stopped in:   ${elapsed.toFixed(1)} s (×${TIME_SCALE} simulated time)`);
    console.log('  ECS calls by action (simulator audit: ok / throttled / error):');
    for (const [action, c] of Object.entries(audit.calls).sort()) console.log(`    ${action.padEnd(24)} ${c.ok} / ${c.throttled} / ${c.error}`);
    console.log(`  throttles seen by the controllers: ${throttles.reduce((a, b) => a + b, 0)}`);
    console.log(`  metrics were at ${replicas.map((r) => `http://127.0.0.1:${r.metricsPort}/metrics`).join(' and ')}`);
    if (process.env.DEMO_HOLD === '1' && !interrupted.signal.aborted) {
      console.log('DEMO_HOLD=1: the console stays open (URL and token above); Ctrl-C stops and cleans up');
      await new Promise((resolve) => interrupted.signal.addEventListener('abort', resolve, { once: true }));
    }
    return 0;
  } finally {
    if (tokenId) await tokens.revoke(tokenId);
    await Promise.all(replicas.map((r) => r.stop(15_000)));
    await sim?.close();
    const removed = await deleteKeys(redis, keyspace(namespace).pattern);
    console.log(`cleaned namespace ${namespace} (${removed} keys)`);
    await redis.quit();
  }
}

process.exitCode = await main().catch((error: unknown) => {
  console.error(`demo failed: ${error instanceof Error ? error.message : String(error)}`);
  return 1;
});
