/** `longshore run …`: submit, create, get, list, describe, watch, wait, cancel, kill, delete. */
import { Command, Option } from 'commander';
import { OUTCOMES, PHASES, type RunRecord } from '../../controller/api/index.js';
import { NotFoundError } from '../../controller/store/index.js';
import type { RunCountsView, RunsBackend } from './backend.js';
import { deleteEach } from './delete-each.js';
import { readDocuments } from './documents.js';
import { UsageError } from './errors.js';
import { addListOptions, formatData, outputOption, renderList, renderOne, write, type ListFlags, type OutputFormat } from './output.js';
import { printSubmitResults } from './pool.js';
import { runCreateCommand } from './run-create.js';
import { runKillCommand } from './run-kill.js';
import { listScoped, phaseOption, type RunQuery } from './run-select.js';
import { describeRun, describeRunDocument, RUN_COLUMNS } from './run-view.js';
import { runWaitCommand } from './run-wait.js';
import { runLogsCommand } from './run-logs.js';
import { runWatchCommand } from './run-watch.js';
import { withSession } from './session.js';

async function requireRun(backend: RunsBackend, name: string): Promise<RunRecord> {
  const run = await backend.getRun(name);
  if (!run) throw new NotFoundError('Run', name);
  return run;
}

/** `60 runs: pending 2, …, stopped 58 (succeeded 50, failed 8, …)`: every phase and outcome, zeros included, so scripts can cut fields. */
export function summaryLine(counts: RunCountsView): string {
  const phases = PHASES.map((phase) => `${phase} ${counts.byPhase[phase]}`).join(', ');
  const outcomes = OUTCOMES.map((outcome) => `${outcome} ${counts.byOutcome[outcome]}`).join(', ');
  return `${counts.total} run${counts.total === 1 ? '' : 's'}: ${phases} (${outcomes})`;
}

export function runCommand(): Command {
  const run = new Command('run').description('manage runs (units of work executed as ECS tasks)');

  run
    .command('submit')
    .description('create runs (and apply pools) from a YAML/JSON file with one or more documents, "-" for stdin')
    .requiredOption('-f, --filename <file>', 'file, or - for stdin')
    .addOption(outputOption())
    .action(
      withSession(async ({ backend }, options: { filename: string; output: OutputFormat }) => {
        printSubmitResults(await backend.submit(await readDocuments(options.filename), 'apply'), options.output);
      }),
    );

  run.addCommand(runCreateCommand());

  run
    .command('get')
    .description('show one run')
    .argument('<name>')
    .addOption(outputOption())
    .action(
      withSession(async ({ backend }, name: string, options: { output: OutputFormat }) => {
        process.stdout.write(renderOne({ namespace: backend.namespace, record: await requireRun(backend, name) }, RUN_COLUMNS, options.output));
      }),
    );

  addListOptions(
    run
      .command('list')
      .description('list runs')
      .option('-l, --selector <selector>', 'label selector, e.g. app=etl,tier!=dev,env in (a,b),!canary')
      .addOption(phaseOption())
      .addOption(new Option('--outcome <outcome>', 'only stopped runs that ended so').choices([...OUTCOMES]))
      .option('--pool <pool>', 'only runs of this pool')
      .option('--summary', 'print how many runs match, by phase and outcome, instead of the runs (counted from the store\'s indexes unless -l is given)'),
  ).action(
    withSession(async (session, options: ListFlags & RunQuery & { summary?: boolean }) => {
      if (options.summary) {
        const backends = options.allNamespaces ? (await session.backends.namespaces()).map((ns) => session.backends.of(ns)) : [session.backend];
        const counted = [];
        for (const backend of backends) counted.push({ namespace: backend.namespace, ...(await backend.countRuns(options)) });
        if (options.output === 'json' || options.output === 'yaml') {
          const documents = counted.map(({ namespace, ...counts }) => ({ kind: 'RunSummary', namespace, ...counts }));
          write({ stdout: formatData(options.output, options.allNamespaces ? { kind: 'List', items: documents } : documents[0]), stderr: '' });
        } else {
          write({ stdout: counted.map(({ namespace, ...counts }) => `${options.allNamespaces ? `${namespace}: ` : ''}${summaryLine(counts)}\n`).join(''), stderr: '' });
        }
        return;
      }
      const runs = await listScoped(session, options.allNamespaces, (backend) => backend.listRuns(options));
      write(renderList(runs, RUN_COLUMNS, options, session.backend.namespace));
    }),
  );

  run
    .command('describe')
    .description('show a run in detail: spec, conditions and attempt history (secrets masked)')
    .argument('<name>')
    .addOption(new Option('-o, --output <format>', 'text, or the same as data').choices(['text', 'json', 'yaml']).default('text'))
    .action(
      withSession(async ({ backend }, name: string, options: { output: 'text' | 'json' | 'yaml' }) => {
        const record = await requireRun(backend, name);
        process.stdout.write(options.output === 'text' ? describeRun(record, backend.namespace) : formatData(options.output, describeRunDocument(record, backend.namespace)));
      }),
    );

  run.addCommand(runWatchCommand());
  run.addCommand(runWaitCommand());
  run.addCommand(runLogsCommand());

  run
    .command('cancel')
    .description('cancel runs: never launched if the cancel comes before the launch decision, otherwise their task is stopped')
    .argument('[name]')
    .option('-l, --selector <selector>', 'cancel every matching run that has not stopped')
    .option('--reason <text>', 'recorded with the request')
    .action(
      withSession(async ({ backend }, name: string | undefined, options: { selector?: string; reason?: string }) => {
        if (!name === !options.selector) throw new UsageError('give a run NAME or -l SELECTOR (one of them)');
        const targets = name ? [await requireRun(backend, name)] : await backend.listRuns({ selector: options.selector });
        for (const target of targets.filter((r) => r.status.phase !== 'stopped')) {
          await backend.cancel(target.metadata.name, options.reason);
          process.stdout.write(`run/${target.metadata.name} cancel requested\n`);
        }
        for (const done of targets.filter((r) => r.status.phase === 'stopped')) process.stdout.write(`run/${done.metadata.name} already stopped\n`);
      }),
    );

  run.addCommand(runKillCommand());

  run
    .command('delete')
    .description('delete stopped runs (a live run must be cancelled first); each name is reported, exit 1 if any was not deleted')
    .argument('[names...]')
    .option('-l, --selector <selector>', 'delete every matching stopped run')
    .action(
      withSession(async ({ backend }, names: string[], options: { selector?: string }) => {
        if (names.length === 0 && !options.selector) throw new UsageError('give run names or -l SELECTOR');
        if (names.length > 0 && options.selector) throw new UsageError('give run names or -l SELECTOR, not both');
        // A selector means "the stopped ones among these" (live runs are not deletable and not asked for).
        const targets = options.selector ? (await backend.listRuns({ selector: options.selector, phase: 'stopped' })).map((r) => r.metadata.name) : names;
        await deleteEach('run', targets, (target) => backend.deleteRun(target));
      }),
    );

  return run;
}
