/**
 * Which account-region's budgets a call spends, and the Redis keys of those budgets: the one place the
 * controller, the API server and the CLI derive them, so every reader finds what the controller's replicas
 * write. Pure.
 *
 * AWS counts ECS's budgets per real account and Region, so two ways of naming the same account-region must
 * land on the same keys: a pool without a `region` and a pool naming the controller's own Region share the
 * home Region's buckets, and a pool whose `roleArn` is in the controller's own account shares that account's
 * buckets with the pools that use the controller's credentials. Both need the controller's *home*
 * (HomeScope): its Region and, when it learned it, its account. A process that is not the controller (the
 * API, the CLI) must use the home its namespace's controllers recorded (home-record.ts), not its own
 * AWS_REGION, or it reads keys nobody writes.
 */
import type { Keyspace } from '../store/keys.js';
import { accountOfRoleArn, DEFAULT_ACCOUNT, targetOfPool, type AwsTarget, type BudgetScope } from './target.js';

/** The Region of a scope when neither the pool nor the controller names one (the controller's calls then fail). */
export const UNKNOWN_REGION = 'default';

/** The controller's own account-region: where calls that name no Region and no role go. */
export interface HomeScope {
  /** AWS_REGION (or the Region the SDK's chain resolved); undefined when the controller has none. */
  region: string | undefined;
  /** The account id of the controller's own credentials (STS GetCallerIdentity), when it learned it. */
  account?: string | undefined;
}

/**
 * The account-region a target's calls spend, in canonical form: the account is `default` for the
 * controller's own account however it is reached (its credentials, or a role in that same account), else
 * the role's account id; the Region is the target's, else the home Region.
 */
export function scopeOf(target: AwsTarget | undefined, home: HomeScope): BudgetScope {
  const roleAccount = target?.roleArn === undefined ? undefined : accountOfRoleArn(target.roleArn);
  return { account: canonicalAccount(roleAccount ?? DEFAULT_ACCOUNT, home), region: target?.region ?? home.region ?? UNKNOWN_REGION };
}

function canonicalAccount(account: string, home: HomeScope): string {
  return home.account !== undefined && account === home.account ? DEFAULT_ACCOUNT : account;
}

/**
 * The Redis key parts of a scope's buckets and fair-share state (`category` is a bucket's category or a
 * share key's name). The controller's own account in its own Region keeps the key it always had
 * (`budget:<category>`), so an upgrade keeps its buckets' state; every other account-region gets
 * `budget:<account>:<region>:<category>`. A scope built by hand with the home account's id is read as
 * `default`, so it, too, lands on the keys the controller uses.
 */
export function budgetKeyParts(scope: BudgetScope, home: HomeScope, category: string): string[] {
  const account = canonicalAccount(scope.account, home);
  const isHome = account === DEFAULT_ACCOUNT && scope.region === (home.region ?? UNKNOWN_REGION);
  return isHome ? ['budget', category] : ['budget', account, scope.region, category];
}

/** How an account-region's share keys are named: next to its buckets (budgetKeyParts). */
export function shareKeyFor(keyspace: Keyspace, scope: BudgetScope, home: HomeScope): (name: string) => string {
  return (name) => keyspace.key(...budgetKeyParts(scope, home, name));
}

/**
 * The account-regions whose budgets an installation spends: the controller's own (always first, as the
 * calls that name no pool spend it) and each pool's, once each, in the order the pools come.
 */
export function budgetScopesOfPools(
  pools: ReadonlyArray<{ region?: string | undefined; roleArn?: string | undefined; externalId?: string | undefined }>,
  home: HomeScope,
): BudgetScope[] {
  const scopes = new Map<string, BudgetScope>();
  for (const scope of [scopeOf(undefined, home), ...pools.map((spec) => scopeOf(targetOfPool(spec), home))]) {
    const key = `${scope.account}/${scope.region}`;
    if (!scopes.has(key)) scopes.set(key, scope);
  }
  return [...scopes.values()];
}
