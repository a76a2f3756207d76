/** `longshore pool …`: apply, get, describe, list, delete. */
import { Command } from 'commander';
import type { PoolRecord } from '../../controller/api/index.js';
import { poolLaunchType } from '../../controller/api/index.js';
import { listAll, type SubmitResult } from '../../controller/store/index.js';
import { readDocuments } from './documents.js';
import { age, outputOption, printDocuments, renderTable, type OutputFormat } from './output.js';
import { withSession } from './session.js';
import { poolCostLines } from './cost-view.js';
import { NotFoundError } from '../../controller/store/index.js';

export function poolCommand(): Command {
  const pool = new Command('pool').description('manage pools (ECS targets and job templates)');

  pool
    .command('apply')
    .description('create or update pools (and create runs) from a YAML/JSON file, "-" for stdin')
    .requiredOption('-f, --filename <file>', 'file with one or more documents')
    .addOption(outputOption())
    .action(
      withSession(async ({ store }, options: { filename: string; output: OutputFormat }) => {
        const results = await store.submit(await readDocuments(options.filename), { mode: 'apply' });
        printSubmitResults(results, options.output);
      }),
    );

  pool
    .command('get')
    .description('show one pool')
    .argument('<name>')
    .addOption(outputOption())
    .action(
      withSession(async ({ store }, name: string, options: { output: OutputFormat }) => {
        const record = await store.getPool(name);
        if (!record) throw new NotFoundError('Pool', name);
        printPools([record], options.output, true);
      }),
    );

  pool
    .command('describe')
    .description('show one pool with the cost (estimate) of its retained finished runs')
    .argument('<name>')
    .action(
      withSession(async ({ store }, name: string) => {
        const record = await store.getPool(name);
        if (!record) throw new NotFoundError('Pool', name);
        const runs = await listAll((cursor) => store.listRuns({ pool: name, cursor }));
        printPools([record], 'table', true);
        process.stdout.write(`${poolCostLines(runs).join('\n')}\n`);
      }),
    );

  pool
    .command('list')
    .description('list pools')
    .option('-l, --selector <selector>', 'label selector, e.g. team=data,env!=dev')
    .addOption(outputOption())
    .action(
      withSession(async ({ store }, options: { selector?: string; output: OutputFormat }) => {
        const pools = await listAll((cursor) => store.listPools({ labelSelector: options.selector, cursor }));
        printPools(pools, options.output, false);
      }),
    );

  pool
    .command('delete')
    .description('delete pools (refused while a pool has live runs)')
    .argument('<names...>')
    .action(
      withSession(async ({ store }, names: string[]) => {
        for (const name of names) {
          await store.deletePool(name);
          process.stdout.write(`pool/${name} deleted\n`);
        }
      }),
    );

  return pool;
}

export function printSubmitResults(results: readonly SubmitResult[], format: OutputFormat): void {
  if (format !== 'table') {
    printDocuments(format, results.map((r) => r.record), false);
    return;
  }
  process.stdout.write(results.map((r) => `${r.kind.toLowerCase()}/${r.name} ${r.action}\n`).join(''));
}

function printPools(pools: readonly PoolRecord[], format: OutputFormat, single: boolean): void {
  if (format !== 'table') {
    printDocuments(format, pools, single);
    return;
  }
  const rows = pools.map((p) => [
    p.metadata.name,
    p.spec.cluster ?? 'default',
    p.spec.capacityProviderStrategy ? p.spec.capacityProviderStrategy.map((s) => s.capacityProvider).join('+') : poolLaunchType(p.spec) ?? '-',
    p.spec.taskDefinitionArn ? 'arn' : 'template',
    p.spec.image ?? '-',
    `${p.spec.limits.maxRunning ?? '-'}`,
    age(p.metadata.creationTimestamp),
  ]);
  process.stdout.write(renderTable(['NAME', 'CLUSTER', 'LAUNCH', 'TASKDEF', 'IMAGE', 'MAX-RUNNING', 'AGE'], rows));
}
