#!/usr/bin/env node
/**
 * `longshore`: the command line. Every command group lives in its own module under cmd/cli/ and is
 * listed in cmd/cli/commands.ts. REDIS_URL and LONGSHORE_NAMESPACE select the installation.
 */
import { Command } from 'commander';
import * as commands from './cli/commands.js';
import { EXIT_USAGE } from './cli/errors.js';

const program = new Command('longshore').description('Longshore: run containerized batch work as AWS ECS tasks').version('0.1.0');
program.addHelpText('after', '\nEnvironment:\n  REDIS_URL             Redis to use (redis:// or rediss://, credentials in the URL) [redis://127.0.0.1:6379]\n  REDIS_CLUSTER_NODES   host:port,… of a Redis Cluster (REDIS_URL then gives TLS and credentials) [single node]\n  LONGSHORE_NAMESPACE   installation namespace (key prefix) [default]\n');

for (const factory of Object.values(commands)) program.addCommand(factory());

/** Help and --version exit 0; a usage error exits 2 (commander has already printed it on stderr). */
function exitOnUsageErrors(command: Command): void {
  command.exitOverride((error) => process.exit(error.exitCode === 0 ? 0 : EXIT_USAGE));
  command.commands.forEach(exitOnUsageErrors);
}
exitOnUsageErrors(program);

await program.parseAsync(process.argv);
