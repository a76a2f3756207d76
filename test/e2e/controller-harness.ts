/**
 * End-to-end harness: controller replicas as child processes started the way a user starts them
 * (`longshore controller` with environment variables), the simulator in-process, and a store client in a
 * namespace of the test's own that is deleted afterwards.
 */
import { spawn, ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { freePort } from '../../cmd/replicas.js';
import { deleteNamespaceKeys, TEST_REDIS_URL, testRedis } from '../helpers/redis-namespace.js';
import { until } from '../helpers/until.js';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { startSimulator, RunningSimulator, SimulatorOptions } from '@longshore/simulator';
import { ResourceStore, listAll } from '../../controller/store/index.js';
import type { RunRecord } from '../../controller/api/run.js';
import type { RedisClient } from '../../controller/redis.js';

export const API_VERSION = 'longshore.dev/v1alpha1';
export const TIME_SCALE = 20;

/** Lifecycle phases short enough for tests (simulated seconds, ÷ TIME_SCALE in real time). */
export const QUICK_PHASES = {
  provisioning: 1, pending: 2, activating: 0.5, running: 2, deactivating: 0.5, stopping: 0.5, deprovisioning: 1,
};

export interface Replica {
  name: string;
  metricsPort: number;
  output(): string;
  /** SIGTERM, then the exit code. */
  stop(): Promise<number | null>;
  /** SIGKILL: the replica dies without handing anything back. */
  kill(): Promise<void>;
}

export interface Harness {
  namespace: string;
  sim: RunningSimulator;
  store: ResourceStore;
  replicas: Replica[];
  startReplica(name: string, extraEnv?: Record<string, string>): Promise<Replica>;
  close(): Promise<void>;
}

/** `longshore controller`, as a user runs it: the compiled CLI under dist, or the TypeScript source through tsx. */
export function controllerCommand(): string[] {
  const self = fileURLToPath(import.meta.url);
  if (self.endsWith('.ts')) return ['--import', 'tsx', fileURLToPath(new URL('../../cmd/longshore.ts', import.meta.url)), 'controller'];
  return [fileURLToPath(new URL('../../cmd/longshore.js', import.meta.url)), 'controller'];
}

export interface HarnessOptions {
  /**
   * The store's connection, when the replicas are pointed elsewhere than the test Redis (by the Redis
   * variables in startReplica's extraEnv); the harness closes it. Default: testRedis().
   */
  redis?: RedisClient;
}

export async function startHarness(simOptions: SimulatorOptions = {}, options: HarnessOptions = {}): Promise<Harness> {
  const namespace = `test-e2e-${randomBytes(4).toString('hex')}`;
  // With REDIS_CLUSTER_NODES (inherited by the replicas through process.env) this is a cluster connection.
  const redis = options.redis ?? testRedis();
  const sim = await startSimulator({ timeScale: TIME_SCALE, seed: 11, ...simOptions });
  const timeScale = sim.timeScale;
  const store = new ResourceStore(redis, { namespace });
  const replicas: Replica[] = [];
  const children: ChildProcess[] = [];

  async function startReplica(name: string, extraEnv: Record<string, string> = {}): Promise<Replica> {
    const metricsPort = await freePort();
    const child = spawn(process.execPath, controllerCommand(), {
      env: {
        ...process.env,
        REDIS_URL: TEST_REDIS_URL, LONGSHORE_NAMESPACE: namespace, LONGSHORE_REPLICA_ID: name, LONGSHORE_METRICS_PORT: String(metricsPort),
        AWS_ENDPOINT_URL: sim.url, AWS_REGION: sim.region, AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test',
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
        LONGSHORE_BUDGET_TIME_SCALE: String(timeScale), LONGSHORE_RESYNC_INTERVAL_SECONDS: '0.3',
        LONGSHORE_SHUTDOWN_GRACE_SECONDS: '5', LONGSHORE_LOG_LEVEL: 'warn',
        ...extraEnv,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(child);
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = once(child, 'exit').then(() => child.exitCode);
    await until(async () => {
      if (child.exitCode !== null) throw new Error(`${name} exited with ${child.exitCode}:\n${output}`);
      return fetch(`http://127.0.0.1:${metricsPort}/readyz`).then((r) => r.ok, () => false);
    }, { timeoutMs: 30_000, intervalMs: 100, what: () => `${name} to be ready:\n${output}` });
    const replica: Replica = {
      name,
      metricsPort,
      output: () => output,
      async stop() {
        if (child.exitCode === null) child.kill('SIGTERM');
        return exited;
      },
      async kill() {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
        await exited;
      },
    };
    replicas.push(replica);
    return replica;
  }

  return {
    namespace, sim, store, replicas, startReplica,
    async close() {
      for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await Promise.all(children.map((c) => (c.exitCode === null && c.signalCode === null ? once(c, 'exit') : undefined)));
      await sim.close();
      await deleteNamespaceKeys(redis, namespace);
      await redis.quit();
    },
  };
}

export function pool(name: string, spec: Record<string, unknown> = {}) {
  return {
    apiVersion: API_VERSION, kind: 'Pool', metadata: { name },
    spec: {
      image: 'public.ecr.aws/docker/library/busybox:latest', cpu: 256, memory: 512,
      taskDefinition: { containerDefinitions: [{ name: 'flow' }] },
      retry: { infrastructureAttempts: 3, backoff: { initialSeconds: 1, maxSeconds: 2, multiplier: 2 } },
      ...spec,
    },
  };
}

export function run(name: string, spec: Record<string, unknown>) {
  return { apiVersion: API_VERSION, kind: 'Run', metadata: { name }, spec };
}

export const allRuns = (store: ResourceStore): Promise<RunRecord[]> => listAll((cursor) => store.listRuns({ limit: 500, cursor }));

/** Waits until every named run is stopped; returns them by name. */
export async function waitStopped(store: ResourceStore, names: string[], timeoutMs: number): Promise<Map<string, RunRecord>> {
  let wanted: RunRecord[] = [];
  return until(async () => {
    wanted = (await allRuns(store)).filter((r) => names.includes(r.metadata.name));
    return wanted.length === names.length && wanted.every((r) => r.status.phase === 'stopped') && new Map(wanted.map((r) => [r.metadata.name, r]));
  }, {
    timeoutMs,
    intervalMs: 250,
    what: () => {
      const pending = wanted.filter((r) => r.status.phase !== 'stopped').map((r) => `${r.metadata.name}:${r.status.phase} ${r.status.message ?? ''}`);
      return `runs to stop (${names.length - wanted.length + pending.length} left): ${pending.slice(0, 5).join('; ')}`;
    },
  });
}

/** Sums a counter over replicas' /metrics (all label sets matching the given label fragment). */
export async function metricSum(replicas: Replica[], name: string, labelFragment = ''): Promise<number> {
  let sum = 0;
  for (const r of replicas) {
    const text = await fetch(`http://127.0.0.1:${r.metricsPort}/metrics`).then((res) => res.text(), () => '');
    for (const line of text.split('\n')) {
      if ((line.startsWith(`${name}{`) || line.startsWith(`${name} `)) && line.includes(labelFragment)) sum += Number(line.split(' ').pop());
    }
  }
  return sum;
}
