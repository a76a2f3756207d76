/**
 * The budgets a namespace's AWS calls spend, built the same way by every process that spends them: the
 * namespace's controller replicas (controller/main.ts), and the API server and the CLI when they read one of
 * its runs' logs (logs/direct.ts). One RedisBudgets per account-region (BudgetScope), its buckets and
 * fair-share state in the namespace's keyspace (`longshore:{<namespace>}:budget:…`, see budgetKeyParts).
 *
 * Why the namespace's keyspace and not an account-level key: the budget script takes every key of one call
 * (the buckets a RunTask spends, the fair-share hashes) in one atomic EVAL, so they must share a Redis Cluster
 * hash slot, and the namespace's hash tag `{<namespace>}` is what gives them one. An installation is one
 * namespace's replicas; a second namespace is a second installation with its own buckets (possibly on another
 * account). So "the account's shared budget" of a run is the one its namespace's controller paces with, and
 * anything else reading for that run must spend that one to be counted with it.
 */
import type { RedisClient } from '../redis.js';
import type { Keyspace } from '../store/keys.js';
import { BURST_RESERVE_FRACTION, JITTER_ALLOWANCE_SECONDS, type BudgetTable } from './budgets.js';
import { budgetKeyParts, shareKeyFor, type HomeScope } from './budget-keys.js';
import { RedisBudgets } from './redis-budgets.js';
import type { BudgetScope } from './target.js';

export interface NamespaceBudgetSettings {
  redis: RedisClient;
  /** The keyspace of the namespace whose calls these are (the run's, for a run's log). */
  keyspace: Keyspace;
  /** LONGSHORE_BUDGET_* as compiled (controller/config.ts). */
  budgets: BudgetTable;
  /**
   * The namespace's controllers' home account-region, whose buckets keep the short key: the controller's own,
   * and for any other process the one the controllers recorded (home-record.ts).
   */
  home: HomeScope;
  /** LONGSHORE_BUDGET_TIME_SCALE. */
  clockScale: number;
}

export function namespaceBudgets(settings: NamespaceBudgetSettings): (scope: BudgetScope) => RedisBudgets {
  const { redis, keyspace, budgets, home, clockScale } = settings;
  return (scope) => new RedisBudgets({
    redis, budgets, burstReserveFraction: BURST_RESERVE_FRACTION, jitterAllowanceSeconds: JITTER_ALLOWANCE_SECONDS,
    bucketKey: (category) => keyspace.key(...budgetKeyParts(scope, home, category)),
    shareKey: shareKeyFor(keyspace, scope, home),
    clockScale,
  });
}
