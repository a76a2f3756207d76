/**
 * Per-run fault budgets through the real SDK: SIM_SPOT_INTERRUPT_TIMES and SIM_FAIL_START_TIMES limit a
 * fault to the first n tasks launched with one startedBy (or, without startedBy, one family + environment),
 * so a retried attempt can succeed. Without a *_TIMES variable every attempt still gets the fault, and
 * POST /_sim/reset forgets the counts.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { type RunTaskCommandInput, type Task } from '@aws-sdk/client-ecs';
import { container, env, registerFargate, runFargate, startHarness, untilStopped, type SimHarness } from './helpers/ecs-sim.js';

let h: SimHarness;
const SPOT = { launchType: undefined, capacityProviderStrategy: [{ capacityProvider: 'FARGATE_SPOT', weight: 1 }] };

async function registerDefinition(): Promise<void> {
  await registerFargate(h.ecs, { containerDefinitions: [container({ environment: env({ SIM_RUN_SECONDS: '5', SIM_EXIT_CODE: '0' }) })] });
}

before(async () => {
  h = await startHarness();
  await registerDefinition();
});
after(() => h.close());

/** Launches one task whose container environment adds `vars`, and waits until it has STOPPED. */
async function runToStop(vars: Record<string, string>, request: Partial<RunTaskCommandInput> = {}): Promise<Task> {
  const out = await runFargate(h.ecs, 'sim-test', {
    overrides: { containerOverrides: [{ name: 'main', environment: env(vars) }] },
    ...request,
  });
  assert.deepEqual(out.failures, []);
  const arn = out.tasks?.[0]?.taskArn ?? '';
  return untilStopped(h.ecs, arn);
}

const outcome = (task: Task): string => `${task.stopCode}/${task.containers?.[0]?.exitCode ?? '-'}`;
const SPOT_ONCE = { SIM_SPOT_INTERRUPT_AFTER_SECONDS: '1', SIM_SPOT_INTERRUPT_TIMES: '1' };
const PULL_TWICE = { SIM_FAIL_START: 'CannotPullContainerError', SIM_FAIL_START_TIMES: '2' };

describe('fault budgets', () => {
  test('SIM_SPOT_INTERRUPT_TIMES=1: the first Spot task of a startedBy is interrupted, the second exits 0', async () => {
    const first = await runToStop(SPOT_ONCE, { ...SPOT, startedBy: 'run-spot-a' });
    const second = await runToStop(SPOT_ONCE, { ...SPOT, startedBy: 'run-spot-a' });
    assert.equal(first.capacityProviderName, 'FARGATE_SPOT');
    assert.equal(outcome(first), 'SpotInterruption/-');
    assert.equal(first.stoppedReason, 'Your Spot Task was interrupted.');
    assert.equal(outcome(second), 'EssentialContainerExited/0');
    // Another startedBy has its own budget.
    const other = await runToStop(SPOT_ONCE, { ...SPOT, startedBy: 'run-spot-b' });
    assert.equal(outcome(other), 'SpotInterruption/-');
  });

  test('an on-demand task ignores the Spot variable and does not spend the budget', async () => {
    const onDemand = await runToStop(SPOT_ONCE, { startedBy: 'run-spot-c' });
    const spot = await runToStop(SPOT_ONCE, { ...SPOT, startedBy: 'run-spot-c' });
    assert.deepEqual([outcome(onDemand), outcome(spot)], ['EssentialContainerExited/0', 'SpotInterruption/-']);
  });

  test('SIM_FAIL_START_TIMES=2: the first two tasks fail to start, the third exits 0', async () => {
    const tasks: Task[] = [];
    for (let i = 0; i < 3; i += 1) tasks.push(await runToStop(PULL_TWICE, { startedBy: 'run-pull-a' }));
    assert.deepEqual(tasks.map(outcome), ['TaskFailedToStart/-', 'TaskFailedToStart/-', 'EssentialContainerExited/0']);
    assert.match(tasks[0].stoppedReason ?? '', /^CannotPullContainerError: /);
  });

  test('without a *_TIMES variable every attempt gets the fault', async () => {
    const pull = { SIM_FAIL_START: 'CannotPullContainerError' };
    const spot = { SIM_SPOT_INTERRUPT_AFTER_SECONDS: '1' };
    const pulls = [await runToStop(pull, { startedBy: 'run-pull-b' }), await runToStop(pull, { startedBy: 'run-pull-b' })];
    const spots = [await runToStop(spot, { ...SPOT, startedBy: 'run-spot-d' }), await runToStop(spot, { ...SPOT, startedBy: 'run-spot-d' })];
    assert.deepEqual(pulls.map(outcome), ['TaskFailedToStart/-', 'TaskFailedToStart/-']);
    assert.deepEqual(spots.map(outcome), ['SpotInterruption/-', 'SpotInterruption/-']);
  });

  test('without startedBy, tasks are counted per family and container environment', async () => {
    const once = { SIM_FAIL_START: 'ResourceInitializationError', SIM_FAIL_START_TIMES: '1' };
    const first = await runToStop(once);
    const second = await runToStop(once);
    const otherEnvironment = await runToStop({ ...once, SIM_LOG_LINES: '1' });
    assert.deepEqual([first, second, otherEnvironment].map(outcome), ['TaskFailedToStart/-', 'EssentialContainerExited/0', 'TaskFailedToStart/-']);
  });

  test('POST /_sim/reset clears the counts', async () => {
    const once = { ...PULL_TWICE, SIM_FAIL_START_TIMES: '1' };
    assert.equal(outcome(await runToStop(once, { startedBy: 'run-reset' })), 'TaskFailedToStart/-');
    assert.equal(outcome(await runToStop(once, { startedBy: 'run-reset' })), 'EssentialContainerExited/0');
    const response = await fetch(`${h.sim.url}/_sim/reset`, { method: 'POST' });
    assert.equal(response.status, 200);
    await registerDefinition();
    assert.equal(outcome(await runToStop(once, { startedBy: 'run-reset' })), 'TaskFailedToStart/-');
  });
});
