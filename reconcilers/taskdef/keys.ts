/**
 * Redis keys of the task-definition cache and registration state, built from the store's keyspace
 * (`longshore:{<namespace>}:…`) so they live in one Redis Cluster slot with the store and the queues.
 */
import type { Keyspace } from '../../controller/store/keys.js';

export interface TaskdefKeys {
  /** hash → task-definition ARN (string). The cache: shared by replicas, survives restarts. */
  cache(hash: string): string;
  /**
   * hash → present (with a Redis TTL of the revalidation bound) while the cached ARN is known to be fresh:
   * registered or confirmed ACTIVE by DescribeTaskDefinition within the bound; "checking" while one
   * reconcile revalidates it (single flight). Absent: the next resolve describes the ARN before trusting it.
   */
  fresh(hash: string): string;
  /** hash → ARNs RunTask or a revalidation rejected for the hash (set, expiring): never reused for it. */
  rejected(hash: string): string;
  /** hash → the pending registration (JSON PendingRegistration) for the worker to register. */
  pending(hash: string): string;
  /** hash → a terminal registration failure (JSON RegistrationFailure), expiring. */
  failure(hash: string): string;
  /** hash → run names waiting for the registration (set). */
  waiting(hash: string): string;
  /** hash → failed registration tries of the hash (a number; drives the backoff). */
  failedTries(hash: string): string;
  /** hash → the retryable trouble of its registration (JSON RegistrationTrouble), while it lasts. */
  registrationTrouble(hash: string): string;
  /** family → the registration lock (owner token, with a TTL). */
  familyLock(family: string): string;
  /** ARN → names of live runs using the revision (set). */
  refs(arn: string): string;
  /** ARN → { hash, autoDeregister } for revisions Longshore registered itself (hash). */
  owned(arn: string): string;
  /** ARN → what the launch needs from a pool-provided taskDefinitionArn (JSON). */
  arnInfo(arn: string): string;
  /** pool + generation → the resolved awsvpc configuration (JSON). */
  network(pool: string, generation: number): string;
}

export function taskdefKeys(ks: Keyspace): TaskdefKeys {
  return {
    cache: (hash) => ks.key('tdcache', hash),
    fresh: (hash) => ks.key('tdfresh', hash),
    rejected: (hash) => ks.key('tdrejected', hash),
    pending: (hash) => ks.key('tdpending', hash),
    failure: (hash) => ks.key('tdfailure', hash),
    waiting: (hash) => ks.key('tdwaiting', hash),
    // The stored name predates the word "try"; kept so counts of registrations in flight survive an upgrade.
    failedTries: (hash) => ks.key('tdattempts', hash),
    registrationTrouble: (hash) => ks.key('tdtrouble', hash),
    familyLock: (family) => ks.key('tdlock', family),
    refs: (arn) => ks.key('tdrefs', arn),
    owned: (arn) => ks.key('tdowned', arn),
    arnInfo: (arn) => ks.key('tdarn', arn),
    network: (pool, generation) => ks.key('network', pool, String(generation)),
  };
}
