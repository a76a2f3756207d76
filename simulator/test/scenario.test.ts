/**
 * Scenario control: a seed makes a run repeat exactly; fault rates inject 5xx, capacity failures and start
 * failures; the scenario file is validated with clear errors.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DescribeTasksCommand, type Task } from '@aws-sdk/client-ecs';
import { startSimulator, type ScenarioInput } from '../index.js';
import { loadScenarioFile, parseScenario } from '../scenario.js';
import { eventually, failure, registerFargate, runFargate, startHarness, untilStopped } from './helpers/ecs-sim.js';

const mixed: ScenarioInput = {
  phases: {
    provisioning: { kind: 'uniform', minSeconds: 1, maxSeconds: 5 },
    pending: { kind: 'normal', meanSeconds: 5, stdDevSeconds: 2, minSeconds: 1 },
    running: { kind: 'exponential', meanSeconds: 10, maxSeconds: 30 },
  },
  outcomes: { exitCodes: [{ code: 0, weight: 3 }, { code: 1, weight: 1 }, { code: 137, weight: 1 }] },
  faults: { startFailureRate: 0.2 },
};

/** Runs 20 tasks and reports what happened to each once all stopped. */
async function runScenario(seed: number): Promise<Array<Pick<Task, 'taskArn' | 'stopCode' | 'stoppedReason'> & { exitCode?: number }>> {
  const h = await startHarness({ seed, scenario: mixed, throttling: false, registrationDelayMs: 0 });
  try {
    await registerFargate(h.ecs);
    const arns: string[] = [];
    for (let i = 0; i < 2; i += 1) arns.push(...(await runFargate(h.ecs, 'sim-test', { count: 10 })).tasks!.map((t) => t.taskArn!));
    const tasks = await eventually(async () => {
      const out = await h.ecs.send(new DescribeTasksCommand({ tasks: arns }));
      return out.tasks?.every((t) => t.lastStatus === 'STOPPED') ? out.tasks : undefined;
    }, 10_000);
    return tasks.map((t) => ({ taskArn: t.taskArn, stopCode: t.stopCode, stoppedReason: t.stoppedReason, exitCode: t.containers?.[0]?.exitCode }));
  } finally {
    await h.close();
  }
}

describe('seeded scenarios', () => {
  test('the same seed repeats ids, outcomes and failures exactly; another seed does not', async () => {
    const first = await runScenario(1234);
    const second = await runScenario(1234);
    const other = await runScenario(4321);
    assert.deepEqual(second, first);
    assert.notDeepEqual(other.map((t) => t.taskArn), first.map((t) => t.taskArn));
    // The mix really is mixed: some failures to start, several exit codes.
    const codes = new Set(first.map((t) => t.exitCode ?? t.stopCode));
    assert.ok(codes.size >= 2, `outcomes: ${[...codes].join(',')}`);
  });
});

describe('fault injection', () => {
  test('serverErrorRate answers ECS calls with 500 ServerException', async () => {
    const h = await startHarness({ scenario: { faults: { serverErrorRate: 1 } } });
    try {
      const error = await failure(() => registerFargate(h.ecs));
      assert.equal(error.name, 'ServerException');
      assert.equal(error.status, 500);
      assert.equal(h.sim.audit().calls.RegisterTaskDefinition.error, 1);
    } finally {
      await h.close();
    }
  });

  test('a 5xx injected after the effect loses the answer, not the launch', async () => {
    const h = await startHarness({ scenario: { faults: { serverErrorRate: 1, serverErrorAfterEffectShare: 1 } }, registrationDelayMs: 0 });
    try {
      assert.equal((await failure(() => registerFargate(h.ecs))).name, 'ServerException');
      const error = await failure(() => runFargate(h.ecs, 'sim-test', { clientToken: 'lost-answer' }));
      assert.equal(error.status, 500);
      assert.equal(h.sim.audit().tasks.length, 1);
      assert.equal(h.sim.audit().tasks[0].clientToken, 'lost-answer');
    } finally {
      await h.close();
    }
  });

  test('latency delays answers by the sampled time (÷ time scale)', async () => {
    // A scheduler whose timers fire only when the test fires them: the answer must wait for the latency timer.
    const timers: { delayMs: number; fire: () => void }[] = [];
    const scheduler = {
      now: () => Date.UTC(2026, 0, 1),
      after: (delayMs: number, fire: () => void) => {
        timers.push({ delayMs, fire });
        return () => undefined;
      },
    };
    const h = await startHarness({ timeScale: 4, scheduler, scenario: { faults: { latencyRate: 1, latency: 0.2 } } });
    try {
      let answered = false;
      const answer = h.ecs.send(new DescribeTasksCommand({ tasks: ['0123456789abcdef0123456789abcdef'] })).finally(() => {
        answered = true;
      });
      const latency = await eventually(async () => timers.find((t) => t.delayMs === 50));
      assert.equal(answered, false, 'no answer before the latency has passed');
      latency.fire();
      assert.deepEqual((await answer).failures?.map((f) => f.reason), ['MISSING']);
      assert.deepEqual(timers.map((t) => t.delayMs), [50], '0.2 s of latency ÷ time scale 4, and nothing else waited');
    } finally {
      await h.close();
    }
  });

  test('capacityFailureRate puts Fargate tasks in failures[] with AWS capacity message and no ARN', async () => {
    const h = await startHarness({ scenario: { faults: { capacityFailureRate: 1 } }, registrationDelayMs: 0 });
    try {
      await registerFargate(h.ecs);
      const out = await runFargate(h.ecs, 'sim-test', { count: 2 });
      assert.deepEqual(out.tasks, []);
      assert.deepEqual(out.failures, [
        { reason: 'Capacity is unavailable at this time. Please try again later or in a different availability zone' },
        { reason: 'Capacity is unavailable at this time. Please try again later or in a different availability zone' },
      ]);
    } finally {
      await h.close();
    }
  });

  test('spotCapacityFailureRate fails only tasks placed on FARGATE_SPOT; on-demand launches go on', async () => {
    const h = await startHarness({ scenario: { faults: { spotCapacityFailureRate: 1 } }, registrationDelayMs: 0 });
    try {
      await registerFargate(h.ecs);
      const spot = await runFargate(h.ecs, 'sim-test', { launchType: undefined, capacityProviderStrategy: [{ capacityProvider: 'FARGATE_SPOT', weight: 1 }] });
      assert.deepEqual(spot.tasks, []);
      assert.deepEqual(spot.failures, [{ reason: 'Capacity is unavailable at this time. Please try again later or in a different availability zone' }]);
      const onDemand = await runFargate(h.ecs, 'sim-test', { launchType: undefined, capacityProviderStrategy: [{ capacityProvider: 'FARGATE', weight: 1 }] });
      assert.equal(onDemand.tasks?.[0]?.capacityProviderName, 'FARGATE');
      const plain = await runFargate(h.ecs, 'sim-test');
      assert.equal(plain.tasks?.length, 1);
    } finally {
      await h.close();
    }
  });

  test('startFailureRate makes tasks fail to start with the scenario reasons', async () => {
    const h = await startHarness({ scenario: { faults: { startFailureRate: 1, startFailureReasons: ['CannotPullContainerError'] } }, registrationDelayMs: 0 });
    try {
      await registerFargate(h.ecs);
      const arn = (await runFargate(h.ecs, 'sim-test')).tasks![0].taskArn!;
      const task = await untilStopped(h.ecs, arn);
      assert.equal(task.stopCode, 'TaskFailedToStart');
      assert.match(task.stoppedReason ?? '', /^CannotPullContainerError: /);
    } finally {
      await h.close();
    }
  });
});

describe('scenario files', () => {
  test('a valid file loads with defaults filled in; a bad one fails with a message naming the field', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'longshore-scenario-'));
    try {
      const good = join(dir, 'good.json');
      writeFileSync(good, JSON.stringify({ phases: { running: 5 }, faults: { serverErrorRate: 0.1 } }));
      const scenario = loadScenarioFile(good);
      assert.deepEqual(scenario.phases.running, { kind: 'fixed', seconds: 5 });
      assert.equal(scenario.faults.serverErrorRate, 0.1);
      assert.equal(scenario.faults.capacityFailureRate, 0);

      const bad = join(dir, 'bad.json');
      writeFileSync(bad, JSON.stringify({ faults: { serverErrorRate: 2 } }));
      await assert.rejects(startSimulator({ scenario: bad }), /invalid scenario file .*bad\.json[\s\S]*faults\.serverErrorRate/);
      const notJson = join(dir, 'broken.json');
      writeFileSync(notJson, '{ nope');
      assert.throws(() => loadScenarioFile(notJson), /is not valid JSON/);
      assert.throws(() => parseScenario({ phases: { pending: { kind: 'uniform', minSeconds: 5, maxSeconds: 1 } } }), /minSeconds must not exceed maxSeconds/);
      assert.throws(() => parseScenario({ surprise: true }), /Unrecognized key: "surprise"/);
      assert.equal(scenario.events.delivery, 'home', 'every account-region\'s events to the one queue unless the scenario says otherwise');
      assert.equal(parseScenario({ events: { delivery: 'own-account-region' } }).events.delivery, 'own-account-region');
      assert.throws(() => parseScenario({ events: { delivery: 'everywhere' } }), /events\.delivery/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
