import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { classifyStop, isSpotInterruption, orchestrationContainer } from '../../machines/classify-stop.js';

const exitedWith = (exitCode: number | null | undefined, name = 'flow') => ({
  stopCode: 'EssentialContainerExited',
  stoppedReason: 'Essential container in task exited',
  containers: [{ name, exitCode }],
});

describe('classifyStop', () => {
  test('exit code 0 succeeds', () => {
    const c = classifyStop(exitedWith(0));
    assert.deepEqual([c.kind, c.outcome, c.exitCode, c.failureReason], ['exit', 'succeeded', 0, undefined]);
  });

  test('a non-zero exit code fails with reason ExitCode', () => {
    const c = classifyStop(exitedWith(3));
    assert.deepEqual([c.kind, c.outcome, c.exitCode, c.failureReason], ['exit', 'failed', 3, 'ExitCode']);
    assert.match(c.explanation, /code 3/);
  });

  test('a missing exit code is an infrastructure failure', () => {
    for (const exitCode of [null, undefined]) {
      const c = classifyStop(exitedWith(exitCode));
      assert.deepEqual([c.kind, c.outcome, c.exitCode, c.failureReason], ['infrastructure', 'crashed', null, 'MissingExitCode']);
    }
  });

  test('spot interruption by stopCode SpotInterruption or TerminationNotice wins over the exit code', () => {
    for (const stopCode of ['SpotInterruption', 'TerminationNotice']) {
      const c = classifyStop({ stopCode, containers: [{ name: 'flow', exitCode: 143 }] });
      assert.deepEqual([c.kind, c.outcome, c.failureReason, c.exitCode], ['infrastructure', 'crashed', 'SpotInterruption', 143]);
    }
  });

  test('spot interruption recognised by stoppedReason alone (no stopCode, as users report)', () => {
    const facts = { stoppedReason: 'Your Spot Task was interrupted.', containers: [{ name: 'flow', exitCode: 0 }] };
    assert.equal(isSpotInterruption(facts), true);
    assert.equal(classifyStop(facts).failureReason, 'SpotInterruption');
  });

  test('TaskFailedToStart with empty containers is an infrastructure failure carrying the reason', () => {
    const c = classifyStop({ stopCode: 'TaskFailedToStart', stoppedReason: 'CannotPullContainerError: pull failed', containers: [] });
    assert.deepEqual([c.kind, c.outcome, c.failureReason, c.exitCode], ['infrastructure', 'crashed', 'TaskFailedToStart', null]);
    assert.match(c.explanation, /CannotPullContainerError: pull failed/);
  });

  test('start-failure reasons count as TaskFailedToStart even without a stopCode', () => {
    for (const reason of ['ResourceInitializationError: failed to initialize logging driver', 'CannotPullContainerError: x', 'TaskFailedToStart: RESOURCE:CPU']) {
      assert.equal(classifyStop({ stoppedReason: reason }).failureReason, 'TaskFailedToStart', reason);
    }
  });

  test('other platform stop codes and a lost host are infrastructure failures', () => {
    assert.equal(classifyStop({ stopCode: 'InfrastructureHealth', containers: [{ exitCode: 1 }] }).failureReason, 'InfrastructureHealth');
    assert.equal(classifyStop({ stopCode: 'ServiceSchedulerInitiated' }).kind, 'infrastructure');
    const host = classifyStop({ stoppedReason: 'Host EC2 (instance i-123) terminated.', containers: [{ exitCode: 137 }] });
    assert.deepEqual([host.kind, host.failureReason], ['infrastructure', 'HostLost']);
  });

  test('a task stopped by a user outside Longshore crashes without being retryable', () => {
    const c = classifyStop({ stopCode: 'UserInitiated', stoppedReason: 'Task stopped by user', containers: [{ exitCode: 143 }] });
    assert.deepEqual([c.kind, c.outcome, c.failureReason], ['stopped-externally', 'crashed', 'StoppedByUser']);
  });

  test('an unknown stopCode falls through to the exit code', () => {
    assert.equal(classifyStop({ stopCode: 'SomethingNew', containers: [{ exitCode: 0 }] }).outcome, 'succeeded');
  });

  test('the orchestration container is chosen by name, else the first', () => {
    const containers = [{ name: 'sidecar', exitCode: 1 }, { name: 'flow', exitCode: 0 }];
    assert.equal(classifyStop({ containers }, 'flow').outcome, 'succeeded');
    assert.equal(classifyStop({ containers }).outcome, 'failed');
    assert.equal(orchestrationContainer(containers, 'absent')?.name, 'sidecar');
    assert.equal(orchestrationContainer([], 'flow'), undefined);
  });
});
