/**
 * Decides, at RunTask, what will happen to a task: its phase durations, exit code, a failed start, a
 * Spot interruption and the lines it prints. A task's own container environment wins over the scenario
 * (SIM_EXIT_CODE, SIM_RUN_SECONDS, SIM_FAIL_START, SIM_SPOT_INTERRUPT_AFTER_SECONDS, SIM_LOG_LINES, SIM_EXIT_LOG_LINES;
 * RunTask container overrides win over the task definition), so each test controls each run.
 * SIM_FAIL_START_TIMES and SIM_SPOT_INTERRUPT_TIMES limit those two faults to a run's first n tasks.
 */
import type { Random } from '../random.js';
import { pickWeighted, sampleSeconds, type Scenario } from '../scenario.js';
import type { FaultBudgets } from './fault-budgets.js';
import type { TaskFate } from './task.js';

export type Environment = ReadonlyMap<string, string>;

export interface FateInput {
  /** The task's variables: for each name, the first container that sets it (overrides applied). */
  environment: Environment;
  image: string;
  isSpot: boolean;
  scenario: Scenario;
  random: Random;
  /** Spent by the environment's faults when a *_TIMES variable limits them. */
  budgets: FaultBudgets;
  /** Which run the task belongs to (faultBudgetKey). */
  budgetKey: string;
}

const START_FAILURE_DETAILS: Record<string, (image: string) => string> = {
  CannotPullContainerError: (image) =>
    `CannotPullContainerError: pull image manifest has been retried 5 time(s): failed to resolve ref ${image}: not found`,
  ResourceInitializationError: () =>
    'ResourceInitializationError: unable to pull secrets or registry auth: execution resource retrieval failed: unable to retrieve secret from asm: service call has been retried 5 time(s): request timeout',
};

/** A full stoppedReason from a short name ("CannotPullContainerError") or a complete reason text. */
function startFailureReason(value: string, image: string): string {
  const detail = START_FAILURE_DETAILS[value];
  if (detail !== undefined) return detail(image);
  if (value === '1' || value.toLowerCase() === 'true') return START_FAILURE_DETAILS.CannotPullContainerError(image);
  return value;
}

function numberFrom(environment: Environment, name: string): number | undefined {
  const text = environment.get(name);
  if (text === undefined || text.trim() === '') return undefined;
  const value = Number(text);
  return Number.isFinite(value) ? value : undefined;
}

/** A *_TIMES budget: a non-negative integer, or undefined (no limit) when unset or not such a number. */
function timesFrom(environment: Environment, name: string): number | undefined {
  const value = numberFrom(environment, name);
  return value !== undefined && Number.isInteger(value) && value >= 0 ? value : undefined;
}

/** SIM_LOG_LINES: a count ("3" prints three numbered lines) or the lines themselves, newline-separated. */
function logLinesFrom(value: string | undefined): string[] {
  if (value === undefined || value === '') return [];
  if (/^\d+$/.test(value.trim())) {
    const count = Math.min(Number(value.trim()), 100_000);
    return Array.from({ length: count }, (_, i) => `log line ${i + 1} of ${count}`);
  }
  return value.split('\n');
}

export function decideFate(input: FateInput): TaskFate {
  const { environment, scenario, random } = input;
  const phases = scenario.phases;
  const ms = (seconds: number): number => Math.round(seconds * 1000);
  // Draw every random number in a fixed order so a seed reproduces the same run whatever the env says.
  const phaseMs = {
    provisioning: ms(sampleSeconds(phases.provisioning, random)),
    pending: ms(sampleSeconds(phases.pending, random)),
    activating: ms(sampleSeconds(phases.activating, random)),
    deactivating: ms(sampleSeconds(phases.deactivating, random)),
    stopping: ms(sampleSeconds(phases.stopping, random)),
    deprovisioning: ms(sampleSeconds(phases.deprovisioning, random)),
  };
  const sampledRunMs = ms(sampleSeconds(phases.running, random));
  const sampledExitCode = pickWeighted(scenario.outcomes.exitCodes, random).code;
  const startFails = random() < scenario.faults.startFailureRate;
  const startFailurePick = scenario.faults.startFailureReasons[Math.floor(random() * scenario.faults.startFailureReasons.length)];
  const spotInterrupted = random() < scenario.faults.spotInterruptionRate;
  const sampledSpotAfterMs = ms(sampleSeconds(scenario.faults.spotInterruptAfter, random));

  const runSeconds = numberFrom(environment, 'SIM_RUN_SECONDS');
  const exitCode = numberFrom(environment, 'SIM_EXIT_CODE');
  const failStart = environment.get('SIM_FAIL_START');
  const spotAfterSeconds = numberFrom(environment, 'SIM_SPOT_INTERRUPT_AFTER_SECONDS');
  const runMs = runSeconds !== undefined ? ms(Math.max(0, runSeconds)) : sampledRunMs;
  const spend = (fault: 'failStart' | 'spotInterrupt', timesVariable: string): boolean =>
    input.budgets.take(fault, input.budgetKey, timesFrom(environment, timesVariable));

  let failStartReason: string | undefined;
  const envFailsStart = failStart !== undefined && failStart !== '' && failStart !== '0' && failStart.toLowerCase() !== 'false';
  if (envFailsStart && spend('failStart', 'SIM_FAIL_START_TIMES')) {
    failStartReason = startFailureReason(failStart, input.image);
  } else if (startFails) {
    failStartReason = startFailureReason(startFailurePick, input.image);
  }

  let spotInterruptAfterMs: number | undefined;
  if (input.isSpot && spotAfterSeconds !== undefined) {
    const spotAfterMs = ms(spotAfterSeconds);
    // Only a notice that will really come spends the budget: the task must start and still be running.
    const noticeComes = failStartReason === undefined && spotAfterMs < runMs;
    if (!noticeComes || spend('spotInterrupt', 'SIM_SPOT_INTERRUPT_TIMES')) spotInterruptAfterMs = spotAfterMs;
  }
  if (spotInterruptAfterMs === undefined && input.isSpot && spotInterrupted) spotInterruptAfterMs = sampledSpotAfterMs;

  return {
    phaseMs,
    runMs,
    exitCode: exitCode !== undefined ? Math.trunc(exitCode) : sampledExitCode,
    failStartReason,
    spotInterruptAfterMs,
    logLines: logLinesFrom(environment.get('SIM_LOG_LINES')),
    exitLines: environment.has('SIM_EXIT_LOG_LINES') ? logLinesFrom(environment.get('SIM_EXIT_LOG_LINES')) : undefined,
  };
}
