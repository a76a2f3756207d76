/**
 * Where an AWS call goes: a pool's Region and, when it names one, the role Longshore assumes for it. ECS
 * counts its budgets per account and Region, so the gateway paces per *scope* (account, Region): the
 * role's account (from its ARN) or `default` for the controller's own account, and the pool's Region or the
 * controller's (budget-keys.ts derives scopes and their keys).
 */
export interface AwsTarget {
  region?: string | undefined;
  roleArn?: string | undefined;
  externalId?: string | undefined;
}

/** The account and Region whose ECS budgets a call spends. */
export interface BudgetScope {
  /** The role's account id, or `default`: the account of the controller's own credentials (reached by them or by a role). */
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

/** One string per distinct (Region, role, external id): the key of cached clients and gateways. */
export function targetKey(target: AwsTarget | undefined, defaultRegion: string | undefined): string {
  return JSON.stringify([target?.region ?? defaultRegion ?? '', target?.roleArn ?? '', target?.externalId ?? '']);
}

/** The Region an ARN names (`arn:<partition>:<service>:<region>:…`), if it is one that names one. */
export function regionOfArn(arn: string): string | undefined {
  const parts = arn.split(':');
  return parts.length >= 6 && parts[0] === 'arn' && parts[3] !== '' ? parts[3] : undefined;
}

/**
 * The target for calls about a task already launched: the Region its ARN names (where it was launched,
 * whatever the pool says now) and the pool's role, if the pool is still there.
 */
export function targetOfTask(taskArn: string, pool: { region?: string | undefined; roleArn?: string | undefined; externalId?: string | undefined } | undefined): AwsTarget {
  const arnRegion = regionOfArn(taskArn);
  return targetOfPool({ ...(pool ?? {}), ...(arnRegion !== undefined ? { region: arnRegion } : {}) });
}
