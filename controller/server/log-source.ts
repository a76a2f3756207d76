/**
 * The seam where the API gets its run logs. The CloudWatch Logs reader (controller/logs/) is built
 * separately; until it is wired here every log request answers 503 with this message. Wiring it means
 * replacing the body of createRunLogSourceFor with that reader, built from these dependencies.
 */
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { ControllerConfig } from '../config.js';
import { RunLogError, type RunLogSource } from '../logs/types.js';

export interface RunLogSourceDependencies {
  config: ControllerConfig;
  redis: Redis;
  logger: Logger;
}

export function createRunLogSourceFor(_deps: RunLogSourceDependencies): RunLogSource {
  return {
    open() {
      return {
        [Symbol.asyncIterator]() {
          return { next: () => Promise.reject(new RunLogError('Unavailable', 'logs are not wired into this API server yet')) };
        },
      };
    },
  };
}
