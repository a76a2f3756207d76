/**
 * A run reconciler harness for integration tests: the ECS simulator through the real SDK and gateway, the
 * Redis store under a unique namespace, TASKDEFS' registration and launch modules, and the run reconciler,
 * resync and pool limiter — driven by the test itself (no BullMQ), with a controller clock the test owns.
 */
import pino from 'pino';
import type { RedisClient } from '../../controller/redis.js';
import { startSimulator, type RunningSimulator, type ScenarioInput, type ThrottleSetting } from '@longshore/simulator';
import { createArnTargets, poolRoles } from '../../controller/aws/arn-targets.js';
import { createAwsClientPool, type AwsClients } from '../../controller/aws/clients.js';
import type { AwsGateway } from '../../controller/aws/gateway.js';
import { createRoutedGateway } from '../../controller/aws/routed-gateway.js';
import { budgetKeyParts, shareKeyFor } from '../../controller/aws/budget-keys.js';
import type { BudgetScope } from '../../controller/aws/target.js';
import { RedisBudgets } from '../../controller/aws/redis-budgets.js';
import { DEFAULT_BUDGETS, scaleBudgets } from '../../controller/aws/budgets.js';
import { ResourceStore } from '../../controller/store/index.js';
import type { RunRecord } from '../../controller/api/run.js';
import type { WakeUps } from '../../controller/queue/queues.js';
import { createTaskdefs, type Taskdefs } from '../../reconcilers/taskdef/index.js';
import { taskdefKeys } from '../../reconcilers/taskdef/keys.js';
import { createNetworkResolver } from '../../reconcilers/launch/network.js';
import { createRunTaskdefAdapter } from '../../reconcilers/taskdef/run-adapter.js';
import { createRunEcsPort } from '../../reconcilers/run/ecs-adapter.js';
import { reconcileRun, type RunReconcilerDeps } from '../../reconcilers/run/reconciler.js';
import { resyncCluster, type ResyncDeps } from '../../reconcilers/observe/resync.js';
import { createPoolLimiter } from '../../reconcilers/run/pool-limits.js';
import { deleteNamespaceKeys, testRedis, uniqueNamespace } from '../helpers/redis-namespace.js';
import { until } from '../helpers/until.js';
import { DEFAULT_PRICES, runCost } from '../../controller/pricing.js';

export const V = 'longshore.dev/v1alpha1';
export const silent = pino({ level: 'silent' });
const ctx = { logger: silent, reconcileId: 'test', jobTry: 1 };
const ONE_SECOND = { kind: 'fixed' as const, seconds: 1 };
export const QUICK_SCENARIO: ScenarioInput = {
  phases: { provisioning: ONE_SECOND, pending: ONE_SECOND, activating: ONE_SECOND, running: { kind: 'fixed', seconds: 2 }, deactivating: ONE_SECOND, stopping: ONE_SECOND, deprovisioning: ONE_SECOND },
};

export interface DriveOptions {
  resync?: boolean;
  timeoutMs?: number;
  /** Extra work each round (e.g. consuming task events). */
  each?: () => Promise<void>;
}

export interface RunHarness {
  sim: RunningSimulator;
  clients: AwsClients;
  redis: RedisClient;
  gateway: AwsGateway;
  store: ResourceStore;
  taskdefs: Taskdefs;
  namespace: string;
  runDeps: RunReconcilerDeps;
  resyncDeps: ResyncDeps;
  /** Keys the registration queue was asked to work on, drained by driveUntil. */
  registrations: string[];
  /** Added to real time on the controller's clock. */
  clock: { offsetMs: number };
  submitRun(name: string, pool: string, spec?: object): Promise<void>;
  driveUntil(names: string[], done: (runs: RunRecord[]) => boolean, options?: DriveOptions): Promise<RunRecord[]>;
  tasksOf(name: string): ReturnType<RunningSimulator['audit']>['tasks'];
  close(): Promise<void>;
}

export interface RunHarnessOptions {
  timeScale: number;
  scenario?: ScenarioInput;
  pools: object[];
  seed?: number;
  /** The endpoint the AWS clients talk to, given the simulator's (e.g. a failing proxy in front of it). */
  endpoint?: (simulatorUrl: string) => Promise<string>;
  /** Further accounts whose roles the simulator's STS lets pools assume. */
  accounts?: string[];
  /** The simulator's throttles (default: AWS's). */
  throttling?: ThrottleSetting;
  /**
   * Reach the simulator by AWS's regional names (`<service>.<region>.amazonaws.com`) resolved through its DNS
   * model (sim.dns), so a Region that does not exist fails its name lookup as on AWS. Ignores `endpoint`.
   */
  awsNames?: boolean;
}

export async function startRunHarness(options: RunHarnessOptions): Promise<RunHarness> {
  const { timeScale } = options;
  const sim = await startSimulator({
    timeScale, seed: options.seed ?? 11, scenario: options.scenario ?? QUICK_SCENARIO,
    ...(options.accounts ? { accounts: options.accounts } : {}), ...(options.throttling !== undefined ? { throttling: options.throttling } : {}),
  });
  const redis = testRedis();
  const namespace = uniqueNamespace('test-run');
  const endpointUrl = options.awsNames === true ? sim.dns.regionalUrl : options.endpoint ? await options.endpoint(sim.url) : sim.url;
  // The controller's wiring (controller/main.ts): clients per (Region, role), budgets per account-region.
  const clientPool = createAwsClientPool({
    region: 'us-east-1', endpointUrl, credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, ...(options.awsNames === true ? { lookup: sim.dns.lookup } : {}),
  });
  const clients = clientPool.clientsFor(undefined);
  const store = new ResourceStore(redis, { namespace });
  const ks = store.keyspace;
  const budgetsFor = (scope: BudgetScope) => new RedisBudgets({
    redis, bucketKey: (c) => ks.key(...budgetKeyParts(scope, { region: 'us-east-1' }, c)), budgets: scaleBudgets(DEFAULT_BUDGETS, timeScale), burstReserveFraction: 0.05,
    shareKey: shareKeyFor(ks, scope, { region: 'us-east-1' }),
  });
  const gateway = createRoutedGateway({ clientPool, budgetsFor, home: { region: 'us-east-1' }, maxWaitMs: 10_000 });
  const registrations: string[] = [];
  // Registration jobs that wait (a requeue, or a delayed wake-up), by the real time they are due: BullMQ's
  // deduplication by key, in small. A wake-up at once pulls a waiting job forward; a delayed one never does.
  const delayedRegistrations = new Map<string, number>();
  const wakeUps: WakeUps = {
    wake: async (queue, key, wakeOptions) => {
      if (queue !== 'register-taskdef') return;
      const delayMs = wakeOptions?.delayMs ?? 0;
      if (delayMs === 0) {
        delayedRegistrations.delete(key);
        registrations.push(key);
      } else if (!registrations.includes(key) && !delayedRegistrations.has(key)) {
        delayedRegistrations.set(key, Date.now() + delayMs);
      }
    },
  };
  const taskdefs = createTaskdefs({ redis, keyspace: ks, gateway, wakeUps, defaultRegion: 'us-east-1' });
  const network = createNetworkResolver({ redis, keys: taskdefKeys(ks), gateway });
  const adapter = createRunTaskdefAdapter({ resolver: taskdefs.resolver, network, defaultRegion: 'us-east-1' });
  const tasks = createRunEcsPort({ gateway, namespace, defaultRegion: 'us-east-1', launchDetails: (p, r, arn) => adapter.launchDetails(p, r, arn) });
  const clock = { offsetMs: 0 };
  const now = () => Date.now() + clock.offsetMs;
  const runDeps: RunReconcilerDeps = {
    store, resolver: adapter, tasks, now, limiter: createPoolLimiter(redis, ks), releaseTaskDefinition: (r, arn, p) => adapter.release(r, arn, p),
    cost: (r, p) => runCost(r.status.attempts, p?.spec.region ?? 'us-east-1', DEFAULT_PRICES),
  };
  const resyncDeps: ResyncDeps = { store, gateway, wake: async () => undefined, now, missingGraceMs: 5_000, targetOf: createArnTargets(() => poolRoles(store)) };
  await store.submit(options.pools);

  const harness: RunHarness = {
    sim, clients, redis, gateway, store, taskdefs, namespace, runDeps, resyncDeps, registrations, clock,
    async submitRun(name, pool, spec = {}) {
      await store.submit([{ apiVersion: V, kind: 'Run', metadata: { name }, spec: { pool, ...spec } }]);
    },
    async driveUntil(names, done, drive = {}) {
      let runs: RunRecord[] = [];
      return until(async () => {
        for (const [key, due] of delayedRegistrations) {
          if (due <= Date.now()) {
            delayedRegistrations.delete(key);
            registrations.push(key);
          }
        }
        while (registrations.length > 0) {
          const key = registrations.shift() ?? '';
          const result = await taskdefs.reconciler(key, ctx);
          if (result.requeueAfterMs !== undefined && !registrations.includes(key)) delayedRegistrations.set(key, Date.now() + result.requeueAfterMs);
        }
        for (const name of names) await reconcileRun(runDeps, name);
        if (drive.resync !== false) for (const cluster of await store.liveTaskClusters()) await resyncCluster(resyncDeps, cluster);
        if (drive.each) await drive.each();
        runs = (await Promise.all(names.map((n) => store.getRun(n)))).filter((r): r is RunRecord => r !== null);
        return done(runs) && runs;
      }, {
        timeoutMs: drive.timeoutMs ?? 20_000,
        intervalMs: 50,
        what: () => `runs to settle: ${runs.map((r) => `${r.metadata.name}=${r.status.phase}/${r.status.message}`).join('; ')}`,
      });
    },
    tasksOf: (name) => sim.audit().tasks.filter((t) => t.startedBy?.endsWith(`/${name}`)),
    async close() {
      await deleteNamespaceKeys(redis, namespace);
      await redis.quit();
      clientPool.destroy();
      await sim.close();
    },
  };
  return harness;
}

export const allStopped = (runs: RunRecord[]) => runs.every((r) => r.status.phase === 'stopped');

export function fargatePool(name: string, spec: object = {}): object {
  return { apiVersion: V, kind: 'Pool', metadata: { name }, spec: { taskDefinition: {}, image: 'busybox', cpu: 256, memory: 512, ...spec } };
}
