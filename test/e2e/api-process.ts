/**
 * `longshore api` as a child process, started as a user starts it (the built CLI, environment variables),
 * and tokens for it made in Redis the way `longshore token create` makes them (revoked by `close`).
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import type { RedisClient } from '../../controller/redis.js';
import { freePort } from '../../cmd/replicas.js';
import type { Role } from '../../controller/server/roles.js';
import { TokenStore } from '../../controller/server/tokens.js';
import { TEST_REDIS_URL } from '../helpers/redis-namespace.js';
import { until } from '../helpers/until.js';
import { CLI } from './cli-run.js';

export interface ApiProcess {
  url: string;
  output(): string;
  /** A token of this role scoped to `namespace` (none: every namespace). */
  token(role: Role, namespace?: string): Promise<string>;
  /** Stops the server (SIGTERM) and revokes the tokens it handed out. */
  close(): Promise<void>;
}

/** `env`: more variables for the server, e.g. the simulator's AWS endpoint for the log route (harnessAwsEnv). */
export async function startApiProcess(redis: RedisClient, env: Record<string, string> = {}): Promise<ApiProcess> {
  const port = await freePort();
  const child = spawn(process.execPath, [CLI, 'api'], {
    env: {
      ...process.env, REDIS_URL: TEST_REDIS_URL, LONGSHORE_API_PORT: String(port), LONGSHORE_API_HOST: '127.0.0.1',
      LONGSHORE_LOG_LEVEL: 'warn', LONGSHORE_SHUTDOWN_GRACE_SECONDS: '2', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  const exited = once(child, 'exit');
  const url = `http://127.0.0.1:${port}`;
  await until(async () => {
    if (child.exitCode !== null) throw new Error(`longshore api exited with ${child.exitCode}:\n${output}`);
    return fetch(`${url}/readyz`).then((r) => r.ok, () => false);
  }, { timeoutMs: 30_000, intervalMs: 100, what: () => `longshore api to be ready:\n${output}` });
  const tokens = new TokenStore(redis);
  const ids: string[] = [];
  return {
    url,
    output: () => output,
    async token(role, namespace) {
      const { token, info } = await tokens.create({ role, namespace, description: 'e2e' });
      ids.push(info.id);
      return token;
    },
    async close() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        await exited;
      }
      for (const id of ids) await tokens.revoke(id);
    },
  };
}

/**
 * What the API server needs to read run logs from the harness's simulator. Its own LONGSHORE_NAMESPACE stays
 * `default`: a run's reads spend the budget of the run's namespace (the harness's), as in production.
 */
export function harnessAwsEnv(h: { sim: { url: string; region: string; timeScale: number } }): Record<string, string> {
  return {
    AWS_ENDPOINT_URL: h.sim.url, AWS_REGION: h.sim.region, AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test',
    LONGSHORE_BUDGET_TIME_SCALE: String(h.sim.timeScale),
  };
}
