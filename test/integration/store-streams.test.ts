import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { RedisClient } from '../../controller/redis.js';
import { ControlStream, InvalidControlMessageError, ResourceStore, changeWakesRun, keyspace, storeKeys } from '../../controller/store/index.js';
import type { ControlMessage } from '../../controller/api/index.js';
import { deleteNamespaceKeys, testRedis, uniqueNamespace } from '../helpers/redis-namespace.js';

const V = 'longshore.dev/v1alpha1';

describe('store: change feed and control stream', () => {
  let redis: RedisClient;
  let blocking: RedisClient;
  const namespaces: string[] = [];
  const ns = () => {
    const namespace = uniqueNamespace('test-streams');
    namespaces.push(namespace);
    return namespace;
  };
  before(() => {
    redis = testRedis();
    blocking = testRedis();
  });
  after(async () => {
    for (const n of namespaces) await deleteNamespaceKeys(redis, n);
    await Promise.all([redis.quit(), blocking.quit()]);
  });

  test('every write appends one change entry in commit order, with the new resourceVersion', async () => {
    const store = new ResourceStore(redis, { namespace: ns() });
    const feed = store.changeFeed();
    const start = await feed.latestId();
    await store.submit([{ apiVersion: V, kind: 'Pool', metadata: { name: 'p1' }, spec: { taskDefinition: {} } }, { apiVersion: V, kind: 'Run', metadata: { name: 'r1' }, spec: { pool: 'p1' } }]);
    const created = await store.getRun('r1');
    const updated = await store.updateRunStatus('r1', { status: { phase: 'stopped', outcome: 'succeeded', attempts: [], conditions: [], observedGeneration: 1 } }, created!.metadata.resourceVersion);
    await store.deleteRun('r1');
    const { events } = await feed.read(start);
    assert.deepEqual(events.map((e) => [e.kind, e.name, e.change]), [
      ['Pool', 'p1', 'created'],
      ['Run', 'r1', 'created'],
      ['Run', 'r1', 'updated'],
      ['Run', 'r1', 'deleted'],
    ]);
    assert.equal(events[2].resourceVersion, updated.metadata.resourceVersion);
    // The status write is marked as such: the controller's own, it wakes no reconcile; the user's changes do.
    assert.deepEqual(events.map((e) => e.subresource), [undefined, undefined, 'status', undefined]);
    assert.deepEqual(events.map(changeWakesRun), [false, true, false, true]);
    assert.deepEqual((await feed.read(events[3].id)).events, []);
    // A failed (conflicting) write leaves no entry behind.
    await assert.rejects(store.updateRunStatus('p1', { status: updated.status }, '1'));
    assert.deepEqual((await feed.read(events[3].id)).events, []);
  });

  test('a cancel whose caller wakes the run (the control handler) is marked so: the feed does not wake it again', async () => {
    const store = new ResourceStore(redis, { namespace: ns() });
    const feed = store.changeFeed();
    await store.submit([{ apiVersion: V, kind: 'Pool', metadata: { name: 'p1' }, spec: { taskDefinition: {} } }, { apiVersion: V, kind: 'Run', metadata: { name: 'r1' }, spec: { pool: 'p1' } }, { apiVersion: V, kind: 'Run', metadata: { name: 'r2' }, spec: { pool: 'p1' } }]);
    const start = await feed.latestId();
    const r1 = await store.getRun('r1');
    // A record read before another write is stale: the cancel's compare-and-set conflicts and retries from a fresh read.
    await store.updateRunStatus('r1', { status: { ...r1!.status, message: 'moved on' } }, r1!.metadata.resourceVersion, r1!);
    const cancelled = await store.requestCancel('r1', r1!, { wokenByCaller: true });
    assert.equal(cancelled.spec.cancelRequested, true);
    assert.equal(cancelled.status.message, 'moved on', 'the stale record did not overwrite the newer status');
    assert.equal(cancelled.metadata.generation, 2);
    await store.requestCancel('r2');
    const { events } = await feed.read(start);
    assert.deepEqual(events.map((e) => [e.name, e.subresource, e.wokenByWriter]), [['r1', 'status', undefined], ['r1', undefined, true], ['r2', undefined, undefined]]);
    assert.deepEqual(events.map(changeWakesRun), [false, false, true], 'only the cancel no caller wakes is woken through the feed');
  });

  test('a blocking tail wakes up on the next change', async () => {
    const namespace = ns();
    const store = new ResourceStore(redis, { namespace });
    const feed = store.changeFeed(blocking);
    const from = await feed.latestId();
    const waiting = feed.read(from, 10, 5000);
    await store.createPool({ apiVersion: V, kind: 'Pool', metadata: { name: 'woken' }, spec: { taskDefinition: {} } });
    const { events } = await waiting;
    assert.deepEqual(events.map((e) => e.name), ['woken']);
  });

  test('change feed consumer groups: each entry once per group', async () => {
    const store = new ResourceStore(redis, { namespace: ns() });
    const feed = store.changeFeed();
    await feed.ensureGroup('controller', '$');
    await store.createPool({ apiVersion: V, kind: 'Pool', metadata: { name: 'p1' }, spec: { taskDefinition: {} } });
    const first = await feed.readGroup('controller', 'replica-a', 10);
    const second = await feed.readGroup('controller', 'replica-b', 10);
    assert.deepEqual(first.events.map((e) => e.name), ['p1']);
    assert.deepEqual(second, { events: [], malformed: [] });
    assert.equal(await feed.ack('controller', first.events[0].id), 1);
  });

  test('malformed change-feed entries are acknowledged and counted, through reads and claims; a tail steps over them', async () => {
    const namespace = ns();
    const k = storeKeys(keyspace(namespace));
    const store = new ResourceStore(redis, { namespace });
    const feed = store.changeFeed();
    await feed.ensureGroup('controller', '0');
    await redis.xadd(k.changes, '*', 'kind', 'Run', 'name', 'r1', 'change', 'exploded');
    await redis.xadd(k.changes, '*', 'garbage', 'yes');
    await store.createPool({ apiVersion: V, kind: 'Pool', metadata: { name: 'p1' }, spec: { taskDefinition: {} } });
    // Left pending by a consumer that never acknowledged garbage (as replicas before this fix did): a claim
    // acknowledges it instead of taking it over for ever.
    await redis.xreadgroup('GROUP', 'controller', 'old-replica', 'COUNT', 1, 'STREAMS', k.changes, '>');
    const claimed = await feed.claimStale('controller', 'live-replica', 0, 10);
    assert.deepEqual(claimed, { events: [], malformed: [{ id: claimed.malformed[0]?.id, fields: { kind: 'Run', name: 'r1', change: 'exploded' }, reason: 'change is not created, updated or deleted' }] });
    await redis.xadd(k.changes, '*', 'kind', 'Widget', 'name', 'w', 'change', 'created');
    const live = await feed.readGroup('controller', 'live-replica', 10);
    assert.deepEqual(live.events.map((e) => e.name), ['p1']);
    assert.deepEqual(live.malformed.map((m) => m.reason), ['kind is not Pool or Run', 'kind is not Pool or Run']);
    await feed.ack('controller', live.events[0].id);
    const pending = (await redis.xpending(k.changes, 'controller')) as [number, ...unknown[]];
    assert.equal(pending[0], 0, 'nothing left pending');
    assert.equal(await feed.malformedCount(), 3);

    const tail = await feed.read('0-0', 2);
    assert.deepEqual(tail.events, [], 'two malformed entries first');
    const next = await feed.read(tail.position, 10);
    assert.deepEqual(next.events.map((e) => e.name), ['p1']);
    assert.equal((await feed.read(next.position, 10)).events.length, 0);
  });

  test('control messages: validated on send, delivered once per consumer group, sent before the group existed', async () => {
    const namespace = ns();
    const store = new ResourceStore(redis, { namespace });
    await store.sendControl({ type: 'cancel', run: 'r1', reason: 'user asked' });
    await store.sendControl({ type: 'kill', taskArn: 'arn:aws:ecs:us-east-1:123456789012:task/c/abc' });
    await assert.rejects(store.sendControl({ type: 'kill' } as ControlMessage), InvalidControlMessageError);
    await assert.rejects(store.sendControl({ type: 'kill', taskArn: 'task/c/abc' }), /not an ECS task ARN/);
    await assert.rejects(store.sendControl({ type: 'explode', run: 'r1' } as unknown as ControlMessage), InvalidControlMessageError);

    const control = new ControlStream(redis, keyspace(namespace));
    const a1 = await control.read('controllers', 'replica-a', 1);
    const b1 = await control.read('controllers', 'replica-b', 10);
    const a2 = await control.read('controllers', 'replica-a', 10);
    assert.deepEqual(a1.messages.map((m) => m.message), [{ type: 'cancel', run: 'r1', reason: 'user asked' }]);
    assert.deepEqual(b1.messages.map((m) => m.message), [{ type: 'kill', taskArn: 'arn:aws:ecs:us-east-1:123456789012:task/c/abc' }]);
    assert.deepEqual(a2.messages, []);
    assert.ok(a1.messages[0].sentAt);
    // A second group (e.g. an audit consumer) sees every message once as well.
    const audit = await control.read('audit', 'x', 10);
    assert.equal(audit.messages.length, 2);
    assert.equal(await control.ack('controllers', a1.messages[0].id, b1.messages[0].id), 2);
  });

  test('malformed control entries are rejected, acknowledged and counted, never thrown', async () => {
    const namespace = ns();
    const k = storeKeys(keyspace(namespace));
    await redis.xadd(k.control, '*', 'message', '{not json');
    await redis.xadd(k.control, '*', 'message', JSON.stringify({ type: 'cancel' }));
    await redis.xadd(k.control, '*', 'other', 'field');
    await redis.xadd(k.control, '*', 'message', JSON.stringify({ type: 'cancel', run: 'good' }));
    const control = new ControlStream(redis, keyspace(namespace));
    const batch = await control.read('controllers', 'replica-a', 10);
    assert.deepEqual(batch.messages.map((m) => m.message), [{ type: 'cancel', run: 'good' }]);
    assert.deepEqual(batch.malformed.map((m) => m.reason), ['message is not JSON', 'run: Invalid input: expected string, received undefined', 'no "message" field']);
    assert.equal(await control.malformedCount(), 3);
    const pending = (await redis.xpending(k.control, 'controllers')) as [number, ...unknown[]];
    assert.equal(pending[0], 1, 'only the good message awaits an ack');
  });

  test('control replies: the sender blocks until the reply or its timeout; junk counts as no reply', async () => {
    const namespace = ns();
    const store = new ResourceStore(redis, { namespace });
    const id = await store.sendControl({ type: 'kill', run: 'r1' });
    const waiter = redis.duplicate();
    try {
      const sender = store.controlStream(waiter);
      const answer = sender.awaitReply(id, 5000);
      await store.controlStream().reply(id, { outcome: 'failed', message: 'StopTask: InvalidParameterException: The referenced task was not found' });
      assert.deepEqual(await answer, { outcome: 'failed', message: 'StopTask: InvalidParameterException: The referenced task was not found' });
      assert.equal(await sender.awaitReply(id, 50), null, 'read once');
      const replyKey = storeKeys(keyspace(namespace)).controlReply(id);
      await store.controlStream().reply(id, { outcome: 'done', message: 'ok' });
      assert.ok((await redis.ttl(replyKey)) > 0, 'an unread reply expires');
      await redis.del(replyKey);
      await redis.rpush(replyKey, '{"outcome":"maybe"}');
      assert.equal(await sender.awaitReply(id, 50), null);
    } finally {
      waiter.disconnect();
    }
  });

  test('pending messages of a dead consumer can be claimed', async () => {
    const namespace = ns();
    const store = new ResourceStore(redis, { namespace });
    await store.sendControl({ type: 'kill', run: 'r9' });
    const control = store.controlStream();
    const taken = await control.read('controllers', 'dead-replica', 10);
    assert.equal(taken.messages.length, 1);
    assert.deepEqual((await control.read('controllers', 'live-replica', 10)).messages, []);
    const claimed = await control.claimStale('controllers', 'live-replica', 0, 10);
    assert.deepEqual(claimed.messages.map((m) => m.message), [{ type: 'kill', run: 'r9' }]);
    assert.equal(await control.ack('controllers', claimed.messages[0].id), 1);
    assert.deepEqual((await control.claimStale('controllers', 'live-replica', 0, 10)).messages, []);
  });
});
