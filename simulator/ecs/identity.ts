/** Region/account and the ARNs ECS forms from them (sim-contracts.md "Identity"). */
export interface Identity {
  region: string;
  accountId: string;
}

export const clusterArn = (id: Identity, clusterName: string): string =>
  `arn:aws:ecs:${id.region}:${id.accountId}:cluster/${clusterName}`;

export const taskDefinitionArn = (id: Identity, family: string, revision: number): string =>
  `arn:aws:ecs:${id.region}:${id.accountId}:task-definition/${family}:${revision}`;

export const taskArn = (id: Identity, clusterName: string, taskId: string): string =>
  `arn:aws:ecs:${id.region}:${id.accountId}:task/${clusterName}/${taskId}`;

export const containerArn = (id: Identity, clusterName: string, taskId: string, containerId: string): string =>
  `arn:aws:ecs:${id.region}:${id.accountId}:container/${clusterName}/${taskId}/${containerId}`;

export const containerInstanceArn = (id: Identity, clusterName: string, instanceId: string): string =>
  `arn:aws:ecs:${id.region}:${id.accountId}:container-instance/${clusterName}/${instanceId}`;

/** The name inside a cluster reference that may be a bare name or a full ARN; "default" when absent. */
export function clusterNameOf(reference: string | undefined): string {
  if (reference === undefined || reference === '') return 'default';
  const marker = ':cluster/';
  const at = reference.indexOf(marker);
  return at >= 0 ? reference.slice(at + marker.length) : reference;
}

/** The task id inside a task reference that may be an id or an ARN (old or new ARN format). */
export function taskIdOf(reference: string): string {
  const slash = reference.lastIndexOf('/');
  return slash >= 0 ? reference.slice(slash + 1) : reference;
}
