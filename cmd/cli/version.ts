/**
 * `longshore version`: this client's build, and the build of every controller replica registered in the
 * namespace (replicas register themselves in Redis: controller/replica-registry.ts). The client's line is
 * printed before Redis is asked, so it shows even when Redis cannot be reached (then exit 1, the reason on
 * stderr, within the CLI's Redis bounds); `--client` does not ask Redis at all.
 */
import { Command, Option } from 'commander';
import { buildInfo, type BuildInfo, type ReplicaBuild } from '../../controller/build-info.js';
import { formatData } from './output.js';
import { withSession } from './session.js';

interface VersionOptions {
  client?: boolean;
  output: 'text' | 'json' | 'yaml';
}

const line = (b: BuildInfo) => `${b.version} (revision ${b.revision}, node ${b.node})`;

export function versionCommand(): Command {
  const command = new Command('version')
    .description('show the client version and, from Redis, the controller replicas\' versions')
    .option('--client', 'only the client\'s version (no Redis)')
    .addOption(new Option('-o, --output <format>', 'output format').choices(['text', 'json', 'yaml']).default('text'));
  // The command is passed on so the session sees -n (see chosenNamespace).
  const controllers = withSession(async ({ backend }, options: VersionOptions, _self: Command) => {
    const replicas = await backend.controllerBuilds();
    if (options.output === 'text') process.stdout.write(controllerText(replicas, backend.namespace));
    else process.stdout.write(formatData(options.output, { clientVersion: buildInfo(), controllerVersions: replicas }));
  });
  return command.action(async (options: VersionOptions, self: Command) => {
    if (options.output === 'text') process.stdout.write(`Client Version: ${line(buildInfo())}\n`);
    if (options.client) {
      if (options.output !== 'text') process.stdout.write(formatData(options.output, { clientVersion: buildInfo() }));
      return;
    }
    await controllers(options, self);
  });
}

function controllerText(replicas: readonly ReplicaBuild[], namespace: string): string {
  if (replicas.length === 0) return `Controller Version: no replica registered in namespace ${namespace} (is a controller running?)\n`;
  const versions = new Set(replicas.map((r) => line(r)));
  const head = versions.size === 1 ? `Controller Version: ${[...versions][0]}` : 'Controller Version: replicas differ (a rollout in progress?)';
  const rows = replicas.map((r) => `  ${r.replica}: ${line(r)}, started ${r.startedAt}`);
  return `${head}\n${rows.join('\n')}\n`;
}
