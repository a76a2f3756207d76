#!/usr/bin/env node
/**
 * `longshore`: the command line. Every command group lives in its own module under cmd/cli/ and is
 * listed in cmd/cli/commands.ts. REDIS_URL and LONGSHORE_NAMESPACE select the installation; LONGSHORE_SERVER or
 * --context make the commands go through the HTTP API instead (cmd/cli/api-config.ts).
 */
import { Command } from 'commander';
import { buildInfo } from '../controller/build-info.js';
import * as commands from './cli/commands.js';
import { EXIT_BROKEN_PIPE, EXIT_USAGE } from './cli/errors.js';

/**
 * A reader that stops early (`longshore run list | head`) closes the pipe: end quietly, with the status of a
 * process killed by SIGPIPE (128 + 13) as `yes | head` and kubectl do, instead of an unhandled EPIPE stack.
 */
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(EXIT_BROKEN_PIPE);
    throw error;
  });
}

const program = new Command('longshore').description('Longshore: run containerized batch work as AWS ECS tasks').version(buildInfo().version);
// Global, so it is accepted anywhere on the line (`longshore run list -n prod`), as kubectl's is.
program.option('-n, --namespace <namespace>', 'installation namespace (key prefix); overrides LONGSHORE_NAMESPACE');
program.option('--context <name>', 'talk to the HTTP API of this context of the config file (LONGSHORE_CONFIG, ~/.longshore/config)');
// Every command, including the controller and any that builds its own store, sees -n as LONGSHORE_NAMESPACE.
program.hook('preAction', (root) => {
  const { namespace } = root.opts<{ namespace?: string }>();
  if (namespace) process.env.LONGSHORE_NAMESPACE = namespace;
});
program.addHelpText('after', [
  '',
  'Environment:',
  '  REDIS_URL             Redis to use (redis:// or rediss://, credentials in the URL) [redis://127.0.0.1:6379]',
  '  REDIS_CLUSTER_NODES   host:port,… of a Redis Cluster (REDIS_URL then gives TLS and credentials) [single node]',
  '  LONGSHORE_NAMESPACE   installation namespace (key prefix) [default]',
  '  LONGSHORE_SERVER      talk to the HTTP API at this URL instead of Redis (docs/cli.md)',
  '  LONGSHORE_TOKEN       the bearer token for LONGSHORE_SERVER',
  '  LONGSHORE_CONFIG      config file with contexts [~/.longshore/config]',
  '',
].join('\n'));

for (const factory of Object.values(commands)) program.addCommand(factory());

/** Help and --version exit 0; a usage error exits 2 (commander has already printed it on stderr). */
function exitOnUsageErrors(command: Command): void {
  command.exitOverride((error) => process.exit(error.exitCode === 0 ? 0 : EXIT_USAGE));
  command.commands.forEach(exitOnUsageErrors);
}
exitOnUsageErrors(program);

await program.parseAsync(process.argv);
