/**
 * Where an AWS call goes: a pool's Region and, when it names one, the role Longshore assumes for it. ECS
 * counts its budgets per account and Region, so the gateway paces per *scope* (account, Region): the
 * role's account (from its ARN) or `default` for the controller's own credentials, and the pool's Region
 * or the controller's.
 */
export interface AwsTarget {
  region?: string | undefined;
  roleArn?: string | undefined;
  externalId?: string | undefined;
}

/** The account and Region whose ECS budgets a call spends. */
export interface BudgetScope {
  /** The role's account id, or `default`: the account of the controller's own credentials. */
  account: string;
  /** The Region, or `default`: the controller's Region when it configures none. */
  region: string;
}

export const DEFAULT_ACCOUNT = 'default';

/** The account id inside an IAM role ARN (`arn:<partition>:iam::<account>:role/<path/name>`), if it is one. */
export function accountOfRoleArn(roleArn: string): string | undefined {
  return /^arn:aws[\w-]*:iam::(\d{12}):role\//.exec(roleArn)?.[1];
}

/** The target of a pool's calls: its Region (or the controller's) and its role. */
export function targetOfPool(spec: { region?: string | undefined; roleArn?: string | undefined; externalId?: string | undefined }): AwsTarget {
  return {
    ...(spec.region !== undefined ? { region: spec.region } : {}),
    ...(spec.roleArn !== undefined ? { roleArn: spec.roleArn } : {}),
    ...(spec.externalId !== undefined ? { externalId: spec.externalId } : {}),
  };
}

export function scopeOf(target: AwsTarget | undefined, defaultRegion: string | undefined): BudgetScope {
  const account = target?.roleArn === undefined ? DEFAULT_ACCOUNT : (accountOfRoleArn(target.roleArn) ?? DEFAULT_ACCOUNT);
  return { account, region: target?.region ?? defaultRegion ?? 'default' };
}

/** One string per distinct (Region, role, external id): the key of cached clients and gateways. */
export function targetKey(target: AwsTarget | undefined, defaultRegion: string | undefined): string {
  return JSON.stringify([target?.region ?? defaultRegion ?? '', target?.roleArn ?? '', target?.externalId ?? '']);
}

/**
 * The target for calls about a task already launched: the Region its ARN names (where it was launched,
 * whatever the pool says now) and the pool's role, if the pool is still there.
 */
export function targetOfTask(taskArn: string, pool: { region?: string | undefined; roleArn?: string | undefined; externalId?: string | undefined } | undefined): AwsTarget {
  const parts = taskArn.split(':');
  const arnRegion = parts.length >= 6 && parts[0] === 'arn' && parts[3] !== '' ? parts[3] : undefined;
  return targetOfPool({ ...(pool ?? {}), ...(arnRegion !== undefined ? { region: arnRegion } : {}) });
}

/**
 * The account-regions whose budgets an installation spends: the controller's own (always first, as the
 * calls that name no pool spend it) and each pool's, once each, in the order the pools come. Pure.
 */
export function budgetScopesOfPools(
  pools: ReadonlyArray<{ region?: string | undefined; roleArn?: string | undefined; externalId?: string | undefined }>,
  defaultRegion: string | undefined,
): BudgetScope[] {
  const scopes = new Map<string, BudgetScope>();
  for (const scope of [scopeOf(undefined, defaultRegion), ...pools.map((spec) => scopeOf(targetOfPool(spec), defaultRegion))]) {
    const key = `${scope.account}/${scope.region}`;
    if (!scopes.has(key)) scopes.set(key, scope);
  }
  return [...scopes.values()];
}
