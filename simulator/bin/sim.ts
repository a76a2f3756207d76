#!/usr/bin/env node
/**
 * `npm run sim -- --port <p> [--time-scale <k>] [--scenario <file>] [--seed <n>] [--no-throttling]`:
 * runs the ECS simulator on 127.0.0.1 until SIGINT/SIGTERM. Parse, wire, run, exit.
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import { startSimulator, type ScenarioInput } from '../index.js';
import { loadScenarioFile } from '../scenario.js';

function number(name: string, check: (value: number) => boolean, expected: string) {
  return (text: string): number => {
    const value = Number(text);
    if (!Number.isFinite(value) || !check(value)) throw new InvalidArgumentError(`${name}: expected ${expected}, got "${text}"`);
    return value;
  };
}
const rate = (name: string) => number(name, (v) => v >= 0 && v <= 1, 'a number between 0 and 1');

interface CliOptions {
  port: number;
  host: string;
  timeScale: number;
  scenario?: string;
  seed?: number;
  throttling: boolean;
  registrationDelayMs?: number;
  serverErrorRate?: number;
  latencyRate?: number;
  capacityFailureRate?: number;
  startFailureRate?: number;
  spotInterruptionRate?: number;
  duplicateRate?: number;
  reorderRate?: number;
  eventDelivery?: 'home' | 'own-account-region';
  runSeconds?: number;
}

const program = new Command('sim')
  .description('Longshore ECS simulator: ECS, CloudWatch Logs, EC2 and SQS on one local endpoint')
  .option('--port <port>', 'port to listen on (0 = any free port)', number('--port', (v) => Number.isInteger(v) && v >= 0 && v < 65536, 'a port number'), 4566)
  .option('--host <host>', 'address to listen on', '127.0.0.1')
  .option('--time-scale <k>', 'run k times faster than real time', number('--time-scale', (v) => v > 0, 'a number > 0'), 1)
  .option('--scenario <file>', 'scenario JSON file (phase durations, outcomes, faults)')
  .option('--seed <n>', 'seed for every random choice', number('--seed', Number.isInteger, 'an integer'))
  .option('--no-throttling', 'switch API throttling off')
  .option('--registration-delay-ms <ms>', 'simulated time a RegisterTaskDefinition takes', number('--registration-delay-ms', (v) => v >= 0, 'a number >= 0'))
  .option('--run-seconds <s>', 'scenario: how long tasks run unless SIM_RUN_SECONDS says otherwise', number('--run-seconds', (v) => v >= 0, 'a number >= 0'))
  .option('--server-error-rate <r>', 'scenario: share of ECS calls answered with 500 ServerException', rate('--server-error-rate'))
  .option('--latency-rate <r>', 'scenario: share of ECS calls delayed', rate('--latency-rate'))
  .option('--capacity-failure-rate <r>', 'scenario: share of Fargate tasks failing for capacity', rate('--capacity-failure-rate'))
  .option('--start-failure-rate <r>', 'scenario: share of tasks failing to start', rate('--start-failure-rate'))
  .option('--spot-interruption-rate <r>', 'scenario: share of Fargate Spot tasks interrupted', rate('--spot-interruption-rate'))
  .option('--duplicate-rate <r>', 'scenario: share of task events delivered twice', rate('--duplicate-rate'))
  .option('--reorder-rate <r>', 'scenario: share of task events delayed out of order', rate('--reorder-rate'))
  .addOption(new Option('--event-delivery <where>', 'scenario: task events to the home queue, or to a queue in each task\'s own account-region').choices(['home', 'own-account-region']));

/** The scenario file, with any scenario flags laid over it. */
function scenarioFrom(options: CliOptions): ScenarioInput {
  const base: ScenarioInput = options.scenario === undefined ? {} : loadScenarioFile(options.scenario);
  const defined = <T extends object>(object: T): Partial<T> =>
    Object.fromEntries(Object.entries(object).filter(([, value]) => value !== undefined)) as Partial<T>;
  return {
    ...base,
    phases: { ...base.phases, ...defined({ running: options.runSeconds }) },
    faults: {
      ...base.faults,
      ...defined({
        serverErrorRate: options.serverErrorRate,
        latencyRate: options.latencyRate,
        capacityFailureRate: options.capacityFailureRate,
        startFailureRate: options.startFailureRate,
        spotInterruptionRate: options.spotInterruptionRate,
      }),
    },
    events: { ...base.events, ...defined({ duplicateRate: options.duplicateRate, reorderRate: options.reorderRate, delivery: options.eventDelivery }) },
  };
}

async function main(): Promise<void> {
  program.parse();
  const options = program.opts<CliOptions>();
  const sim = await startSimulator({
    port: options.port,
    host: options.host,
    timeScale: options.timeScale,
    scenario: scenarioFrom(options),
    seed: options.seed,
    throttling: options.throttling,
    registrationDelayMs: options.registrationDelayMs,
  });
  console.log(
    `longshore simulator listening on ${sim.url} (time scale ${sim.timeScale}, seed ${sim.seed}, ` +
      `throttling ${options.throttling ? 'on' : 'off'}, task events at ${sim.eventQueueUrl})`,
  );
  let closing = false;
  const shutdown = (signal: string): void => {
    if (closing) return;
    closing = true;
    console.log(`received ${signal}, shutting down`);
    sim.close().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error('simulator shutdown failed', error);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
