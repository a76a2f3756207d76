/**
 * `longshore controller`: runs one controller replica until SIGTERM/SIGINT. Flags are translated into the
 * environment variables they stand for, so one compiler (controller/config.ts) validates both.
 */
import { pathToFileURL } from 'node:url';
import { Command } from 'commander';
import { pino } from 'pino';
import { CONFIG_VARIABLES, ConfigError, compileConfig } from '../../controller/config.js';
import { createLogger } from '../../controller/logger.js';
import { describeRedisTarget, redisTarget } from '../../controller/redis.js';
import { startController } from '../../controller/main.js';
import { routeProcessReportsToLog } from '../../controller/process-log.js';

/** Flag → variable. Everything else is configured through the environment (see --help). */
const FLAGS: ReadonlyArray<{ flag: string; variable: string; description: string }> = [
  { flag: '--redis-url <url>', variable: 'REDIS_URL', description: 'Redis URL' },
  { flag: '--namespace <name>', variable: 'LONGSHORE_NAMESPACE', description: 'key namespace' },
  { flag: '--metrics-port <port>', variable: 'LONGSHORE_METRICS_PORT', description: 'port of /metrics, /healthz, /readyz' },
  { flag: '--endpoint-url <url>', variable: 'AWS_ENDPOINT_URL', description: 'AWS endpoint (e.g. the simulator)' },
  { flag: '--region <region>', variable: 'AWS_REGION', description: 'AWS region' },
  { flag: '--resync-interval-seconds <s>', variable: 'LONGSHORE_RESYNC_INTERVAL_SECONDS', description: 'task resync interval' },
  { flag: '--concurrency <n>', variable: 'LONGSHORE_CONCURRENCY_RECONCILE_RUN', description: 'concurrent run reconciles' },
  { flag: '--log-level <level>', variable: 'LONGSHORE_LOG_LEVEL', description: 'log level' },
];

function optionKey(flag: string): string {
  const long = flag.split(' ')[0].replace(/^--/, '');
  return long.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}

export function controllerCommand(): Command {
  const command = new Command('controller').description('run a controller replica (reconcile runs onto ECS) until SIGTERM/SIGINT');
  for (const { flag, variable, description } of FLAGS) command.option(flag, `${description} (${variable})`);
  command.addHelpText('after', `\nEnvironment:\n${CONFIG_VARIABLES.map((v) => `  ${v.name.padEnd(44)} ${v.description} [${v.default}]`).join('\n')}\n`);
  command.action(async (options: Record<string, string | undefined>) => {
    const source: Record<string, string | undefined> = { ...process.env };
    for (const { flag, variable } of FLAGS) {
      const value = options[optionKey(flag)];
      if (value !== undefined) source[variable] = value;
    }
    process.exitCode = await runController(source);
  });
  return command;
}

/** Runs until a signal; resolves with the process exit code. */
export async function runController(source: Readonly<Record<string, string | undefined>>): Promise<number> {
  let config;
  try {
    config = compileConfig(source);
  } catch (error) {
    if (error instanceof ConfigError) {
      // JSON like every other line the controller writes (log collectors parse it), on stderr, flushed
      // before exit; `error` names every bad variable.
      const logger = createLogger({ level: 'info', destination: pino.destination({ fd: 2, sync: true }) });
      logger.fatal({ error: error.message }, 'invalid configuration');
      return 2;
    }
    throw error;
  }
  const logger = createLogger({ level: config.logLevel, base: { replica: config.replicaId, namespace: config.namespace } });
  // From here on the process's own warnings and crashes are JSON lines too.
  routeProcessReportsToLog(logger);
  logger.info({ redis: describeRedisTarget(redisTarget(config)), endpoint: config.aws.endpointUrl, region: config.aws.region }, 'controller starting');
  let controller;
  try {
    controller = await startController(config, logger);
  } catch (error) {
    logger.fatal({ err: error }, 'controller failed to start');
    // Whatever the failed start left open (reconnecting clients, timers) must not keep the process alive.
    process.exit(1);
  }
  logger.info({ metricsPort: controller.metricsPort }, 'controller started');

  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGTERM', () => resolve('SIGTERM'));
    process.once('SIGINT', () => resolve('SIGINT'));
  });
  logger.info({ signal, graceMs: config.shutdownGraceMs }, 'controller stopping');
  const running = controller;
  // A second signal ends the process at once.
  const hardStop = () => {
    logger.warn(running.shutdownReport(), 'controller stopped forcibly');
    process.exit(1);
  };
  process.once('SIGTERM', hardStop);
  process.once('SIGINT', hardStop);
  // The deadline covers the whole exit, not only stop(): once everything is closed the process ends by
  // itself (this timer is unref'd), so a process still here at the deadline has either a step that hangs
  // or something left open (issue 11: a connection reopened during the close). Either way it says what,
  // and exits 1 instead of hanging forever. Never cleared.
  const deadlineMs = config.shutdownGraceMs + SHUTDOWN_DEADLINE_MARGIN_MS;
  setTimeout(() => {
    logger.error({ deadlineMs, ...running.shutdownReport(), activeResources: countResources(process.getActiveResourcesInfo()) }, 'controller did not exit within its shutdown deadline');
    process.exit(1);
  }, deadlineMs).unref();
  const { handedBack } = await controller.stop();
  logger.info({ handedBack }, 'controller stopped');
  return 0;
}

/** Beyond the grace period for in-flight jobs, the time closing everything else may take. */
const SHUTDOWN_DEADLINE_MARGIN_MS = 10_000;

/** e.g. { TCPSocketWrap: 2, Timeout: 1 }: what keeps the event loop alive, by kind. */
function countResources(kinds: string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const kind of kinds) counts[kind] = (counts[kind] ?? 0) + 1;
  return counts;
}

// Run directly (`node dist/cmd/cli/controller.js`), this module is the controller command on its own.
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const args = process.argv.slice(2);
  await controllerCommand().parseAsync(args[0] === 'controller' ? args.slice(1) : args, { from: 'user' });
}
