/**
 * The target for calls about something known only by its ARN (a cluster or task the store tracks, a task
 * to kill): the Region the ARN names, and the role of a pool whose role lives in the ARN's account (the
 * controller's own credentials when no pool's role does). The pools are read at most once per `ttlMs`.
 */
import { accountOfRoleArn, type AwsTarget } from './target.js';

export interface RoleSpec {
  roleArn?: string | undefined;
  externalId?: string | undefined;
}

export type ArnTargets = (arn: string) => Promise<AwsTarget>;

/** Region and account of an ARN (`arn:<partition>:<service>:<region>:<account>:…`), if it is one. */
export function arnRegionAndAccount(arn: string): { region: string; account: string } | undefined {
  const parts = arn.split(':');
  if (parts.length < 6 || parts[0] !== 'arn' || parts[3] === '' || parts[4] === '') return undefined;
  return { region: parts[3], account: parts[4] };
}

/** Pure: the target for `arn` given the pools' roles. */
export function targetOfArn(arn: string, roles: readonly RoleSpec[]): AwsTarget {
  const scope = arnRegionAndAccount(arn);
  if (scope === undefined) return {};
  const role = roles.find((spec) => spec.roleArn !== undefined && accountOfRoleArn(spec.roleArn) === scope.account);
  return {
    region: scope.region,
    ...(role?.roleArn !== undefined ? { roleArn: role.roleArn } : {}),
    ...(role?.externalId !== undefined ? { externalId: role.externalId } : {}),
  };
}

export function createArnTargets(listRoles: () => Promise<RoleSpec[]>, ttlMs = 5000, now: () => number = Date.now): ArnTargets {
  let cached: { at: number; roles: Promise<RoleSpec[]> } | undefined;
  return async (arn) => {
    if (cached === undefined || now() - cached.at > ttlMs) {
      const roles = listRoles();
      cached = { at: now(), roles };
      roles.catch(() => {
        cached = undefined;
      });
    }
    return targetOfArn(arn, await cached.roles);
  };
}

/** Every pool's role, read page by page from a store. */
export async function poolRoles(store: { listPools(options?: { cursor?: string }): Promise<{ items: Array<{ spec: RoleSpec }>; cursor?: string }> }): Promise<RoleSpec[]> {
  const roles: RoleSpec[] = [];
  let cursor: string | undefined;
  do {
    const page = await store.listPools(cursor ? { cursor } : {});
    for (const pool of page.items) if (pool.spec.roleArn !== undefined) roles.push({ roleArn: pool.spec.roleArn, externalId: pool.spec.externalId });
    cursor = page.cursor;
  } while (cursor);
  return roles;
}
