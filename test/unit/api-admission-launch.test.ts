/**
 * Admission agrees with launch: what admission accepts, launch can send (issue 7, "Admission that matches
 * launch"). Every rule names its field path and rule id.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { PoolSpec } from '../../controller/api/index.js';
import { admitDocuments, admitPool, admitRun, estimateRunTaskOverrides } from '../../controller/api/admission/index.js';
import { commandArgv } from '../../controller/api/command.js';
import { V, fargatePool, only, poolDoc, violationsOf, poolViolations, runDoc, runViolations } from './admission-helpers.js';

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

describe('admission: maps are bounded and reserved keys are rejected, not dropped', () => {
  const poolWithMeta = (metadata: Record<string, unknown>, spec: Record<string, unknown> = fargatePool()) => ({ apiVersion: V, kind: 'Pool', metadata: { name: 'p1', ...metadata }, spec });
  const many = (n: number, prefix = 'k') => Object.fromEntries(Array.from({ length: n }, (_, i) => [`${prefix}${i}`, 'v']));

  test('reserved-key: __proto__, constructor and prototype in any map, as JSON.parse and YAML produce them', () => {
    const doc = JSON.parse(`{"apiVersion":"${V}","kind":"Pool","metadata":{"name":"p1","labels":{"constructor":"x"},"annotations":{"prototype":"y"}},
      "spec":{"taskDefinition":{"networkMode":"awsvpc"},"env":{"__proto__":"1","OK":"2"},"tags":{"__proto__":"t"},
      "cloudwatchLogs":{"enabled":false,"options":{"constructor":"z"}}}}`) as unknown;
    const vs = violationsOf(() => admitDocuments([doc], { pools: new Map() }));
    assert.deepEqual(vs.map((v) => [v.path, v.rule]), [
      ['metadata.annotations.prototype', 'reserved-key'],
      ['metadata.labels.constructor', 'reserved-key'],
      ['spec.cloudwatchLogs.options.constructor', 'reserved-key'],
      ['spec.env.__proto__', 'reserved-key'],
      ['spec.tags.__proto__', 'reserved-key'],
    ]);
    assert.match(vs[0].message, /"prototype" is reserved/);
    const run = JSON.parse('{"env":{"__proto__":"x"}}') as { env: Record<string, string> };
    assert.equal(only(runViolations(run), 'reserved-key').path, 'spec.env.__proto__');
  });

  test('reserved-key: an object whose prototype was set in code ({ __proto__: … } literal) is refused too', () => {
    const env = { __proto__: { A: '1' } } as unknown as Record<string, string>;
    assert.equal(only(poolViolations(fargatePool({ env })), 'reserved-key').path, 'spec.env.__proto__');
  });

  test('too-many-entries: a pool with 100,000 env variables is refused by one walk, before the schema', () => {
    const v = only(poolViolations(fargatePool({ env: many(100_000, 'VAR_') })), 'too-many-entries');
    assert.deepEqual([v.path, v.value], ['spec.env', 100_000]);
    assert.match(v.message, /at most 10000 entries/);
    // Below the cap, ECS's own limit (the 64 KiB task definition) still answers.
    only(poolViolations(fargatePool({ env: many(9_000, 'VAR_') })), 'task-definition-size');
  });

  test('too-deep: nesting is capped without recursion', () => {
    let deep: unknown = 'x';
    for (let i = 0; i < 100_000; i += 1) deep = [deep];
    const v = only(poolViolations(fargatePool({ taskDefinition: { networkMode: 'awsvpc', containerDefinitions: deep } } as never)), 'too-deep');
    assert.match(v.path, /^spec\.taskDefinition\.containerDefinitions(\[0\])+$/);
  });

  test('label-count: at most 64 labels', () => {
    const v = only(violationsOf(() => admitDocuments([poolWithMeta({ labels: many(65) })], { pools: new Map() })), 'label-count');
    assert.deepEqual([v.path, v.value], ['metadata.labels', 65]);
    admitDocuments([poolWithMeta({ labels: many(64) })], { pools: new Map() });
  });

  test('annotations-size: keys and values together at most 256 KiB, as in Kubernetes', () => {
    const v = only(violationsOf(() => admitDocuments([poolWithMeta({ annotations: { a: 'x'.repeat(256 * 1024) } })], { pools: new Map() })), 'annotations-size');
    assert.deepEqual([v.path, v.value], ['metadata.annotations', 256 * 1024 + 1]);
    admitDocuments([poolWithMeta({ annotations: { a: 'x'.repeat(256 * 1024 - 1) } })], { pools: new Map() });
  });
});
