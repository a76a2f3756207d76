import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { EXPIRE_BATCH, sweepRetention } from '../../reconcilers/cleanup/retention.js';
import { CLEANUP_KEYS, isCleanupKey, withCleanup } from '../../reconcilers/cleanup/sweeps.js';
import { compileConfig } from '../../controller/config.js';
import type { Reconciler } from '../../controller/queue/reconcile.js';

const context = { logger: pino({ level: 'silent' }), reconcileId: 't', jobTry: 1 };

describe('clean-up: retention sweep', () => {
  test('takes batches until one comes back short, passing the clock to the store', async () => {
    const answers = [EXPIRE_BATCH, EXPIRE_BATCH, 7, EXPIRE_BATCH];
    const seen: number[] = [];
    const store = { expireFinished: async (now?: Date) => { seen.push(now?.getTime() ?? -1); return answers.shift() ?? 0; } };
    assert.equal(await sweepRetention(store, () => 1234), 2 * EXPIRE_BATCH + 7);
    assert.deepEqual(seen, [1234, 1234, 1234]);
  });

  test('stops at the batch limit even when more is due', async () => {
    let calls = 0;
    const store = { expireFinished: async () => { calls += 1; return EXPIRE_BATCH; } };
    assert.equal(await sweepRetention(store, () => 0, 3), 3 * EXPIRE_BATCH);
    assert.equal(calls, 3);
  });

  test('sweep keys go to the clean-up reconciler, cluster keys to the resync', async () => {
    const calls: string[] = [];
    const tag = (name: string): Reconciler => async (key) => { calls.push(`${name}:${key}`); return {}; };
    const routed = withCleanup(tag('resync'), tag('cleanup'));
    for (const key of [CLEANUP_KEYS.retention, 'tick', 'arn:aws:ecs:us-east-1:1:cluster/sweep', 'unknown']) await routed(key, context);
    assert.deepEqual(calls, ['cleanup:sweep:retention', 'resync:tick', 'resync:arn:aws:ecs:us-east-1:1:cluster/sweep', 'resync:unknown']);
    assert.equal(isCleanupKey('default'), false);
  });
});

describe('clean-up: configuration', () => {
  test('LONGSHORE_RUN_RETENTION_SECONDS defaults to the store\'s 7 days and is validated', () => {
    assert.equal(compileConfig({}).runRetentionSeconds, 7 * 86_400);
    assert.equal(compileConfig({ LONGSHORE_RUN_RETENTION_SECONDS: '3600' }).runRetentionSeconds, 3600);
    assert.throws(() => compileConfig({ LONGSHORE_RUN_RETENTION_SECONDS: '0' }), /LONGSHORE_RUN_RETENTION_SECONDS: expected a number of seconds from 60/);
  });
});
