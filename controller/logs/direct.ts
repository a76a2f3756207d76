/**
 * A RunLogSource for a process that is not a controller replica — the API server, the CLI in direct mode:
 * its own AWS clients and gateway from the compiled configuration, spending the installation's shared
 * logsRead budget (the bucket the controller's replicas use, in the configured namespace's keyspace).
 */
import type { RedisClient } from '../redis.js';
import type { ControllerConfig } from '../config.js';
import { createAwsClientPool } from '../aws/clients.js';
import { budgetKeyParts, createRoutedGateway } from '../aws/routed-gateway.js';
import { RedisBudgets } from '../aws/redis-budgets.js';
import { BURST_RESERVE_FRACTION } from '../aws/budgets.js';
import { keyspace } from '../store/keys.js';
import type { ResourceStore } from '../store/store.js';
import { createGatewayRunLogSource } from './index.js';
import type { CloudWatchRunLogSource } from './source.js';

export interface DirectRunLogSource {
  source: CloudWatchRunLogSource;
  /** Releases the AWS clients' sockets. */
  close(): void;
}

export function createDirectRunLogSource(config: ControllerConfig, redis: RedisClient, store?: ResourceStore): DirectRunLogSource {
  const budgetKeys = store?.keyspace ?? keyspace(config.namespace);
  // The controller's wiring: a pool's streams are read in its Region through its role, on that account-region's budget.
  const clientPool = createAwsClientPool({ region: config.aws.region, endpointUrl: config.aws.endpointUrl });
  const gateway = createRoutedGateway({
    clientPool,
    defaultRegion: config.aws.region,
    budgetsFor: (scope) => new RedisBudgets({
      redis, budgets: config.budgets, burstReserveFraction: BURST_RESERVE_FRACTION,
      bucketKey: (category) => budgetKeys.key(...budgetKeyParts(scope, config.aws.region, category)),
    }),
    maxWaitMs: config.budgetMaxWaitMs,
  });
  const source = createGatewayRunLogSource({
    redis, gateway, ...(store ? { store } : {}), ...(config.aws.region === undefined ? {} : { defaultRegion: config.aws.region }),
  });
  return { source, close: () => clientPool.destroy() };
}
