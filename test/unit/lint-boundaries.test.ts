/**
 * The module boundaries in eslint.config.js bite: ESLint's own Node API lints small snippets as if they were
 * files in machines/, controller/, reconcilers/ and the CLI. machines/ may not import I/O (Redis, BullMQ, AWS,
 * Node built-ins); no product code may import the simulator package, cmd/ entry points or tests — statically,
 * by re-export or by a dynamic import; the demo, bench and tests use the simulator only through its package
 * exports. Clean snippets pass.
 */
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';

const BOUNDARY_RULES = new Set(['no-restricted-imports', 'no-restricted-syntax']);

function findRepoRoot(): string {
  for (let dir = dirname(fileURLToPath(import.meta.url)); dir !== dirname(dir); dir = dirname(dir)) {
    if (existsSync(join(dir, 'eslint.config.js'))) return dir;
  }
  throw new Error('eslint.config.js not found above the test file');
}

describe('lint: module boundaries', () => {
  let root: string;
  let eslint: ESLint;
  before(() => {
    root = findRepoRoot();
    eslint = new ESLint({ cwd: root });
  });

  /** Every message from linting `code` as the file at `path` (relative to the repository root). */
  async function lint(path: string, code: string): Promise<ESLint.LintResult['messages']> {
    const [result] = await eslint.lintText(code, { filePath: join(root, path) });
    return result.messages;
  }
  async function boundaryViolations(path: string, code: string): Promise<string[]> {
    return (await lint(path, code)).filter((m) => m.ruleId !== null && BOUNDARY_RULES.has(m.ruleId)).map((m) => m.message);
  }
  async function assertRefused(path: string, code: string, reason: RegExp): Promise<void> {
    const violations = await boundaryViolations(path, code);
    assert.equal(violations.length, 1, `${path}: ${code} → ${JSON.stringify(violations)}`);
    assert.match(violations[0], reason);
  }

  test('machines/ imports no I/O: Redis, BullMQ, the AWS SDK or Node built-ins (with or without node:)', async () => {
    for (const specifier of ['ioredis', 'bullmq', '@aws-sdk/client-ecs', 'node:fs', 'node:crypto', 'fs', 'fs/promises', 'timers']) {
      await assertRefused('machines/run-logic.ts', `import * as io from '${specifier}';\nexport { io };\n`, /machines\/ is pure/);
    }
  });

  test('product code imports neither the simulator package nor its folder', async () => {
    const cases: Array<[string, string]> = [
      ['machines/run-logic.ts', '@longshore/simulator'],
      ['controller/aws/gateway.ts', '@longshore/simulator'],
      ['controller/aws/gateway.ts', '../../simulator/index.js'],
      ['reconcilers/run-reconciler.ts', '../simulator/random.js'],
      ['cmd/longshore.ts', '@longshore/simulator'],
      ['cmd/cli/run.ts', '../../simulator/scenario.js'],
    ];
    for (const [path, specifier] of cases) {
      await assertRefused(path, `import { startSimulator } from '${specifier}';\nexport { startSimulator };\n`, /simulator is a dev tool/);
    }
  });

  test('product code imports neither cmd/ entry points nor tests', async () => {
    await assertRefused('controller/main.ts', "export { runBench } from '../cmd/bench/run-bench.js';\n", /cmd\/ holds entry points/);
    await assertRefused('machines/run-logic.ts', "export { fargatePool } from '../test/integration/run-harness.js';\n", /never imports tests/);
    await assertRefused('controller/store/index.ts', "export { namespace } from '../../test/helpers/redis-namespace.js';\n", /never imports tests/);
    await assertRefused('cmd/cli/run.ts', "export { startReplicas } from '../replicas.js';\n", /CLI imports only cmd\/cli\//);
    await assertRefused('cmd/longshore.ts', "export { main } from './demo.js';\n", /CLI imports only cmd\/cli\//);
    // The benchmark's model of another tool (Prefect's ECS worker) never becomes product code.
    await assertRefused('reconcilers/launch.ts', "export { PrefectEcsWorkerModel } from '../cmd/bench/prefect-model/ecs-worker.js';\n", /cmd\/ holds entry points/);
    await assertRefused('cmd/cli/run.ts', "export { runPrefectModel } from '../bench/prefect-model/run-model.js';\n", /CLI imports only cmd\/cli\//);
  });

  test('the demo, bench and tests reach the simulator only through its package exports', async () => {
    await assertRefused('cmd/demo.ts', "export { startSimulator } from '../simulator/index.js';\n", /through its package exports/);
    await assertRefused('cmd/bench/workload.ts', "export { mulberry32 } from '../../simulator/random.js';\n", /through its package exports/);
    await assertRefused('test/integration/run-harness.ts', "export { startServer } from '../../simulator/server.js';\n", /through its package exports/);
  });

  test('a dynamic import is refused like a static one', async () => {
    await assertRefused('cmd/cli/commands.ts', "export const load = async () => (await import('@longshore/simulator')).startSimulator;\n", /simulator is a dev tool/);
    await assertRefused('machines/run-logic.ts', "export const load = () => import('node:fs');\n", /machines\/ is pure/);
  });

  test('clean product code passes, and the demo, bench and tests may use the simulator', async () => {
    const clean: Array<[string, string]> = [
      ['machines/run-logic.ts', "export { setup } from 'xstate';\nexport { z } from 'zod';\nexport { RUN_STATUSES } from '../controller/api/run-status.js';\nexport type { RunContext } from './run-types.js';\n"],
      ['controller/aws/gateway.ts', "export { ECSClient } from '@aws-sdk/client-ecs';\nexport { Redis } from 'ioredis';\nexport { readFileSync } from 'node:fs';\nexport { Queue } from 'bullmq';\n"],
      ['cmd/cli/run.ts', "export { output } from './output.js';\nexport { createStore } from '../../controller/store/index.js';\nexport const load = () => import('./controller.js');\n"],
      ['cmd/longshore.ts', "export * as commands from './cli/commands.js';\n"],
      ['cmd/demo.ts', "export { startSimulator } from '@longshore/simulator';\nexport { startReplicas } from './replicas.js';\n"],
      ['test/integration/run-harness.ts', "export { startSimulator } from '@longshore/simulator';\n"],
    ];
    for (const [path, code] of clean) {
      assert.deepEqual(await lint(path, code), [], `${path} should lint clean`);
    }
  });
});
