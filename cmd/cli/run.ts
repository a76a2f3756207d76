/** `longshore run …`: submit, create, get, list, describe, watch, cancel, kill, delete. */
import { Command } from 'commander';
import type { RunRecord } from '../../controller/api/index.js';
import { NotFoundError, type ResourceStore } from '../../controller/store/index.js';
import { listSelected, phaseOption, type ListFlags } from './run-select.js';
import { readDocuments } from './documents.js';
import { UsageError } from './errors.js';
import { outputOption, printDocuments, type OutputFormat } from './output.js';
import { printSubmitResults } from './pool.js';
import { runCreateCommand } from './run-create.js';
import { runKillCommand } from './run-kill.js';
import { runLogsCommand } from './run-logs.js';
import { describeRun, runTable } from './run-view.js';
import { runWatchCommand } from './run-watch.js';
import { withSession } from './session.js';

async function requireRun(store: ResourceStore, name: string): Promise<RunRecord> {
  const run = await store.getRun(name);
  if (!run) throw new NotFoundError('Run', name);
  return run;
}

function printRuns(runs: readonly RunRecord[], format: OutputFormat, single: boolean): void {
  if (format === 'table') process.stdout.write(runs.length ? runTable(runs) : 'No runs found.\n');
  else printDocuments(format, runs, single);
}

export function runCommand(): Command {
  const run = new Command('run').description('manage runs (units of work executed as ECS tasks)');

  run
    .command('submit')
    .description('create runs (and apply pools) from a YAML/JSON file with one or more documents, "-" for stdin')
    .requiredOption('-f, --filename <file>', 'file, or - for stdin')
    .addOption(outputOption())
    .action(
      withSession(async ({ store }, options: { filename: string; output: OutputFormat }) => {
        printSubmitResults(await store.submit(await readDocuments(options.filename), { mode: 'apply' }), options.output);
      }),
    );

  run.addCommand(runCreateCommand());

  run
    .command('get')
    .description('show one run')
    .argument('<name>')
    .addOption(outputOption())
    .action(
      withSession(async ({ store }, name: string, options: { output: OutputFormat }) => {
        printRuns([await requireRun(store, name)], options.output, true);
      }),
    );

  run
    .command('list')
    .description('list runs')
    .option('-l, --selector <selector>', 'label selector, e.g. app=etl,tier!=dev,env in (a,b),!canary')
    .addOption(phaseOption())
    .option('--pool <pool>', 'only runs of this pool')
    .addOption(outputOption())
    .action(
      withSession(async ({ store }, options: ListFlags & { output: OutputFormat }) => {
        printRuns(await listSelected(store, options), options.output, false);
      }),
    );

  run
    .command('describe')
    .description('show a run in detail: spec, conditions and attempt history (secrets masked)')
    .argument('<name>')
    .action(
      withSession(async ({ store }, name: string) => {
        process.stdout.write(describeRun(await requireRun(store, name), store.namespace));
      }),
    );

  run.addCommand(runWatchCommand());
  run.addCommand(runLogsCommand());

  run
    .command('cancel')
    .description('cancel runs: never launched if the cancel comes before the launch decision, otherwise their task is stopped')
    .argument('[name]')
    .option('-l, --selector <selector>', 'cancel every matching run that has not stopped')
    .option('--reason <text>', 'recorded with the request')
    .action(
      withSession(async ({ store }, name: string | undefined, options: { selector?: string; reason?: string }) => {
        const targets = await chooseTargets(store, name, options.selector);
        for (const target of targets.filter((r) => r.status.phase !== 'stopped')) {
          await store.sendControl({ type: 'cancel', run: target.metadata.name, ...(options.reason ? { reason: options.reason } : {}) });
          process.stdout.write(`run/${target.metadata.name} cancel requested\n`);
        }
        for (const done of targets.filter((r) => r.status.phase === 'stopped')) process.stdout.write(`run/${done.metadata.name} already stopped\n`);
      }),
    );

  run.addCommand(runKillCommand());

  run
    .command('delete')
    .description('delete stopped runs (a live run must be cancelled first)')
    .argument('[names...]')
    .option('-l, --selector <selector>', 'delete every matching stopped run')
    .action(
      withSession(async ({ store }, names: string[], options: { selector?: string }) => {
        if (names.length === 0 && !options.selector) throw new UsageError('give run names or -l SELECTOR');
        if (names.length > 0 && options.selector) throw new UsageError('give run names or -l SELECTOR, not both');
        const targets = options.selector ? (await listSelected(store, { selector: options.selector })).map((r) => r.metadata.name) : names;
        for (const target of targets) {
          await store.deleteRun(target);
          process.stdout.write(`run/${target} deleted\n`);
        }
      }),
    );

  return run;
}

async function chooseTargets(store: ResourceStore, name: string | undefined, selector: string | undefined): Promise<RunRecord[]> {
  if (!name === !selector) throw new UsageError('give a run NAME or -l SELECTOR (one of them)');
  return name ? [await requireRun(store, name)] : listSelected(store, { selector });
}
