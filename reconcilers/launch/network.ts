/**
 * The awsvpc network of a pool's tasks, resolved once per pool generation and cached in Redis (not once per
 * run: EC2 describe calls have their own budget, and a stable answer keeps RunTask requests identical
 * across retries of one attempt, which clientToken idempotency needs).
 *
 * Single flight: on a miss, one reconcile across all replicas takes a short Redis lock per pool generation
 * and calls EC2; the others answer 'retry' with a short delay (a requeue, not a blocked worker slot), and
 * callers in the same process share the in-flight answer. Failures are cached briefly too, so a burst of
 * runs on a pool with an unknown VPC makes one failing call, not hundreds; and EC2 failing in a way worth
 * retrying (5xx, timeouts, throttles) is cached for the pool's growing backoff (NETWORK_BACKOFF), so the
 * pool's runs wait for it (their launches show the error, and their launch deadline runs) instead of each
 * asking EC2 again at its own pace.
 *
 * The seed's rules (ECSWorker._load_network_configuration / _custom_network_configuration):
 * - networkConfiguration with subnets: the VPC (vpcId) must exist and contain every listed subnet;
 * - otherwise: the subnets of vpcId, or of the default VPC, with a public IP (the seed's default) and the
 *   pool's security groups, if any.
 */
import { targetOfPool } from '../../controller/aws/target.js';
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Subnet } from '@aws-sdk/client-ec2';
import type { AwsVpcConfiguration } from '@aws-sdk/client-ecs';
import type { RedisClient } from '../../controller/redis.js';
import { BudgetExhaustedError, GatewayError, describeError, isAwsError, isRetryableKind } from '../../controller/aws/errors.js';
import { equalJitterBackoffMs, type ExponentialBackoff, type Random } from '../../controller/backoff.js';
import type { PoolLike } from '../taskdef/inputs.js';
import type { TaskdefKeys } from '../taskdef/keys.js';
import { NetworkCache, type CachedNetwork } from './network-cache.js';
import type { Ec2DescribeGateway } from './ports.js';

/** "Subnets / security groups per awsvpcConfiguration: 16 / 5". */
export const MAX_SUBNETS = 16;
const CACHE_TTL_SECONDS = 24 * 3600;
const MAX_SUBNET_PAGES = 10;
const RETRY_MS = 1000;

export type NetworkResolution =
  | { status: 'resolved'; network: AwsVpcConfiguration }
  /**
   * Not now. `waiting`: nothing failed, the run only waits its turn (another replica is resolving the pool's
   * network right now, or the EC2 budget is empty): a place in line, not a failed launch try.
   */
  | { status: 'retry'; retryAfterMs: number; message: string; waiting?: true }
  | { status: 'failed'; message: string };

/** A pool's network settings that cannot work; the run fails with the message. */
export class NetworkError extends Error {
  override readonly name = 'NetworkError';
}

/**
 * Pure: what a run held up by another resolution of its pool's network shows. It names the holder and how
 * long its lock has left, so a wait longer than the lock's TTL (seen once after a Redis Cluster failover)
 * can be told apart from many short ones.
 */
export function busyMessage(poolName: string, lock: { token: string; remainingMs: number; hadNoExpiry: boolean } | undefined): string {
  const base = `The network of pool '${poolName}' is being resolved by another replica`;
  if (!lock) return `${base}.`;
  const holder = lock.token.includes('/') ? lock.token.slice(0, lock.token.lastIndexOf('/')) : 'an unnamed holder';
  const left = `${Math.ceil(lock.remainingMs / 1000)} s`;
  return lock.hadNoExpiry
    ? `${base} (${holder}); its lock had no expiry and now ends in ${left}.`
    : `${base} (${holder}; its lock ends in ${left}).`;
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

/**
 * Pure: what an error of the EC2 describe calls means for the run. Undefined for errors that are not an
 * answer about the network (bugs, Redis): the caller rethrows those for the job adapter to back off.
 */
export function resolutionOfError(error: unknown): NetworkResolution | undefined {
  if (error instanceof NetworkError) return { status: 'failed', message: error.message };
  if (!isAwsError(error)) return undefined;
  if (error instanceof BudgetExhaustedError) return { status: 'retry', retryAfterMs: error.retryAfterMs, message: error.message, waiting: true };
  const d = describeError(error);
  if (isRetryableKind(d.kind)) {
    const action = error instanceof GatewayError ? error.action : 'EC2';
    return { status: 'retry', retryAfterMs: d.retryAfterMs ?? RETRY_MS, message: `network inference: ${action}: ${d.code}: ${d.message}` };
  }
  return { status: 'failed', message: `Could not resolve the network: ${d.code}: ${d.message}` };
}

/**
 * Between two EC2 resolutions of a pool that keep failing (5xx, timeouts, throttles): 1 s, 2 s, 4 s … at
 * most a minute, equal jitter, shared by every run of the pool and every replica (the answer is cached for
 * that long). Without it each run's own launch backoff would still send one DescribeVpcs per run per try.
 */
export const NETWORK_BACKOFF: ExponentialBackoff = { baseMs: 1_000, factor: 2, capMs: 60_000 };

export interface NetworkResolverTimings {
  /** How long a resolved network stays cached (the key carries the generation, so edits never see it). */
  networkTtlMs: number;
  /** How long a failed resolution is answered from the cache, so a burst of runs makes one failing call. */
  failureTtlMs: number;
  /** Upper bound of one resolution (both describes, all subnet pages); a crashed holder blocks no longer. */
  lockTtlMs: number;
  /** The requeue delay of a reconcile that found another replica resolving the same pool. */
  busyRetryMs: number;
}

export const DEFAULT_NETWORK_TIMINGS: NetworkResolverTimings = {
  networkTtlMs: CACHE_TTL_SECONDS * 1000, failureTtlMs: 30_000, lockTtlMs: 15_000, busyRetryMs: 250,
};

export function createNetworkResolver(deps: {
  redis: RedisClient; keys: TaskdefKeys; gateway: Ec2DescribeGateway; timings?: Partial<NetworkResolverTimings>; now?: () => number; random?: Random;
  /** Names this replica in the lock, so the runs another replica holds up say who holds them (its replica id). */
  holder?: string;
}): NetworkResolver {
  const now = deps.now ?? Date.now;
  const random = deps.random ?? Math.random;
  const timings = { ...DEFAULT_NETWORK_TIMINGS, ...deps.timings };
  const cache = new NetworkCache(deps.redis);
  const holder = deps.holder ?? `${hostname()}:${process.pid}`;
  /** Misses being resolved by this process: later callers share the answer instead of racing for the lock. */
  const inFlight = new Map<string, Promise<NetworkResolution>>();

  async function describe(pool: PoolLike): Promise<AwsVpcConfiguration> {
    const { vpcId, networkConfiguration } = pool.spec;
    if ((networkConfiguration?.subnets?.length ?? 0) > 0 && !vpcId) {
      throw new NetworkError('You must provide a `vpcId` to enable custom `networkConfiguration`.');
    }
    // The network is the pool's account-region's: its default VPC and subnets are there.
    const target = targetOfPool(pool.spec);
    let vpcs;
    try {
      vpcs = await deps.gateway.describeVpcs(vpcId ? { VpcIds: [vpcId] } : { Filters: [{ Name: 'isDefault', Values: ['true'] }] }, { wait: false, target });
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
      const out = await deps.gateway.describeSubnets({ Filters: [{ Name: 'vpc-id', Values: [vpc] }], NextToken: nextToken }, { wait: false, target });
      subnets.push(...(out.Subnets ?? []));
      nextToken = out.NextToken;
      if (!nextToken) break;
    }
    return networkFor(pool, true, subnets);
  }

  async function describeAndRemember(pool: PoolLike, key: string): Promise<NetworkResolution> {
    let resolution: NetworkResolution;
    let paced = false;
    try {
      resolution = { status: 'resolved', network: await describe(pool) };
    } catch (error) {
      const known = resolutionOfError(error);
      if (!known) throw error;
      resolution = known;
      paced = error instanceof BudgetExhaustedError;
    }
    if (resolution.status === 'resolved') {
      await cache.write(key, resolution, timings.networkTtlMs);
      await cache.clearFailures(key);
    }
    if (resolution.status === 'failed') await cache.write(key, resolution, timings.failureTtlMs);
    // An empty budget is our own pacing, not an answer: the next lock holder asks again. EC2 failing is
    // remembered for the pool's growing backoff, so every run of the pool waits for it instead of asking.
    if (resolution.status === 'retry' && !paced) {
      const delayMs = Math.max(resolution.retryAfterMs, equalJitterBackoffMs(NETWORK_BACKOFF, await cache.countFailure(key), random));
      await cache.write(key, { status: 'retry', message: resolution.message, until: now() + delayMs }, delayMs);
      resolution = { ...resolution, retryAfterMs: delayMs };
    }
    return resolution;
  }

  /** A cache entry as the caller's answer (a cached EC2 failure: wait out what is left of its backoff). */
  function answerOf(entry: CachedNetwork): NetworkResolution {
    if (entry.status !== 'retry') return entry;
    return { status: 'retry', message: entry.message, retryAfterMs: Math.max(0, entry.until - now()) };
  }

  /** One EC2 resolution per key across replicas: the lock holder describes, everyone else requeues. */
  async function resolveMiss(pool: PoolLike, key: string): Promise<NetworkResolution> {
    const token = `${holder}/${randomUUID()}`;
    if (!(await cache.lock(key, token, timings.lockTtlMs))) {
      const message = busyMessage(pool.metadata.name, await cache.lockHolder(key, timings.lockTtlMs));
      return { status: 'retry', retryAfterMs: timings.busyRetryMs, message, waiting: true };
    }
    try {
      // The previous holder may have written the answer between our cache read and our lock.
      const written = await cache.read(key);
      return written ? answerOf(written) : await describeAndRemember(pool, key);
    } finally {
      // Released only after the answer is written, so nobody sees the lock free and the cache empty.
      await cache.unlock(key, token);
    }
  }

  return {
    async resolve(pool) {
      const key = deps.keys.network(pool.metadata.name, pool.metadata.generation ?? 0);
      const cached = await cache.read(key);
      if (cached) return answerOf(cached);
      const running = inFlight.get(key);
      if (running) return running;
      const miss = resolveMiss(pool, key).finally(() => inFlight.delete(key));
      inFlight.set(key, miss);
      return miss;
    },
  };
}
