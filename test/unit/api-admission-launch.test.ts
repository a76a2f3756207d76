/**
 * Admission agrees with launch: what admission accepts, launch can send (issue 7, "Admission that matches
 * launch"). Every rule names its field path and rule id.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { PoolSpec } from '../../controller/api/index.js';
import { admitRun, estimateRunTaskOverrides } from '../../controller/api/admission/index.js';
import { commandArgv } from '../../controller/api/command.js';
import { fargatePool, only, poolViolations, runDoc, runViolations } from './admission-helpers.js';

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
