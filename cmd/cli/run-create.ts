/**
 * `longshore run create`: runs built from flags, optionally many at once. Admission runs on the whole set
 * before anything is written; the writes then go out in atomic chunks, several in flight at once on one
 * pipelined connection, with a progress bar on stderr when it is a terminal.
 */
import { randomBytes } from 'node:crypto';
import { Command, Option } from 'commander';
import { SingleBar, Presets } from 'cli-progress';
import { API_VERSION, LAUNCH_TYPES } from '../../controller/api/index.js';
import type { SubmitResult } from '../../controller/store/index.js';
import { UsageError } from './errors.js';
import { outputOption, type OutputFormat } from './output.js';
import { printSubmitResults } from './pool.js';
import { withSession } from './session.js';

/** Label every `run create` invocation puts on its runs, so the batch can be watched or cancelled as one. */
export const BATCH_LABEL = 'longshore.dev/batch';
const CHUNK = 200;
const IN_FLIGHT = 4;

interface CreateOptions {
  pool: string;
  image?: string;
  command?: string;
  env: string[];
  label: string[];
  count: string;
  name?: string;
  namePrefix: string;
  cpu?: string;
  memory?: string;
  launchType?: string;
  deployment?: string;
  taskRoleArn?: string;
  output: OutputFormat;
}

const collect = (value: string, previous: string[]) => [...previous, value];

export function runCreateCommand(): Command {
  return new Command('create')
    .description('create runs from flags; --count N creates N runs in one go')
    .requiredOption('--pool <pool>', 'pool to run in')
    .option('--image <image>', 'container image (default: the pool\'s)')
    .option('--command <command>', 'command, as one shell-style string')
    .option('-e, --env <K=V>', 'environment variable; repeatable; "K" alone unsets the pool\'s K', collect, [])
    .option('-l, --label <k=v>', 'label; repeatable', collect, [])
    .option('--count <n>', 'how many runs to create', '1')
    .option('--name <name>', 'run name (only with --count 1)')
    .option('--name-prefix <prefix>', 'prefix of generated names', 'run-')
    .option('--cpu <units>', 'task CPU units or "N vCPU"')
    .option('--memory <mib>', 'task memory in MiB or "N GB"')
    .addOption(new Option('--launch-type <type>', 'launch type override').choices([...LAUNCH_TYPES]))
    .option('--deployment <family>', 'task-definition family for this run')
    .option('--task-role-arn <arn>', 'task role override')
    .addOption(outputOption())
    .action(
      withSession(async ({ backend }, options: CreateOptions) => {
        const documents = buildRunDocuments(options, randomBytes(3).toString('hex').slice(0, 5));
        const results = await writeInChunks(documents, (chunk) => backend.submit(chunk, 'create'));
        printSubmitResults(results, options.output);
      }),
    );
}

export function buildRunDocuments(options: CreateOptions, batchId: string): object[] {
  const count = Number(options.count);
  if (!Number.isInteger(count) || count < 1 || count > 100_000) throw new UsageError(`--count must be an integer from 1 to 100000, got ${options.count}`);
  if (options.name && count > 1) throw new UsageError('--name names one run; use --name-prefix with --count');
  const labels: Record<string, string> = { [BATCH_LABEL]: batchId };
  for (const pair of options.label) {
    const [key, value] = splitPair(pair, '--label');
    labels[key] = value ?? '';
  }
  const env: Record<string, string | null> = {};
  for (const pair of options.env) {
    const [key, value] = splitPair(pair, '--env');
    env[key] = value ?? null;
  }
  const spec = {
    pool: options.pool,
    ...(options.image ? { image: options.image } : {}),
    ...(options.command ? { command: options.command } : {}),
    env,
    ...(options.cpu ? { cpu: numericOrText(options.cpu) } : {}),
    ...(options.memory ? { memory: numericOrText(options.memory) } : {}),
    ...(options.launchType ? { launchType: options.launchType } : {}),
    ...(options.deployment ? { deployment: options.deployment } : {}),
    ...(options.taskRoleArn ? { taskRoleArn: options.taskRoleArn } : {}),
  };
  const width = String(count).length;
  return Array.from({ length: count }, (_, i) => ({
    apiVersion: API_VERSION,
    kind: 'Run',
    metadata: { name: options.name ?? (count === 1 ? `${options.namePrefix}${batchId}` : `${options.namePrefix}${batchId}-${String(i + 1).padStart(width, '0')}`), labels },
    spec,
  }));
}

function splitPair(pair: string, flag: string): [string, string | undefined] {
  const at = pair.indexOf('=');
  if (at === 0) throw new UsageError(`${flag} expects KEY=VALUE, got ${JSON.stringify(pair)}`);
  return at < 0 ? [pair, undefined] : [pair.slice(0, at), pair.slice(at + 1)];
}

function numericOrText(value: string): number | string {
  return /^\d+$/.test(value) ? Number(value) : value;
}

/**
 * Writes chunk by chunk with a few chunks in flight. The first chunk goes alone, so an admission error
 * (which would hit every chunk alike) is reported once with nothing written.
 */
async function writeInChunks(documents: object[], submit: (chunk: object[]) => Promise<SubmitResult[]>): Promise<SubmitResult[]> {
  const chunks: object[][] = [];
  for (let i = 0; i < documents.length; i += CHUNK) chunks.push(documents.slice(i, i + CHUNK));
  const bar = process.stderr.isTTY && documents.length > CHUNK ? new SingleBar({ stream: process.stderr, format: 'creating runs [{bar}] {value}/{total} {eta_formatted}' }, Presets.shades_classic) : undefined;
  bar?.start(documents.length, 0);
  const results: SubmitResult[][] = new Array<SubmitResult[]>(chunks.length);
  try {
    results[0] = await submit(chunks[0]);
    bar?.increment(chunks[0].length);
    let next = 1;
    const worker = async () => {
      while (next < chunks.length) {
        const index = next++;
        results[index] = await submit(chunks[index]);
        bar?.increment(chunks[index].length);
      }
    };
    await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
  } finally {
    bar?.stop();
  }
  return results.flat();
}
