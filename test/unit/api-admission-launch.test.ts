/**
 * Admission agrees with launch: what admission accepts, launch can send (issue 7, "Admission that matches
 * launch"). Every rule names its field path and rule id.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { PoolSpec } from '../../controller/api/index.js';
import { admitPool, admitRun, estimateRunTaskOverrides } from '../../controller/api/admission/index.js';
import { commandArgv } from '../../controller/api/command.js';
import { fargatePool, only, poolDoc, poolViolations, runDoc, runViolations } from './admission-helpers.js';

describe('admission: commands are split by the parser launch uses', () => {
  test('command-split: unbalanced quotes and a trailing backslash are rejected with the parser reason', () => {
    for (const [command, reason] of [[`python -c 'print(1)`, 'No closing quotation'], [`echo "a b`, 'No closing quotation'], ['echo a\\', 'No escaped character']]) {
      const v = only(runViolations({ command }), 'command-split');
      assert.equal(v.path, 'spec.command');
      assert.equal(v.value, command);
      assert.match(v.message, new RegExp(`shlex\\): ${reason}$`));
    }
    assert.match(only(runViolations({ command: '   ' }), 'command-split').message, /no words/);
  });

  test('a splittable string is admitted, and the overrides estimate measures the words launch sends', () => {
    const pool = PoolSpec.parse(fargatePool());
    const run = admitRun(runDoc({ command: `sh -c 'echo "hi there"'` }), pool);
    assert.deepEqual(commandArgv(run.spec.command ?? []), ['sh', '-c', 'echo "hi there"']);
    assert.deepEqual(estimateRunTaskOverrides(pool, run.spec).containerOverrides?.[0].command, ['sh', '-c', 'echo "hi there"']);
    // An argv array is taken as written, whatever its quotes.
    admitRun(runDoc({ command: ["'unbalanced"] }), pool);
  });
});

describe('admission: quantities', () => {
  test('a template cpu of "NaN" is a schema violation at its path (one cpu grammar for pool, run and template)', () => {
    const v = only(poolViolations({ taskDefinition: { cpu: 'NaN', memory: '2048' } }), 'schema');
    assert.equal(v.path, 'spec.taskDefinition.cpu');
    assert.equal(v.value, 'NaN');
  });
});

describe('admission: retry and timeouts are bounded', () => {
  test('onExitCodes: 0-255 (a POSIX exit status, what ECS reports)', () => {
    for (const code of [-1, 256, 1e9]) {
      const v = only(poolViolations(fargatePool({ retry: { onExitCodes: [1, code] } })), 'schema');
      assert.deepEqual([v.path, v.value], ['spec.retry.onExitCodes[1]', code]);
      assert.match(v.message, /0-255/);
      assert.equal(only(runViolations({ retry: { onExitCodes: [code] } }), 'schema').path, 'spec.retry.onExitCodes[0]');
    }
    admitPool(poolDoc(fargatePool({ retry: { onExitCodes: [0, 137, 255] } })));
  });

  test('backoff: initialSeconds ≤ 3600, maxSeconds ≤ 86400, multiplier ≤ 10 (1e308 is a typo, not a wait)', () => {
    const cases: Array<[Record<string, number>, string, RegExp]> = [
      [{ initialSeconds: 1e308 }, 'spec.retry.backoff.initialSeconds', /at most 3600/],
      [{ maxSeconds: 86401 }, 'spec.retry.backoff.maxSeconds', /at most 86400/],
      [{ multiplier: 11 }, 'spec.retry.backoff.multiplier', /at most 10/],
    ];
    for (const [backoff, path, message] of cases) {
      const v = only(poolViolations(fargatePool({ retry: { backoff } })), 'schema');
      assert.equal(v.path, path);
      assert.match(v.message, message);
      assert.equal(only(runViolations({ retry: { backoff } }), 'schema').path, path);
    }
    admitPool(poolDoc(fargatePool({ retry: { backoff: { initialSeconds: 3600, maxSeconds: 86400, multiplier: 10 } } })));
  });

  test('backoff-order: initialSeconds may not exceed maxSeconds, judged on the run over its pool', () => {
    const v = only(poolViolations(fargatePool({ retry: { backoff: { initialSeconds: 60, maxSeconds: 30 } } })), 'backoff-order');
    assert.deepEqual([v.path, v.value], ['spec.retry.backoff.initialSeconds', 60]);
    assert.match(v.message, /initialSeconds \(60\) must not exceed maxSeconds \(30\)/);
    // The pool's maxSeconds is 300 by default: a run's initialSeconds of 600 breaks it; its own maxSeconds too.
    assert.equal(only(runViolations({ retry: { backoff: { initialSeconds: 600 } } }), 'backoff-order').path, 'spec.retry.backoff.initialSeconds');
    assert.equal(only(runViolations({ retry: { backoff: { maxSeconds: 5 } } }), 'backoff-order').path, 'spec.retry.backoff.maxSeconds');
    admitRun(runDoc({ retry: { backoff: { initialSeconds: 600, maxSeconds: 900 } } }), PoolSpec.parse(fargatePool()));
  });

  test('timeouts: startSeconds and runSeconds at most 14 days', () => {
    for (const field of ['startSeconds', 'runSeconds'] as const) {
      const v = only(poolViolations(fargatePool({ timeouts: { [field]: 14 * 86400 + 1 } })), 'schema');
      assert.deepEqual([v.path, v.value], [`spec.timeouts.${field}`, 14 * 86400 + 1]);
      assert.match(v.message, /14 days/);
      assert.equal(only(runViolations({ timeouts: { [field]: 1e7 } }), 'schema').path, `spec.timeouts.${field}`);
    }
    admitPool(poolDoc(fargatePool({ timeouts: { startSeconds: 14 * 86400, runSeconds: 14 * 86400 } })));
  });
});
