/**
 * `longshore api`: serves the HTTP API (docs/api.md) until SIGTERM/SIGINT. Configured like the controller,
 * from the same table (controller/config.ts): REDIS_URL, LONGSHORE_API_*, LONGSHORE_SHUTDOWN_GRACE_SECONDS,
 * LONGSHORE_LOG_LEVEL. Stateless: run as many as you like behind a load balancer.
 */
import { pathToFileURL } from 'node:url';
import { Command } from 'commander';
import { CONFIG_VARIABLES, ConfigError, compileConfig } from '../../controller/config.js';
import { createLogger, redactUrl } from '../../controller/logger.js';
import { startApi } from '../../controller/server/start.js';

export function apiCommand(): Command {
  const command = new Command('api')
    .description('serve the HTTP API (Kubernetes-shaped, bearer tokens) until SIGTERM/SIGINT')
    .option('--port <port>', 'port (LONGSHORE_API_PORT)')
    .option('--host <address>', 'address to bind (LONGSHORE_API_HOST)');
  const names = new Set(['REDIS_URL', 'LONGSHORE_SHUTDOWN_GRACE_SECONDS', 'LONGSHORE_LOG_LEVEL', 'LONGSHORE_RUN_RETENTION_SECONDS']);
  const relevant = CONFIG_VARIABLES.filter((v) => v.name.startsWith('LONGSHORE_API_') || v.name.startsWith('LONGSHORE_REDIS_') || names.has(v.name));
  command.addHelpText('after', `\nEnvironment:\n${relevant.map((v) => `  ${v.name.padEnd(44)} ${v.description} [${v.default}]`).join('\n')}\n`);
  command.action(async (options: { port?: string; host?: string }) => {
    const source: Record<string, string | undefined> = { ...process.env };
    if (options.port !== undefined) source.LONGSHORE_API_PORT = options.port;
    if (options.host !== undefined) source.LONGSHORE_API_HOST = options.host;
    process.exitCode = await runApi(source);
  });
  return command;
}

/** Serves until a signal; resolves with the exit code. */
export async function runApi(source: Readonly<Record<string, string | undefined>>): Promise<number> {
  let config;
  try {
    config = compileConfig(source);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`longshore api: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
  const logger = createLogger({ level: config.logLevel, base: { component: 'api' } });
  let api;
  try {
    api = await startApi(config, logger);
  } catch (error) {
    logger.fatal({ err: error }, 'API failed to start');
    process.exit(1);
  }
  logger.info({ url: api.url, redis: redactUrl(config.redisUrl), tls: config.api.tls !== undefined }, 'API serving');
  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGTERM', () => resolve('SIGTERM'));
    process.once('SIGINT', () => resolve('SIGINT'));
  });
  logger.info({ signal, graceMs: config.shutdownGraceMs }, 'API stopping');
  const hardStop = () => process.exit(1);
  process.once('SIGTERM', hardStop);
  process.once('SIGINT', hardStop);
  const overrun = setTimeout(hardStop, config.shutdownGraceMs + 10_000);
  overrun.unref();
  await api.stop();
  clearTimeout(overrun);
  logger.info('API stopped');
  return 0;
}

// Run directly (`node dist/cmd/cli/api.js`), this module is the api command on its own.
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const args = process.argv.slice(2);
  await apiCommand().parseAsync(args[0] === 'api' ? args.slice(1) : args, { from: 'user' });
}
