/**
 * Task definitions, wired: the resolver the run reconciler calls and the reconciler of the
 * `register-taskdef` queue. Keys on that queue are a definition hash (register it) or
 * `deregister:<arn>` (deregister a revision no live run references).
 */
import type { AwsTarget } from '../../controller/aws/target.js';
import type { RedisClient } from '../../controller/redis.js';
import type { ControllerMetrics } from '../../controller/metrics.js';
import type { WakeUps } from '../../controller/queue/queues.js';
import type { Reconciler } from '../../controller/queue/reconcile.js';
import type { Keyspace } from '../../controller/store/keys.js';
import { taskdefKeys } from './keys.js';
import { createRegistrationWorker, type RegistrationGateway, type RegistrationWorker } from './registration.js';
import { createTaskDefinitionResolver, type DeregistrationEnqueuer, type RegistrationEnqueuer, type TaskDefinitionResolver } from './resolve.js';
import { TaskdefStore } from './store.js';

export const REGISTRATION_QUEUE = 'register-taskdef';
export const DEREGISTER_KEY_PREFIX = 'deregister:';

export function registrationEnqueuer(wakeUps: WakeUps): RegistrationEnqueuer & DeregistrationEnqueuer {
  return {
    enqueueRegistration: (hash, delayMs) => wakeUps.wake(REGISTRATION_QUEUE, hash, delayMs === undefined ? undefined : { delayMs }),
    enqueueDeregistration: (arn, target) => wakeUps.wake(REGISTRATION_QUEUE, deregistrationKey(arn, target)),
  };
}

export function createRegistrationReconciler(worker: RegistrationWorker): Reconciler {
  return (key) => {
    if (!key.startsWith(DEREGISTER_KEY_PREFIX)) return worker.register(key);
    const { arn, target } = parseDeregistrationKey(key);
    return worker.deregister(arn, target);
  };
}

/**
 * `deregister:<arn>`, plus ` <role ARN> <external id>` for a pool with a role (the definition lives in the
 * role's account; ARNs and external ids hold no spaces). The Region is the ARN's.
 */
export function deregistrationKey(arn: string, target: AwsTarget | undefined): string {
  if (target?.roleArn === undefined) return `${DEREGISTER_KEY_PREFIX}${arn}`;
  return `${DEREGISTER_KEY_PREFIX}${arn} ${target.roleArn} ${target.externalId ?? ''}`.trimEnd();
}

export function parseDeregistrationKey(key: string): { arn: string; target?: AwsTarget } {
  const [arn, roleArn, externalId] = key.slice(DEREGISTER_KEY_PREFIX.length).split(' ');
  if (roleArn === undefined) return { arn };
  return { arn, target: { roleArn, ...(externalId !== undefined ? { externalId } : {}) } };
}

export interface TaskdefsDependencies {
  redis: RedisClient;
  keyspace: Keyspace;
  gateway: RegistrationGateway;
  wakeUps: WakeUps;
  /** The controller's AWS region (pools may name their own). */
  defaultRegion?: string;
  metrics?: Pick<ControllerMetrics, 'taskdefCacheHits' | 'taskdefCacheMisses' | 'taskdefRegistrations' | 'taskdefRegistrationConflicts'>;
  logger?: { info(fields: object, message: string): void; warn(fields: object, message: string): void };
  /** A cached revision (or a pool's own ARN) is described again before use once it is this old. */
  revalidateAfterSeconds?: number;
}

export interface Taskdefs {
  resolver: TaskDefinitionResolver;
  /** For the `register-taskdef` queue. */
  reconciler: Reconciler;
  store: TaskdefStore;
}

export function createTaskdefs(deps: TaskdefsDependencies): Taskdefs {
  const keys = taskdefKeys(deps.keyspace);
  const store = new TaskdefStore(deps.redis, keys, { revalidateAfterSeconds: deps.revalidateAfterSeconds });
  const queue = registrationEnqueuer(deps.wakeUps);
  const resolver = createTaskDefinitionResolver({
    store, redis: deps.redis, keys, queue, gateway: deps.gateway, defaultRegion: deps.defaultRegion, metrics: deps.metrics,
    revalidateAfterSeconds: deps.revalidateAfterSeconds,
  });
  const worker = createRegistrationWorker({
    store, gateway: deps.gateway, metrics: deps.metrics, logger: deps.logger,
    wake: (runName) => deps.wakeUps.wake('reconcile-run', runName),
  });
  return { resolver, reconciler: createRegistrationReconciler(worker), store };
}
