/**
 * The awsvpc network of a pool's tasks, resolved once per pool generation and cached in Redis (not once per
 * run: EC2 describe calls have their own budget, and a stable answer keeps RunTask requests identical
 * across retries of one attempt, which clientToken idempotency needs).
 *
 * The seed's rules (ECSWorker._load_network_configuration / _custom_network_configuration):
 * - networkConfiguration with subnets: the VPC (vpcId) must exist and contain every listed subnet;
 * - otherwise: the subnets of vpcId, or of the default VPC, with a public IP (the seed's default) and the
 *   pool's security groups, if any.
 */
import type { Subnet } from '@aws-sdk/client-ec2';
import type { AwsVpcConfiguration } from '@aws-sdk/client-ecs';
import type { Redis } from 'ioredis';
import { BudgetExhaustedError } from '../../controller/aws/errors.js';
import type { PoolLike } from '../taskdef/inputs.js';
import type { TaskdefKeys } from '../taskdef/keys.js';
import { describeError, isAwsError } from './outcome.js';
import type { Ec2DescribeGateway } from './ports.js';

/** "Subnets / security groups per awsvpcConfiguration: 16 / 5". */
export const MAX_SUBNETS = 16;
const CACHE_TTL_SECONDS = 24 * 3600;
const MAX_SUBNET_PAGES = 10;
const RETRY_MS = 1000;

export type NetworkResolution =
  | { status: 'resolved'; network: AwsVpcConfiguration }
  | { status: 'retry'; retryAfterMs: number; message: string }
  | { status: 'failed'; message: string };

/** A pool's network settings that cannot work; the run fails with the message. */
export class NetworkError extends Error {
  override readonly name = 'NetworkError';
}

/** Pure: the configuration for a pool given what EC2 reported about its VPC. */
export function networkFor(pool: PoolLike, vpcFound: boolean, subnetsInVpc: readonly Subnet[]): AwsVpcConfiguration {
  const { vpcId, networkConfiguration: cfg } = pool.spec;
  const vpcMessage = vpcId ? `VPC with ID ${vpcId}` : 'the default VPC';
  if (!vpcFound) {
    const help = vpcId ? 'Check that the VPC exists in the current region.' : 'Pass an explicit `vpcId` or configure a default VPC.';
    throw new NetworkError(`Failed to find ${vpcMessage}. Network configuration cannot be inferred. ${help}`);
  }
  const ids = subnetsInVpc.map((s) => s.SubnetId).filter((id): id is string => typeof id === 'string').sort();
  const configured = cfg?.subnets ?? [];
  if (configured.length > 0) {
    const missing = configured.filter((id) => !ids.includes(id));
    if (missing.length > 0) {
      throw new NetworkError(`Subnets ${JSON.stringify(configured)} not found within ${vpcMessage}. Please check that VPC is associated with supplied subnets.`);
    }
    return compact({ subnets: [...configured], securityGroups: cfg?.securityGroups, assignPublicIp: cfg?.assignPublicIp });
  }
  if (ids.length === 0) throw new NetworkError(`Failed to find subnets for ${vpcMessage}. Network configuration cannot be inferred.`);
  return compact({ subnets: ids.slice(0, MAX_SUBNETS), securityGroups: cfg?.securityGroups, assignPublicIp: cfg?.assignPublicIp ?? 'ENABLED' });
}

function compact(network: AwsVpcConfiguration): AwsVpcConfiguration {
  const out: AwsVpcConfiguration = { subnets: network.subnets };
  if (network.securityGroups && network.securityGroups.length > 0) out.securityGroups = [...network.securityGroups];
  if (network.assignPublicIp) out.assignPublicIp = network.assignPublicIp;
  return out;
}

export interface NetworkResolver {
  resolve(pool: PoolLike): Promise<NetworkResolution>;
}

export function createNetworkResolver(deps: { redis: Redis; keys: TaskdefKeys; gateway: Ec2DescribeGateway }): NetworkResolver {
  async function describe(pool: PoolLike): Promise<AwsVpcConfiguration> {
    const { vpcId, networkConfiguration } = pool.spec;
    if ((networkConfiguration?.subnets?.length ?? 0) > 0 && !vpcId) {
      throw new NetworkError('You must provide a `vpcId` to enable custom `networkConfiguration`.');
    }
    let vpcs;
    try {
      vpcs = await deps.gateway.describeVpcs(vpcId ? { VpcIds: [vpcId] } : { Filters: [{ Name: 'isDefault', Values: ['true'] }] }, { wait: false });
    } catch (error) {
      // EC2 answers an unknown VPC id with InvalidVpcID.NotFound rather than an empty list.
      if (describeError(error).kind === 'notFound') return networkFor(pool, false, []);
      throw error;
    }
    const vpc = vpcs.Vpcs?.[0]?.VpcId;
    if (!vpc) return networkFor(pool, false, []);
    const subnets: Subnet[] = [];
    let nextToken: string | undefined;
    for (let page = 0; page < MAX_SUBNET_PAGES; page++) {
      const out = await deps.gateway.describeSubnets({ Filters: [{ Name: 'vpc-id', Values: [vpc] }], NextToken: nextToken }, { wait: false });
      subnets.push(...(out.Subnets ?? []));
      nextToken = out.NextToken;
      if (!nextToken) break;
    }
    return networkFor(pool, true, subnets);
  }

  return {
    async resolve(pool) {
      const key = deps.keys.network(pool.metadata.name, pool.metadata.generation ?? 0);
      const cached = await deps.redis.get(key);
      if (cached) return { status: 'resolved', network: JSON.parse(cached) as AwsVpcConfiguration };
      try {
        const network = await describe(pool);
        await deps.redis.set(key, JSON.stringify(network), 'EX', CACHE_TTL_SECONDS);
        return { status: 'resolved', network };
      } catch (error) {
        if (error instanceof NetworkError) return { status: 'failed', message: error.message };
        if (!isAwsError(error)) throw error;
        if (error instanceof BudgetExhaustedError) return { status: 'retry', retryAfterMs: error.retryAfterMs, message: error.message };
        const d = describeError(error);
        if (d.kind === 'throttled' || d.kind === 'transient') return { status: 'retry', retryAfterMs: d.retryAfterMs ?? RETRY_MS, message: `${d.code}: ${d.message}` };
        return { status: 'failed', message: `Could not resolve the network: ${d.code}: ${d.message}` };
      }
    },
  };
}
