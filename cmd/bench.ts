#!/usr/bin/env node
/**
 * `npm run bench -- [flags]` (or `node dist/cmd/bench.js`): measures Longshore's speed, ECS API economy and
 * memory against the time-scaled simulator with N controller replicas, writes <out>.json and <out>.md, and
 * prints the Markdown. Exit 1 when a run did not stop in time, ended unexpectedly or saw a throttle.
 */
import { writeFile } from 'node:fs/promises';
import { Command, InvalidArgumentError } from 'commander';
import { runBenchmark } from './bench/run-bench.js';
import { renderMarkdown } from './bench/markdown.js';
import { BENCH_REGIONS, DEFAULT_MIX, parseMix, type OutcomeMix } from './bench/workload.js';
import { summarize } from './bench/repeat.js';
import { scenarioOf, type BenchReport } from './bench/run-bench.js';
import { runPrefectModel, type ModelReport } from './bench/prefect-model/run-model.js';

function number(flag: string, check: (value: number) => boolean, expected: string) {
  return (text: string): number => {
    const value = Number(text);
    if (!Number.isFinite(value) || !check(value)) throw new InvalidArgumentError(`${flag}: expected ${expected}, got "${text}"`);
    return value;
  };
}
const positiveInt = (flag: string) => number(flag, (v) => Number.isInteger(v) && v > 0, 'an integer > 0');
const count = (flag: string) => number(flag, (v) => Number.isInteger(v) && v >= 0, 'an integer >= 0');
const positive = (flag: string) => number(flag, (v) => v > 0, 'a number > 0');
function mix(text: string): OutcomeMix {
  try {
    return parseMix(text);
  } catch (error) {
    throw new InvalidArgumentError(`--mix: ${error instanceof Error ? error.message : String(error)}`);
  }
}

interface CliOptions {
  runs: number; definitions: number; replicas: number; regions: number; timeScale: number; seed: number; scenario: string; mix: OutcomeMix;
  runSeconds: number; resyncSeconds: number; events: boolean; deadlineSeconds: number; out: string; quiet: boolean;
  unthrottled: boolean; cancelRuns: number; restTasks: number; restSeconds: number; repeat: number;
  model?: string; modelWorkers: number; cpuProfDir?: string; replicaNodeArgs?: string;
  shareWeights?: [number, number]; shareRuns: number; priorityBacklog?: [number, number];
}

/** `3,1` → [3, 1]: two positive integers. */
function pair(flag: string) {
  return (text: string): [number, number] => {
    const parts = text.split(',').map(Number);
    if (parts.length !== 2 || !parts.every((v) => Number.isInteger(v) && v > 0)) throw new InvalidArgumentError(`${flag}: expected two integers > 0 such as 3,1, got "${text}"`);
    return [parts[0], parts[1]];
  };
}

const program = new Command('bench')
  .description('Longshore benchmark: speed, ECS API economy and memory against the simulator')
  .option('--runs <n>', 'runs of the burst phase (0: none)', count('--runs'), 1000)
  .option('--definitions <n>', 'distinct task definitions the runs use', positiveInt('--definitions'), 5)
  .option('--replicas <n>', 'controller replicas (child processes)', positiveInt('--replicas'), 2)
  .option('--regions <n>', `Regions the burst's pools are spread over, one pool each (1–${BENCH_REGIONS.length}: ${BENCH_REGIONS.slice(0, 3).join(', ')}, …)`,
    number('--regions', (v) => Number.isInteger(v) && v >= 1 && v <= BENCH_REGIONS.length, `an integer from 1 to ${BENCH_REGIONS.length}`), 1)
  .option('--time-scale <k>', 'simulated seconds per real second (simulator and budgets)', positive('--time-scale'), 10)
  .option('--seed <n>', 'seed of the simulator and of the run mix', number('--seed', Number.isInteger, 'an integer'), 42)
  .option('--scenario <name|file>', '"aws" (AWS-like task phase timings), "quick" (short phases) or a scenario JSON file', 'aws')
  .option('--mix <kind=weight,...>', 'outcome mix over succeed, fail, spot, start-retry', mix, DEFAULT_MIX)
  .option('--run-seconds <s>', 'simulated seconds each task runs', positive('--run-seconds'), 10)
  .option('--resync-seconds <s>', 'simulated seconds between task resyncs', positive('--resync-seconds'), 10)
  .option('--events', 'also observe tasks through the SQS task-event queue', false)
  .option('--unthrottled', 'budgets and the simulator\'s throttles off: measures the controller, not ECS', false)
  .option('--cancel-runs <n>', 'runs cancelled at once in the cancel phase (0: none)', count('--cancel-runs'), 0)
  .option('--rest-tasks <n>', 'tasks kept RUNNING with nothing changing in the rest phase (0: none)', count('--rest-tasks'), 0)
  .option('--rest-seconds <s>', 'real seconds the rest phase is watched', positive('--rest-seconds'), 30)
  .option('--repeat <n>', 'run the benchmark n times and report the median and spread', positiveInt('--repeat'), 1)
  .option('--model <name>', 'also run the burst through a MODEL of another tool and compare side by side: prefect-worker')
  .option('--model-workers <n>', 'worker processes of the model', positiveInt('--model-workers'), 4)
  .option('--cpu-prof-dir <dir>', 'write each replica\'s CPU profile (node --cpu-prof) into this directory')
  .option('--replica-node-args <flags>', 'more node/V8 flags for each replica, space-separated, after the production ones (e.g. "--max-semi-space-size=8")')
  .option('--share-weights <a,b>', 'fair-share phase: two pools of these weights each submit --share-runs runs at once; reports the first pool\'s share of launches while both wait (target a/(a+b) ± 5 points)', pair('--share-weights'))
  .option('--share-runs <n>', 'runs per pool of the fair-share phase', positiveInt('--share-runs'), 1000)
  .option('--priority-backlog <b,u>', 'priority phase: b runs of a priority-0 pool, then u runs of a priority-1 pool behind them; reports when the last of the u launched (target u/20 + 8 simulated s)', pair('--priority-backlog'))
  .option('--deadline-seconds <s>', 'real seconds allowed for every run to stop', positive('--deadline-seconds'), 600)
  .option('--out <prefix>', 'report files: <prefix>.json and <prefix>.md', 'bench-report')
  .option('--quiet', 'no progress lines on stderr', false);

/** Ctrl-C ends the wait; the replicas, the simulator and the namespace are still cleaned up. */
const interrupted = new AbortController();
process.once('SIGINT', () => interrupted.abort());

async function main(): Promise<number> {
  program.parse();
  const options = program.opts<CliOptions>();
  if (options.model !== undefined && options.model !== 'prefect-worker') throw new InvalidArgumentError(`--model: expected prefect-worker, got "${options.model}"`);
  if (options.model !== undefined && options.runs === 0) throw new InvalidArgumentError('--model compares the burst phase: --runs must be > 0');
  const command = ['npm run bench --', ...process.argv.slice(2)].join(' ');
  const log = options.quiet ? () => undefined : (line: string) => process.stderr.write(`${line}\n`);
  const reports: BenchReport[] = [];
  for (let i = 0; i < options.repeat && !interrupted.signal.aborted; i += 1) {
    if (options.repeat > 1) log(`repeat ${i + 1} of ${options.repeat}`);
    reports.push(await runBenchmark({
      runs: options.runs, definitions: options.definitions, replicas: options.replicas, regions: options.regions, timeScale: options.timeScale, seed: options.seed,
      scenario: options.scenario, mix: options.mix, runSeconds: options.runSeconds, resyncSeconds: options.resyncSeconds,
      events: options.events, unthrottled: options.unthrottled, cancelRuns: options.cancelRuns, restTasks: options.restTasks,
      restSeconds: options.restSeconds, deadlineSeconds: options.deadlineSeconds, log, signal: interrupted.signal,
      ...(options.cpuProfDir === undefined ? {} : { cpuProfDir: options.cpuProfDir }),
      ...(options.replicaNodeArgs === undefined ? {} : { replicaNodeArgs: options.replicaNodeArgs.split(/\s+/).filter((a) => a !== '') }),
      ...(options.shareWeights === undefined ? {} : { shareWeights: options.shareWeights, shareRuns: options.shareRuns }),
      ...(options.priorityBacklog === undefined ? {} : { priorityBacklog: options.priorityBacklog }),
    }));
  }
  const [first] = reports;
  let model: ModelReport | undefined;
  if (options.model !== undefined && !interrupted.signal.aborted) {
    model = await runPrefectModel({
      runs: options.runs, definitions: options.definitions, timeScale: options.timeScale, seed: options.seed, scenario: scenarioOf(options.scenario),
      mix: options.mix, runSeconds: options.runSeconds, unthrottled: options.unthrottled, workers: options.modelWorkers,
      deadlineSeconds: options.deadlineSeconds, log, signal: interrupted.signal,
    });
  }
  const repeat = options.repeat > 1 ? { runs: reports.length, spread: summarize(reports) } : undefined;
  const markdown = renderMarkdown(first, command, repeat, model);
  const json = { command, ...first, ...(model ? { prefectWorkerModel: model } : {}), ...(repeat ? { repeat: { ...repeat, reports } } : {}) };
  await writeFile(`${options.out}.json`, `${JSON.stringify(json, null, 2)}\n`);
  await writeFile(`${options.out}.md`, `${markdown}\n`);
  process.stdout.write(`${markdown}\n`);
  return reports.every((r) => r.passed) && reports.length === options.repeat ? 0 : 1;
}

process.exitCode = await main().catch((error: unknown) => {
  console.error(`bench failed: ${error instanceof Error ? error.message : String(error)}`);
  return 1;
});
