/**
 * A pool without `region` has its events in the controller's home Region, so the store admits its
 * taskEventsQueueUrl against the home Region the namespace's controllers recorded (aws/home-record.ts), and,
 * before any did, against nothing.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { RedisClient } from '../../controller/redis.js';
import { ResourceStore } from '../../controller/store/index.js';
import { AdmissionError } from '../../controller/api/admission/index.js';
import { homeRecordKey } from '../../controller/aws/home-record.js';
import { encodeHomeRecord } from '../../controller/aws/home-policy.js';
import { deleteNamespaceKeys, testRedis, uniqueNamespace } from '../helpers/redis-namespace.js';

const WEST_QUEUE = 'https://sqs.eu-west-1.amazonaws.com/123456789012/longshore-task-events';
const pool = (name: string, spec: Record<string, unknown>) => ({ apiVersion: 'longshore.dev/v1alpha1', kind: 'Pool', metadata: { name }, spec: { taskDefinition: {}, ...spec } });

describe('a pool\'s event queue against the recorded home Region', () => {
  let redis: RedisClient;
  const namespaces: string[] = [];
  before(() => {
    redis = testRedis();
  });
  after(async () => {
    for (const n of namespaces) await deleteNamespaceKeys(redis, n);
    await redis.quit();
  });

  test('unchecked before a controller recorded its home; refused when the home Region is another', async () => {
    const namespace = uniqueNamespace('test-event-queue');
    namespaces.push(namespace);
    const store = new ResourceStore(redis, { namespace });
    await store.submit([pool('early', { taskEventsQueueUrl: WEST_QUEUE })], { mode: 'apply' });
    await redis.set(homeRecordKey(store.keyspace), encodeHomeRecord({ home: { region: 'us-east-1' }, replica: 'r1', recordedAt: new Date().toISOString() }));
    const error = await store.submit([pool('late', { taskEventsQueueUrl: WEST_QUEUE })], { mode: 'apply' }).then(() => undefined, (e: unknown) => e);
    assert.ok(error instanceof AdmissionError, String(error));
    assert.deepEqual(error.rejections[0].violations.map((v) => [v.path, v.rule]), [['spec.taskEventsQueueUrl', 'task-events-queue-region']]);
    await store.submit([pool('west', { region: 'eu-west-1', taskEventsQueueUrl: WEST_QUEUE })], { mode: 'apply' });
  });
});
