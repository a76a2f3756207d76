/**
 * An in-process API server over the test Redis, in its own namespace, with a fake log source the test
 * controls. `call` sends one request with a token and returns status, headers and the parsed body.
 * Tokens made here are revoked on close (the token hash is shared by every namespace).
 */
import { Registry } from 'prom-client';
import { createRedisConnection, type RedisClient } from '../../controller/redis.js';
import { createLogger, type Logger } from '../../controller/logger.js';
import { createApiMetrics } from '../../controller/metrics.js';
import type { RunLogSource } from '../../controller/logs/types.js';
import { TokenRateLimiter } from '../../controller/server/rate-limit.js';
import { ROUTES } from '../../controller/server/routes.js';
import { startApiServer, type RunningApiServer } from '../../controller/server/server.js';
import { generateOpenApi } from '../../controller/server/openapi.js';
import { TokenStore, type NewToken } from '../../controller/server/tokens.js';
import { ResourceStore } from '../../controller/store/index.js';
import type { BucketSpec } from '../../controller/aws/budgets.js';
import type { LaunchBudgetSettings } from '../../controller/server/context.js';
import { deleteNamespaceKeys, TEST_REDIS_TARGET, testRedis, uniqueNamespace } from './redis-namespace.js';

export const V = 'longshore.dev/v1alpha1';
export const poolDoc = (name: string, spec: object = {}) => ({ apiVersion: V, kind: 'Pool', metadata: { name }, spec: { taskDefinition: { networkMode: 'awsvpc' }, image: 'busybox', ...spec } });
export const runDoc = (name: string, spec: object = {}, labels: Record<string, string> = {}) => ({ apiVersion: V, kind: 'Run', metadata: { name, labels }, spec: { pool: 'p1', ...spec } });

export interface Reply<T = unknown> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
}

export interface TestApi {
  url: string;
  namespace: string;
  redis: RedisClient;
  store: ResourceStore;
  tokens: TokenStore;
  registry: Registry;
  server: RunningApiServer;
  /** A new token's text. */
  token(role: NewToken['role'], options?: Omit<NewToken, 'role'>): Promise<string>;
  call<T = Record<string, unknown>>(method: string, path: string, options?: { token?: string; body?: unknown; raw?: string | Buffer; headers?: Record<string, string> }): Promise<Reply<T>>;
  /** `/apis/longshore.dev/v1alpha1/namespaces/<this namespace>/<rest>` */
  ns(rest: string, namespace?: string): string;
  close(): Promise<void>;
}

export interface TestApiOptions {
  logSource?: RunLogSource;
  /** The server's logger (silent unless given: tests that read the server's log pass their own). */
  logger?: Logger;
  rateLimit?: BucketSpec;
  bodyLimitBytes?: number;
  /** The budget settings pool status reads with (its own AWS_REGION among them); the published defaults when absent. */
  launchBudgets?: LaunchBudgetSettings;
}

const noLogs: RunLogSource = {
  open: () => ({ [Symbol.asyncIterator]: () => ({ next: () => Promise.reject(new Error('no log source in this test')) }) }),
};

export async function startTestApi(options: TestApiOptions = {}): Promise<TestApi> {
  const namespace = uniqueNamespace('test-api');
  const redis = testRedis();
  const blocking: RedisClient[] = [];
  const tokens = new TokenStore(redis);
  const madeTokens: string[] = [];
  const registry = new Registry();
  const server = await startApiServer(
    {
      redis,
      connectBlocking: () => {
        const connection = createRedisConnection(TEST_REDIS_TARGET, 'test-api-watch', 'blocking');
        blocking.push(connection);
        return connection;
      },
      tokens,
      rateLimiter: new TokenRateLimiter(redis, options.rateLimit ?? { burst: 100_000, refillPerSecond: 100_000 }),
      logSource: options.logSource ?? noLogs,
      metrics: createApiMetrics(registry, ROUTES),
      logger: options.logger ?? createLogger({ level: 'silent' }),
      bodyLimitBytes: options.bodyLimitBytes ?? 1024 * 1024,
      ...(options.launchBudgets ? { launchBudgets: options.launchBudgets } : {}),
    },
    { host: '127.0.0.1', port: 0, registry, openapi: generateOpenApi(), readiness: { redis: async () => (await redis.ping()) === 'PONG' } },
  );
  const api: TestApi = {
    url: server.url,
    namespace,
    redis,
    store: new ResourceStore(redis, { namespace }),
    tokens,
    registry,
    server,
    async token(role, more = {}) {
      const { token, info } = await tokens.create({ role, namespace, ...more });
      madeTokens.push(info.id);
      return token;
    },
    async call(method, path, { token, body, raw, headers = {} } = {}) {
      const response = await fetch(`${server.url}${path}`, {
        method,
        headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body !== undefined || raw !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
        ...(raw !== undefined ? { body: raw } : body !== undefined ? { body: JSON.stringify(body) } : {}),
      });
      const text = await response.text();
      let parsed: unknown = text;
      try {
        parsed = JSON.parse(text);
      } catch {
        // text/plain answers (logs, healthz) stay text
      }
      return { status: response.status, headers: response.headers, body: parsed as never, text };
    },
    ns: (rest, other = namespace) => `/apis/longshore.dev/v1alpha1/namespaces/${other}/${rest}`,
    async close() {
      await server.close(1000);
      for (const id of madeTokens) await tokens.revoke(id);
      for (const connection of blocking) connection.disconnect();
      await deleteNamespaceKeys(redis, namespace);
      await redis.quit();
    },
  };
  return api;
}
