/**
 * Where the API gets its run logs: the CloudWatch Logs reader (controller/logs/) with the API process's own
 * AWS clients, spending the installation's shared logsRead budget. Followers of one run and attempt in this
 * process share one reader.
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
