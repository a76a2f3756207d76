/**
 * A RunLogSource for a process that is not a controller replica — the API server, the CLI in direct mode:
 * its own AWS clients from the compiled configuration, and for each run the gateway and budgets of the run's
 * namespace, built as that namespace's controller builds its own (aws/namespace-budgets.ts), from the home
 * account-region its controllers recorded (aws/home-record.ts), not this process's AWS_REGION. So a read spends
 * the logsRead bucket the run's controller paces with, whatever LONGSHORE_NAMESPACE this process has: an API
 * on `default` serving runs of `prod` shares prod's budget, instead of keeping a second one AWS knows nothing of.
 */
import type { RedisClient } from '../redis.js';
import type { ControllerConfig } from '../config.js';
import type { AwsGateway } from '../aws/gateway.js';
import { createAwsClientPool } from '../aws/clients.js';
import type { HomeScope } from '../aws/budget-keys.js';
import { readerHome } from '../aws/home-record.js';
import { namespaceBudgets } from '../aws/namespace-budgets.js';
import { createRoutedGateway } from '../aws/routed-gateway.js';
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
  // The controller's wiring: a pool's streams are read in its Region through its role, on that account-region's budget.
  const clientPool = createAwsClientPool({ region: config.aws.region, endpointUrl: config.aws.endpointUrl });
  // One gateway per namespace read and home (each holds only its per-target gateways), sharing the clients. A
  // gateway is made only for a namespace that has the run being read, so the map stays as small as the
  // installations served (a second one only when a namespace's recorded home changes).
  const gateways = new Map<string, AwsGateway>();
  const gatewayOf = (namespace: string, home: HomeScope): AwsGateway => {
    const key = JSON.stringify([namespace, home.region ?? null, home.account ?? null]);
    let gateway = gateways.get(key);
    if (gateway === undefined) {
      gateway = createRoutedGateway({
        clientPool,
        home,
        budgetsFor: namespaceBudgets({
          redis, keyspace: keyspace(namespace), budgets: config.budgets, home, clockScale: config.budgetTimeScale,
        }),
        maxWaitMs: config.budgetMaxWaitMs,
      });
      gateways.set(key, gateway);
    }
    return gateway;
  };
  // The budget keys are the namespace's controllers', derived from the home they recorded (one GET per read,
  // so a record made after this process started is used at once); this process's Region only stands in.
  const gatewayFor = (namespace: string): Pick<AwsGateway, 'getLogEvents'> => ({
    getLogEvents: async (input, options) => {
      const { home } = await readerHome(redis, keyspace(namespace), config.aws.region);
      return gatewayOf(namespace, home).getLogEvents(input, options);
    },
  });
  const source = createGatewayRunLogSource({
    redis, gatewayFor, ...(store ? { store } : {}), ...(config.aws.region === undefined ? {} : { defaultRegion: config.aws.region }),
  });
  return { source, close: () => clientPool.destroy() };
}
