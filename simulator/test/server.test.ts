/**
 * The endpoint itself: the audit and reset routes, unknown operations, and the `npm run sim` CLI
 * (start, the "listening on" line, clean exit on SIGTERM).
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { CreateClusterCommand, DescribeClustersCommand, DescribeTasksCommand, StopTaskCommand } from '@aws-sdk/client-ecs';
import type { SimulatorAudit } from '../index.js';
import { failure, registerFargate, runFargate, startHarness } from './helpers/ecs-sim.js';

describe('inspection routes', () => {
  test('GET /_sim/audit reports calls, launched tasks and registrations; POST /_sim/reset clears them', async () => {
    const h = await startHarness({ registrationDelayMs: 0 });
    try {
      await registerFargate(h.ecs);
      await h.ecs.send(new CreateClusterCommand({ clusterName: 'scratch' }));
      const run = await runFargate(h.ecs, 'sim-test', { startedBy: 'longshore/audit', clientToken: 'audit-token' });
      const arn = run.tasks![0].taskArn!;
      await h.ecs.send(new StopTaskCommand({ task: arn }));
      await failure(() => h.ecs.send(new StopTaskCommand({ task: 'ffffffffffffffffffffffffffffffff' })));

      const audit = (await (await fetch(`${h.sim.url}/_sim/audit`)).json()) as SimulatorAudit;
      assert.deepEqual(audit.calls.RunTask, { ok: 1, throttled: 0, error: 0 });
      assert.deepEqual(audit.calls.StopTask, { ok: 1, throttled: 0, error: 1 });
      assert.deepEqual(audit.registrations, { 'sim-test': 1 });
      assert.equal(audit.tasks.length, 1);
      assert.deepEqual(Object.keys(audit.tasks[0]).sort(), ['clientToken', 'clusterArn', 'lastStatus', 'startedBy', 'stopCode', 'taskArn', 'taskDefinitionArn']);
      assert.equal(audit.tasks[0].taskArn, arn);
      assert.equal(audit.tasks[0].startedBy, 'longshore/audit');
      assert.equal(audit.tasks[0].clientToken, 'audit-token');
      assert.equal(audit.tasks[0].stopCode, 'UserInitiated');

      const reset = await fetch(`${h.sim.url}/_sim/reset`, { method: 'POST' });
      assert.equal(reset.status, 200);
      assert.deepEqual(h.sim.audit(), { calls: {}, tasks: [], registrations: {} });
      const described = await h.ecs.send(new DescribeTasksCommand({ tasks: [arn] }));
      assert.deepEqual(described.failures, [{ arn, reason: 'MISSING' }]);
      const clusters = await h.ecs.send(new DescribeClustersCommand({ clusters: ['default', 'scratch'] }));
      assert.deepEqual(clusters.clusters?.map((c) => c.clusterName), ['default']);
    } finally {
      await h.close();
    }
  });

  test('an operation the simulator does not implement is a 400 UnknownOperationException', async () => {
    const h = await startHarness();
    try {
      for (const target of ['AmazonEC2ContainerServiceV20141113.CreateService', 'SomeOtherService_2020.DoThing']) {
        const response = await fetch(h.sim.url, {
          method: 'POST',
          headers: { 'x-amz-target': target, 'content-type': 'application/x-amz-json-1.1' },
          body: '{}',
        });
        assert.equal(response.status, 400);
        const body = (await response.json()) as { __type: string };
        assert.equal(body.__type, 'UnknownOperationException');
      }
    } finally {
      await h.close();
    }
  });
});

describe('sim CLI', () => {
  test('prints "listening on http://127.0.0.1:<port>", serves requests and exits 0 on SIGTERM', async () => {
    // Compiled: simulator/dist/test/server.test.js → simulator/dist/bin/sim.js. From source (tsx): simulator/bin/sim.ts.
    const compiled = fileURLToPath(new URL('../bin/sim.js', import.meta.url));
    const args = existsSync(compiled)
      ? [compiled]
      : ['--import', 'tsx', fileURLToPath(new URL('../bin/sim.ts', import.meta.url))];
    const child = spawn(process.execPath, [...args, '--port', '0', '--time-scale', '50', '--seed', '9'], { stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let output = '';
        child.stdout.on('data', (chunk: Buffer) => {
          output += chunk.toString();
          const match = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
          if (match) resolve(match[1]);
        });
        child.once('exit', (code) => reject(new Error(`sim exited early with ${code}: ${output}`)));
        setTimeout(() => reject(new Error(`no listening line within 20 s: ${output}`)), 20_000).unref();
      });
      const audit = await fetch(`${url}/_sim/audit`);
      assert.equal(audit.status, 200);
      const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      child.kill('SIGTERM');
      assert.equal(await exit, 0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });
});
