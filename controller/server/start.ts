/**
 * Starting the API from the compiled configuration: its own Redis connection, token store, rate limiter,
 * metrics and log source. `longshore api` runs it alone; the controller runs it in its own process when
 * LONGSHORE_API_ENABLED=true, sharing its metrics registry.
 */
import { Registry, collectDefaultMetrics } from 'prom-client';
import type { Logger } from 'pino';
import type { ControllerConfig } from '../config.js';
import { createApiMetrics } from '../metrics.js';
import { createLogThrottle, throttledLogger } from '../log-throttle.js';
import { closeRedis, createRedisConnection, redisAnswers, redisTarget } from '../redis.js';
import type { RunLogSource } from '../logs/types.js';
import { createRunLogSourceFor } from './log-source.js';
import { generateOpenApi } from './openapi.js';
import { TokenRateLimiter } from './rate-limit.js';
import { ROUTES } from './routes.js';
import { startApiServer, type RunningApiServer } from './server.js';
import { TokenStore } from './tokens.js';

/** How often the API repeats that a namespace's home Region is not recorded (pool status reads it then with its own). */
const HOME_NOTE_INTERVAL_MS = 10 * 60_000;

export interface StartApiOptions {
  /** The registry to add the API's metrics to (the controller's); a new one with process metrics when absent. */
  registry?: Registry;
  /** Injected in tests; production uses createRunLogSourceFor. */
  logSource?: RunLogSource;
}

export interface RunningApi extends RunningApiServer {
  /** Ends streams, lets requests finish within the shutdown grace, closes the server and its connections. */
  stop(): Promise<void>;
}

export async function startApi(config: ControllerConfig, logger: Logger, options: StartApiOptions = {}): Promise<RunningApi> {
  const registry = options.registry ?? new Registry();
  if (!options.registry) collectDefaultMetrics({ register: registry, prefix: 'longshore_' });
  const metrics = createApiMetrics(registry, ROUTES);
  const redis = createRedisConnection(redisTarget(config), 'longshore-api', 'command', config.redisTimeouts);
  const blocking = new Set<ReturnType<typeof createRedisConnection>>();
  redis.on('error', (error: Error) => logger.debug({ err: error }, 'API Redis connection error'));
  const connectBlocking = () => {
    const connection = createRedisConnection(redisTarget(config), 'longshore-api-watch', 'blocking', config.redisTimeouts);
    connection.on('error', (error: Error) => logger.debug({ err: error }, 'API Redis blocking connection error'));
    blocking.add(connection);
    connection.on('end', () => blocking.delete(connection));
    return connection;
  };
  const apiLogger = logger.child({ component: 'api' });
  // Said again while it lasts, but not on every pool status read.
  const homeLog = throttledLogger(apiLogger, createLogThrottle({ intervalMs: HOME_NOTE_INTERVAL_MS, now: Date.now }));
  let logSource = options.logSource;
  let closeLogSource = (): void => {};
  if (logSource === undefined) {
    const own = createRunLogSourceFor({ config, redis, logger: apiLogger });
    logSource = own;
    closeLogSource = () => own.close();
  }
  const server = await startApiServer(
    {
      redis,
      connectBlocking,
      tokens: new TokenStore(redis),
      rateLimiter: new TokenRateLimiter(redis, config.api.rateLimit),
      logSource,
      metrics,
      logger: apiLogger,
      bodyLimitBytes: config.api.bodyLimitBytes,
      storeOptions: { finishedRunRetentionSeconds: config.runRetentionSeconds },
      launchBudgets: {
        table: config.budgets, fallbackRegion: config.aws.region, clockScale: config.budgetTimeScale,
        homeNotRecorded: (namespace, note) => homeLog.log('warn', `home:${namespace}`, { namespace }, note),
      },
    },
    {
      host: config.api.host,
      port: config.api.port,
      ...(config.api.tls ? { tls: config.api.tls } : {}),
      registry,
      openapi: generateOpenApi(),
      readiness: { redis: () => redisAnswers(redis) },
    },
  );
  return {
    ...server,
    async stop() {
      await server.close(config.shutdownGraceMs);
      closeLogSource();
      for (const connection of [...blocking]) connection.disconnect();
      await closeRedis(redis);
    },
  };
}
