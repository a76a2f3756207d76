/** `longshore pool …`: apply, get, list, describe, delete. */
import { Command, Option } from 'commander';
import { PHASES, type Phase, type RunRecord } from '../../controller/api/index.js';
import { NotFoundError, type SubmitResult } from '../../controller/store/index.js';
import { readDocuments } from './documents.js';
import { deleteEach } from './delete-each.js';
import { addListOptions, asDocument, formatData, listDocument, outputOption, renderList, renderOne, write, type ListFlags, type OutputFormat } from './output.js';
import { describePool, describePoolDocument, POOL_COLUMNS, type RunCounts } from './pool-view.js';
import { listScoped } from './run-select.js';
import { withSession } from './session.js';
import { poolCostLines } from './cost-view.js';

export function poolCommand(): Command {
  const pool = new Command('pool').description('manage pools (ECS targets and job templates)');

  pool
    .command('apply')
    .description('create or update pools (and create runs) from a YAML/JSON file, "-" for stdin')
    .requiredOption('-f, --filename <file>', 'file with one or more documents')
    .addOption(outputOption())
    .action(
      withSession(async ({ backend }, options: { filename: string; output: OutputFormat }) => {
        printSubmitResults(await backend.submit(await readDocuments(options.filename), 'apply'), options.output);
      }),
    );

  pool
    .command('get')
    .description('show one pool')
    .argument('<name>')
    .addOption(outputOption())
    .action(
      withSession(async ({ backend }, name: string, options: { output: OutputFormat }) => {
        const record = await backend.getPool(name);
        if (!record) throw new NotFoundError('Pool', name);
        process.stdout.write(renderOne({ namespace: backend.namespace, record }, POOL_COLUMNS, options.output));
      }),
    );

  addListOptions(pool.command('list').description('list pools').option('-l, --selector <selector>', 'label selector, e.g. team=data,env!=dev')).action(
    withSession(async (session, options: ListFlags & { selector?: string }) => {
      const pools = await listScoped(session, options.allNamespaces, (backend) => backend.listPools(options.selector));
      write(renderList(pools, POOL_COLUMNS, options, session.backend.namespace));
    }),
  );

  pool
    .command('describe')
    .description('show a pool in detail: settings, how many of its runs are in each phase and the cost (estimate) of its retained finished runs (secrets masked)')
    .argument('<name>')
    .addOption(new Option('-o, --output <format>', 'text, or the same as data').choices(['text', 'json', 'yaml']).default('text'))
    .action(
      withSession(async ({ backend }, name: string, options: { output: 'text' | 'json' | 'yaml' }) => {
        const record = await backend.getPool(name);
        if (!record) throw new NotFoundError('Pool', name);
        const runs = await backend.listRuns({ pool: name });
        const counts = runCounts(runs);
        const { share, note } = await backend.poolShare(record);
        if (note !== undefined) process.stderr.write(`note: ${note}\n`);
        process.stdout.write(options.output === 'text'
          ? `${describePool(record, backend.namespace, counts, share)}${poolCostLines(runs).join('\n')}\n`
          : formatData(options.output, describePoolDocument(record, backend.namespace, counts, share)));
      }),
    );

  pool
    .command('delete')
    .description('delete pools (refused while a pool has live runs); reports each name')
    .argument('<names...>')
    .action(
      withSession(async ({ backend }, names: string[]) => {
        await deleteEach('pool', names, (name) => backend.deletePool(name));
      }),
    );

  return pool;
}

function runCounts(runs: readonly RunRecord[]): RunCounts {
  const counts = Object.fromEntries(PHASES.map((p) => [p, 0])) as Record<Phase, number>;
  for (const run of runs) counts[run.status.phase] += 1;
  return counts;
}

export function printSubmitResults(results: readonly SubmitResult[], format: OutputFormat): void {
  if (format === 'json' || format === 'yaml') {
    process.stdout.write(formatData(format, listDocument(results.map((r) => asDocument(r.record)))));
    return;
  }
  if (format === 'name') {
    process.stdout.write(results.map((r) => `${r.kind.toLowerCase()}/${r.name}\n`).join(''));
    return;
  }
  process.stdout.write(results.map((r) => `${r.kind.toLowerCase()}/${r.name} ${r.action}\n`).join(''));
}
