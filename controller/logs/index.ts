/**
 * Run logs: the RunLogSource over CloudWatch Logs (source.ts) wired to the gateway and the store, as the
 * controller, the API server and the CLI (direct mode) build it. See docs/logs.md.
 */
import type { RedisClient } from '../redis.js';
import type { AwsGateway } from '../aws/gateway.js';
import { ResourceStore } from '../store/store.js';
import { createRunLogSource, type CloudWatchRunLogSource } from './source.js';

export { RunLogError, type RunLogFailureReason, type RunLogLine, type RunLogRequest, type RunLogSource } from './types.js';
export { createRunLogSource, type CloudWatchRunLogSource, type RunLogSourceDeps } from './source.js';

type LogGateway = Pick<AwsGateway, 'getLogEvents'>;

export type GatewayLogSourceOptions = {
  redis: RedisClient;
  /** The store of the caller's own namespace, reused for requests in it (others get one each, on the same connection). */
  store?: ResourceStore;
  defaultRegion?: string;
} & (
  /** A controller replica: it reads only its own namespace's runs, on its own gateway (that namespace's budgets). */
  | { gateway: LogGateway; gatewayFor?: never }
  /** The API server and the CLI: each run's reads go through the gateway of the run's namespace, on its budgets. */
  | { gatewayFor: (namespace: string) => LogGateway; gateway?: never }
);

/** Every GetLogEvents waits (bounded) for the account-wide logsRead budget, and is tried again after a throttle. */
export function createGatewayRunLogSource(options: GatewayLogSourceOptions): CloudWatchRunLogSource {
  const { gateway, gatewayFor } = options;
  const stores = new Map<string, ResourceStore>();
  if (options.store) stores.set(options.store.namespace, options.store);
  return createRunLogSource({
    store: (namespace) => {
      let store = stores.get(namespace);
      if (store === undefined) {
        store = new ResourceStore(options.redis, { namespace });
        stores.set(namespace, store);
      }
      return store;
    },
    getLogEvents: (input, target, namespace) => (gatewayFor ? gatewayFor(namespace) : gateway).getLogEvents(input, { wait: true, ...(target ? { target } : {}) }),
    ...(options.defaultRegion === undefined ? {} : { defaultRegion: options.defaultRegion }),
  });
}
