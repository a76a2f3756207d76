import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startHttpServer } from '../../controller/http-server.js';
import { createMetrics } from '../../controller/metrics.js';

describe('operations HTTP server', () => {
  test('serves /metrics, /healthz and /readyz from the injected checks', async () => {
    const { registry, ecsApiCalls } = createMetrics();
    ecsApiCalls.inc({ action: 'RunTask', outcome: 'success' }, 3);
    let workersStarted = false;
    const server = await startHttpServer({ host: '127.0.0.1', port: 0, registry, readiness: { redis: () => true, workers: () => workersStarted } });
    try {
      const base = `http://127.0.0.1:${server.port}`;
      const metrics = await fetch(`${base}/metrics`);
      assert.equal(metrics.status, 200);
      assert.ok((await metrics.text()).includes('longshore_ecs_api_calls_total{action="RunTask",outcome="success"} 3'));
      assert.equal((await fetch(`${base}/healthz`)).status, 200);
      const notReady = await fetch(`${base}/readyz`);
      assert.equal(notReady.status, 503);
      assert.deepEqual(await notReady.json(), { ready: false, checks: { redis: true, workers: false } });
      workersStarted = true;
      assert.equal((await fetch(`${base}/readyz`)).status, 200);
      assert.equal((await fetch(`${base}/nothing`)).status, 404);
    } finally {
      await server.close();
    }
  });

  test('a failing check makes the process not ready instead of crashing it', async () => {
    const server = await startHttpServer({ host: '127.0.0.1', port: 0, registry: createMetrics().registry, readiness: { redis: () => { throw new Error('down'); } } });
    try {
      const res = await fetch(`http://127.0.0.1:${server.port}/readyz`);
      assert.equal(res.status, 503);
    } finally {
      await server.close();
    }
  });
});
