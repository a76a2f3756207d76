/**
 * The AWS SDK v3 clients the gateway drives. `maxAttempts: 1` turns the SDK's own retries off: the gateway
 * alone decides when to retry, so a throttle is seen once, counted once, and paced by the shared budgets.
 * Region and credentials follow the SDK's default chain unless given; `endpointUrl` points every client at
 * one endpoint (the simulator serves ECS, EC2 and CloudWatch Logs on one port).
 */
import type { LookupFunction } from 'node:net';
import { ECSClient } from '@aws-sdk/client-ecs';
import type { EC2Client } from '@aws-sdk/client-ec2';
import type { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { fromTemporaryCredentials } from '@aws-sdk/credential-providers';
import { doesIdentityRequireRefresh, isIdentityExpired, memoizeIdentityProvider } from '@smithy/core';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';
import { targetKey, type AwsTarget } from './target.js';

/**
 * The SDK modules a replica may never use, loaded on first use (a dynamic import): most replicas infer no
 * network (EC2), read no logs and poll no queue, and the EC2 module alone holds about 60 MB of a process's
 * memory once imported (issue 10). Node caches a module: later calls cost a lookup.
 */
export const loadEc2 = () => import('@aws-sdk/client-ec2');
export const loadLogs = () => import('@aws-sdk/client-cloudwatch-logs');
export const loadSqs = () => import('@aws-sdk/client-sqs');

export interface AwsClients {
  ecs: ECSClient;
  /** Built on first use, with its SDK module (loadEc2). */
  ec2(): Promise<EC2Client>;
  /** Built on first use, with its SDK module (loadLogs). */
  logs(): Promise<CloudWatchLogsClient>;
  /** For the optional task-state event queue; SQS is not an ECS budget, so it bypasses the gateway. Built on first use. */
  sqs(): Promise<SQSClient>;
  /** Closes the clients' sockets. */
  destroy(): void;
}

/** A client built once, on the first call, and closed by `destroy` if it was built. */
function lazyClient<C extends { destroy(): void }>(build: () => Promise<C>): { get(): Promise<C>; destroy(): void } {
  let pending: Promise<C> | undefined;
  let built: C | undefined;
  return {
    get: () => (pending ??= build().then((client) => (built = client))),
    destroy: () => built?.destroy(),
  };
}

export interface AwsClientOptions {
  region?: string | undefined;
  /**
   * One endpoint for every client instead of AWS's. `{service}` and `{region}` in it become each client's
   * endpoint prefix (ecs, ec2, logs, sqs, sts) and Region, so one template can stand for AWS's regional
   * names `<service>.<region>.amazonaws.com` (the simulator's `regionalUrl` does).
   */
  endpointUrl?: string | undefined;
  credentials?: AwsCredentialIdentity | AwsCredentialIdentityProvider | undefined;
  /** Per-request socket timeout, so a hung connection becomes a transient error. */
  requestTimeoutMs?: number;
  /**
   * How endpoint names are resolved; node's resolver (dns.lookup) when absent, as in production. Tests pass
   * the simulator's model of AWS's DNS, where a Region that does not exist has no name (ENOTFOUND), which a
   * server reached at one address cannot otherwise show.
   */
  lookup?: LookupFunction | undefined;
}

/** The endpoint of one service's client: `endpointUrl` with its `{service}` and `{region}` filled in. */
export function endpointFor(endpointUrl: string, service: string, region: string | undefined): string {
  if (endpointUrl.includes('{region}') && region === undefined) {
    throw new Error(`AWS endpoint ${endpointUrl} names {region}, but no Region is configured (AWS_REGION)`);
  }
  return endpointUrl.replaceAll('{service}', service).replaceAll('{region}', region ?? '');
}

/** The SDK's request handler options: a socket timeout, and the name lookup when one is given. */
function requestHandlerOf(options: AwsClientOptions) {
  const agent = options.lookup !== undefined ? { lookup: options.lookup } : undefined;
  return { requestTimeout: options.requestTimeoutMs ?? 30_000, ...(agent ? { httpAgent: agent, httpsAgent: agent } : {}) };
}

export function createAwsClients(options: AwsClientOptions = {}): AwsClients {
  const base = {
    maxAttempts: 1,
    ...(options.region ? { region: options.region } : {}),
    ...(options.credentials ? { credentials: options.credentials } : {}),
    requestHandler: requestHandlerOf(options),
  };
  const endpointUrl = options.endpointUrl;
  const config = (service: string) => ({ ...base, ...(endpointUrl ? { endpoint: endpointFor(endpointUrl, service, options.region) } : {}) });
  const ecs = new ECSClient(config('ecs'));
  const ec2 = lazyClient(async () => new (await loadEc2()).EC2Client(config('ec2')));
  const logs = lazyClient(async () => new (await loadLogs()).CloudWatchLogsClient(config('logs')));
  const sqs = lazyClient(async () => new (await loadSqs()).SQSClient(config('sqs')));
  return {
    ecs,
    ec2: ec2.get,
    logs: logs.get,
    sqs: sqs.get,
    destroy() {
      ecs.destroy();
      ec2.destroy();
      logs.destroy();
      sqs.destroy();
    },
  };
}

/**
 * The Region the SDK's own chain resolves when none is configured (a profile's `region`, say): where the
 * controller's region-less calls go. Rejects when it finds none.
 */
export async function sdkDefaultRegion(): Promise<string> {
  const probe = new ECSClient({});
  try {
    return await probe.config.region();
  } finally {
    probe.destroy();
  }
}

/** The session name Longshore's assumed-role sessions carry (CloudTrail shows it). */
export const ROLE_SESSION_NAME = 'longshore';
/** An hour: IAM's default maximum session duration, so every role allows it. */
const ROLE_SESSION_SECONDS = 3600;

/** AWS clients per target (Region, role): created on first use, then reused. */
export interface AwsClientPool {
  clientsFor(target: AwsTarget | undefined): AwsClients;
  /** Closes every client created so far. */
  destroy(): void;
}

/**
 * A pool with a role gets clients whose credentials are that role's: the SDK's own STS provider
 * (`fromTemporaryCredentials`, signing with the controller's credentials), memoized once per target so
 * the four clients share one session, refreshed five minutes before it expires (the SDK's own rule).
 */
export function createAwsClientPool(options: AwsClientOptions = {}): AwsClientPool {
  const pool = new Map<string, AwsClients>();
  return {
    clientsFor(target) {
      const key = targetKey(target, options.region);
      let clients = pool.get(key);
      if (clients === undefined) {
        const region = target?.region ?? options.region;
        clients = createAwsClients({
          ...options,
          region,
          ...(target?.roleArn !== undefined ? { credentials: assumedRole(target.roleArn, target.externalId, region, options) } : {}),
        });
        pool.set(key, clients);
      }
      return clients;
    },
    destroy() {
      for (const clients of pool.values()) clients.destroy();
      pool.clear();
    },
  };
}

function assumedRole(roleArn: string, externalId: string | undefined, region: string | undefined, options: AwsClientOptions): AwsCredentialIdentityProvider {
  const provider = fromTemporaryCredentials({
    params: {
      RoleArn: roleArn,
      RoleSessionName: ROLE_SESSION_NAME,
      DurationSeconds: ROLE_SESSION_SECONDS,
      ...(externalId !== undefined ? { ExternalId: externalId } : {}),
    },
    ...(options.credentials !== undefined ? { masterCredentials: options.credentials } : {}),
    clientConfig: {
      maxAttempts: 3,
      ...(region !== undefined ? { region } : {}),
      ...(options.endpointUrl !== undefined ? { endpoint: endpointFor(options.endpointUrl, 'sts', region) } : {}),
      ...(options.lookup !== undefined ? { requestHandler: requestHandlerOf(options) } : {}),
    },
  });
  return memoizeIdentityProvider(provider, isIdentityExpired, doesIdentityRequireRefresh) as AwsCredentialIdentityProvider;
}
