/**
 * Where the API gets its run logs: the CloudWatch Logs reader (controller/logs/) with the API process's own
 * AWS clients, each run's reads spending the logsRead budget of the run's namespace, shared with that
 * namespace's controller (logs/direct.ts). Followers of one run and attempt in this process share one reader.
 */
import type { RedisClient } from '../redis.js';
import type { Logger } from 'pino';
import type { ControllerConfig } from '../config.js';
import type { RunLogSource } from '../logs/types.js';
import { createDirectRunLogSource } from '../logs/direct.js';

export interface RunLogSourceDependencies {
  config: ControllerConfig;
  redis: RedisClient;
  logger: Logger;
}

export interface ClosableRunLogSource extends RunLogSource {
  close(): void;
}

export function createRunLogSourceFor(deps: RunLogSourceDependencies): ClosableRunLogSource {
  const { source, close } = createDirectRunLogSource(deps.config, deps.redis);
  return { open: (request, signal) => source.open(request, signal), close };
}
