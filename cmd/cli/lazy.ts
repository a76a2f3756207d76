/**
 * A command group whose module is loaded only when it runs. The controller pulls in the AWS SDK, BullMQ
 * and prom-client (most of a second to load); `longshore run list` should not pay for that.
 */
import { Command } from 'commander';

export function lazyCommand(name: string, description: string, load: () => Promise<Command>): () => Command {
  return () =>
    new Command(name)
      .description(description)
      .helpOption(false)
      .allowUnknownOption()
      .allowExcessArguments()
      .argument('[args...]')
      .action(async () => {
        const real = await load();
        // Everything after the command's name goes to the real command, --help included.
        const rest = process.argv.slice(process.argv.indexOf(name) + 1);
        await real.parseAsync(rest, { from: 'user' });
      });
}
