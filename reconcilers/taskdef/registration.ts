/**
 * The registration worker: settles one pending hash. It holds the family's lock (one registration in
 * flight per family, across replicas), optionally reuses the family's latest ACTIVE revision when it is
 * the same definition, otherwise calls RegisterTaskDefinition through the gateway (paced under the
 * taskDefinitionModify bucket), stores hash → ARN and wakes every run waiting on the hash. It also
 * deregisters revisions whose last reference was released (auto-deregister).
 *
 * Each call returns a reconcile result: `{ requeueAfterMs }` to come back later (lock busy, no token,
 * throttled, concurrent registration), `{}` when the hash is settled (registered, reused or failed).
 */
import { accountOfRoleArn, targetOfTask, type AwsTarget } from '../../controller/aws/target.js';
import { randomUUID } from 'node:crypto';
import type {
  DeregisterTaskDefinitionCommandInput, DeregisterTaskDefinitionCommandOutput,
  DescribeTaskDefinitionCommandInput, DescribeTaskDefinitionCommandOutput,
  RegisterTaskDefinitionCommandInput, RegisterTaskDefinitionCommandOutput,
} from '@aws-sdk/client-ecs';
import type { Counter } from 'prom-client';
import { describeError, isAwsError } from '../../controller/aws/errors.js';
import { isEscalation } from '../../controller/backoff.js';
import type { CallOptions } from '../../controller/aws/gateway.js';
import type { ReconcileResult } from '../../controller/queue/reconcile.js';
import { hashTaskDefinition } from './normalize.js';
import { isMissingFamily, registrationErrorAction } from './registration-policy.js';
import type { PendingRegistration, TaskdefStore } from './store.js';

export interface RegistrationGateway {
  registerTaskDefinition(input: RegisterTaskDefinitionCommandInput, options?: CallOptions): Promise<RegisterTaskDefinitionCommandOutput>;
  describeTaskDefinition(input: DescribeTaskDefinitionCommandInput, options?: CallOptions): Promise<DescribeTaskDefinitionCommandOutput>;
  deregisterTaskDefinition(input: DeregisterTaskDefinitionCommandInput, options?: CallOptions): Promise<DeregisterTaskDefinitionCommandOutput>;
}

interface LogLike {
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
}

export interface RegistrationDependencies {
  store: TaskdefStore;
  gateway: RegistrationGateway;
  /** Enqueues a reconcile of the run (injected by the composition root). */
  wake(runName: string): Promise<void>;
  logger?: LogLike;
  metrics?: { taskdefRegistrations: Pick<Counter, 'inc'>; taskdefRegistrationConflicts: Pick<Counter, 'inc'> };
  random?: () => number;
  now?: () => number;
  /** The family lock's lifetime; longer than one RegisterTaskDefinition call can take. */
  lockTtlMs?: number;
  /** How long a terminal failure answers resolves before the definition is tried again. */
  failureTtlSeconds?: number;
}

export interface RegistrationWorker {
  register(hash: string): Promise<ReconcileResult>;
  deregister(taskDefinitionArn: string, target?: AwsTarget): Promise<ReconcileResult>;
}

const DEFAULT_LOCK_TTL_MS = 30_000;
const DEFAULT_FAILURE_TTL_SECONDS = 600;
const LOCK_BUSY_BASE_MS = 250;

export function createRegistrationWorker(deps: RegistrationDependencies): RegistrationWorker {
  const { store, gateway } = deps;
  const random = deps.random ?? Math.random;
  const lockTtlMs = deps.lockTtlMs ?? DEFAULT_LOCK_TTL_MS;
  const now = deps.now ?? Date.now;

  async function wakeAll(runs: string[]): Promise<void> {
    for (const run of runs) {
      try {
        await deps.wake(run);
      } catch (error) {
        deps.logger?.warn({ run, err: error }, 'could not wake run waiting on task definition');
      }
    }
  }

  async function settle(pending: PendingRegistration, arn: string, owned: boolean): Promise<ReconcileResult> {
    const waiting = await store.complete(pending.hash, arn, { owned, autoDeregister: pending.autoDeregister });
    await store.clearRegistrationTrouble(pending.hash);
    deps.logger?.info({ hash: pending.hash, family: pending.family, arn, owned, woken: waiting.length }, 'task definition resolved');
    await wakeAll(waiting);
    return {};
  }

  /** The family's latest ACTIVE revision when it is the same definition; null when it differs or is absent. */
  async function latestMatching(pending: PendingRegistration): Promise<string | null> {
    try {
      const output = await gateway.describeTaskDefinition({ taskDefinition: pending.family, include: ['TAGS'] }, { wait: false, target: targetOfPending(pending) });
      const td = output.taskDefinition;
      if (!td?.taskDefinitionArn || td.status !== 'ACTIVE') return null;
      // Right after a deregistration or deletion ECS may still name the refused revision as the latest
      // ACTIVE one (eventual consistency): reusing it would hand the runs the same refusal again.
      if (await store.isRejected(pending.hash, td.taskDefinitionArn)) return null;
      const described = { ...td, tags: output.tags };
      return hashTaskDefinition(described, pending.region, pending.target?.roleArn === undefined ? undefined : accountOfRoleArn(pending.target.roleArn)) === pending.hash ? td.taskDefinitionArn : null;
    } catch (error) {
      if (isAwsError(error) && isMissingFamily(error)) return null;
      throw error;
    }
  }

  /** One registration try: reuse the family's latest revision when it matches, else RegisterTaskDefinition. */
  async function tryRegistering(pending: PendingRegistration): Promise<ReconcileResult> {
    // After a conflict or an ambiguous failure someone (maybe we) may have registered it: look first.
    if (pending.matchLatestRevisionInFamily || (await store.failedTries(pending.hash)) > 0) {
      const reuse = await latestMatching(pending);
      if (reuse) return settle(pending, reuse, false);
    }
    // In the asking pool's turn among the pools waiting for this account-region's registrations; the caller
    // is the definition (one registration per hash at a time).
    const share = pending.share ? { share: { ...pending.share, caller: pending.hash } } : {};
    const output = await gateway.registerTaskDefinition(pending.taskDefinition, { wait: false, target: targetOfPending(pending), ...share });
    const arn = output.taskDefinition?.taskDefinitionArn;
    if (!arn) throw new Error('RegisterTaskDefinition returned no taskDefinitionArn');
    deps.metrics?.taskdefRegistrations.inc();
    return settle(pending, arn, true);
  }

  /**
   * A failed try worth retrying: keep AWS's words for the waiting runs' status (and their deadline), and warn
   * once per escalation (1st, 2nd, 4th … failed try, or a different error), not at every try.
   */
  async function recordTrouble(pending: PendingRegistration, error: unknown, retryAfterMs: number): Promise<void> {
    const { code, message } = describeError(error);
    const { trouble, previous } = await store.recordRegistrationTrouble(pending.hash, { code, message: `${code}: ${message}` }, new Date(now()).toISOString());
    if (isEscalation(trouble.failures, previous?.code, trouble.code)) {
      deps.logger?.warn(
        { hash: pending.hash, family: pending.family, failures: trouble.failures, reason: code, error: trouble.message, since: trouble.since, retryAfterMs },
        'task definition registration keeps failing',
      );
    }
  }

  async function register(hash: string): Promise<ReconcileResult> {
    const known = await store.cached(hash);
    if (known) {
      await wakeAll(await store.drainWaiting(hash));
      return {};
    }
    const pending = await store.pending(hash);
    if (!pending) {
      // Nothing to register (settled by another worker, or expired): let the waiting runs resolve again.
      await wakeAll(await store.drainWaiting(hash));
      return {};
    }
    const token = randomUUID();
    if (!(await store.lockFamily(pending.family, token, lockTtlMs))) {
      return { requeueAfterMs: LOCK_BUSY_BASE_MS + Math.floor(random() * LOCK_BUSY_BASE_MS * 2) };
    }
    try {
      return await tryRegistering(pending);
    } catch (error) {
      // Only AWS's answers are verdicts on the definition; anything else is retried by the job adapter.
      if (!isAwsError(error)) throw error;
      const tryNumber = (await store.failedTries(hash)) + 1;
      const action = registrationErrorAction(error, tryNumber, random, pending.family);
      if (action.action === 'fail') {
        const waiting = await store.fail(hash, { code: action.code, message: action.message, at: new Date().toISOString() }, deps.failureTtlSeconds ?? DEFAULT_FAILURE_TTL_SECONDS);
        await store.clearRegistrationTrouble(hash);
        deps.logger?.warn({ hash, family: pending.family, code: action.code, err: action.message }, 'task definition registration failed');
        await wakeAll(waiting);
        return {};
      }
      if (action.counts) {
        await store.countFailedTry(hash);
        await recordTrouble(pending, error, action.afterMs);
      }
      if (action.reason === 'conflict') deps.metrics?.taskdefRegistrationConflicts.inc();
      return { requeueAfterMs: action.afterMs };
    } finally {
      await store.unlockFamily(pending.family, token);
    }
  }

  async function deregister(arn: string, target?: AwsTarget): Promise<ReconcileResult> {
    try {
      await gateway.deregisterTaskDefinition({ taskDefinition: arn }, { wait: false, target: targetOfTask(arn, target) });
      deps.logger?.info({ arn }, 'task definition deregistered');
      return {};
    } catch (error) {
      if (!isAwsError(error)) throw error;
      const action = registrationErrorAction(error, 1, random, arn);
      // Already INACTIVE or gone: nothing left to do.
      if (action.action === 'fail') return {};
      return { requeueAfterMs: action.afterMs };
    }
  }

  return { register, deregister };
}

/** Where a registration goes: its pool's Region and role (pendings stored before targets existed: its Region). */
function targetOfPending(pending: PendingRegistration): AwsTarget {
  return pending.target ?? (pending.region !== undefined ? { region: pending.region } : {});
}
