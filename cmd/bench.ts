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
import { DEFAULT_MIX, parseMix, type OutcomeMix } from './bench/workload.js';

function number(flag: string, check: (value: number) => boolean, expected: string) {
  return (text: string): number => {
    const value = Number(text);
    if (!Number.isFinite(value) || !check(value)) throw new InvalidArgumentError(`${flag}: expected ${expected}, got "${text}"`);
    return value;
  };
}
const positiveInt = (flag: string) => number(flag, (v) => Number.isInteger(v) && v > 0, 'an integer > 0');
const positive = (flag: string) => number(flag, (v) => v > 0, 'a number > 0');
function mix(text: string): OutcomeMix {
  try {
    return parseMix(text);
  } catch (error) {
    throw new InvalidArgumentError(`--mix: ${error instanceof Error ? error.message : String(error)}`);
  }
}

interface CliOptions {
  runs: number; definitions: number; replicas: number; timeScale: number; seed: number; scenario: string; mix: OutcomeMix;
  runSeconds: number; resyncSeconds: number; events: boolean; deadlineSeconds: number; out: string; quiet: boolean;
}

const program = new Command('bench')
  .description('Longshore benchmark: speed, ECS API economy and memory against the simulator')
  .option('--runs <n>', 'runs to submit', positiveInt('--runs'), 1000)
  .option('--definitions <n>', 'distinct task definitions the runs use', positiveInt('--definitions'), 5)
  .option('--replicas <n>', 'controller replicas (child processes)', positiveInt('--replicas'), 2)
  .option('--time-scale <k>', 'simulated seconds per real second (simulator and budgets)', positive('--time-scale'), 10)
  .option('--seed <n>', 'seed of the simulator and of the run mix', number('--seed', Number.isInteger, 'an integer'), 42)
  .option('--scenario <name|file>', '"aws" (AWS-like task phase timings), "quick" (short phases) or a scenario JSON file', 'aws')
  .option('--mix <kind=weight,...>', 'outcome mix over succeed, fail, spot, start-retry', mix, DEFAULT_MIX)
  .option('--run-seconds <s>', 'simulated seconds each task runs', positive('--run-seconds'), 10)
  .option('--resync-seconds <s>', 'simulated seconds between task resyncs', positive('--resync-seconds'), 10)
  .option('--events', 'also observe tasks through the SQS task-event queue', false)
  .option('--deadline-seconds <s>', 'real seconds allowed for every run to stop', positive('--deadline-seconds'), 600)
  .option('--out <prefix>', 'report files: <prefix>.json and <prefix>.md', 'bench-report')
  .option('--quiet', 'no progress lines on stderr', false);

/** Ctrl-C ends the wait; the replicas, the simulator and the namespace are still cleaned up. */
const interrupted = new AbortController();
process.once('SIGINT', () => interrupted.abort());

async function main(): Promise<number> {
  program.parse();
  const options = program.opts<CliOptions>();
  const report = await runBenchmark({
    runs: options.runs, definitions: options.definitions, replicas: options.replicas, timeScale: options.timeScale, seed: options.seed,
    scenario: options.scenario, mix: options.mix, runSeconds: options.runSeconds, resyncSeconds: options.resyncSeconds,
    events: options.events, deadlineSeconds: options.deadlineSeconds,
    redisUrl: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
    log: options.quiet ? () => undefined : (line) => process.stderr.write(`${line}\n`),
    signal: interrupted.signal,
  });
  const command = ['npm run bench --', ...process.argv.slice(2)].join(' ');
  const markdown = renderMarkdown(report, command);
  await writeFile(`${options.out}.json`, `${JSON.stringify({ command, ...report }, null, 2)}\n`);
  await writeFile(`${options.out}.md`, `${markdown}\n`);
  process.stdout.write(`${markdown}\n`);
  return report.passed ? 0 : 1;
}

process.exitCode = await main().catch((error: unknown) => {
  console.error(`bench failed: ${error instanceof Error ? error.message : String(error)}`);
  return 1;
});
