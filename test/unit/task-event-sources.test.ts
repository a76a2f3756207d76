/**
 * Which task-event consumers the controller keeps (event-sources.ts): the home queue with the home clients,
 * each pool's queue with the pool's target, one per distinct (queue, target); and what the supervisor starts
 * and stops when the pools change (event-supervisor.ts, with fake consumers).
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { diffEventSources, sourceKey, wantedEventSources } from '../../reconcilers/observe/event-sources.js';
import { startEventSupervisor } from '../../reconcilers/observe/event-supervisor.js';
import type { PoolQueueSpec } from '../../reconcilers/observe/event-sources.js';

const HOME_QUEUE = 'https://sqs.us-east-1.amazonaws.com/123456789012/events';
const WEST_QUEUE = 'https://sqs.eu-west-1.amazonaws.com/123456789012/events';
const PARTNER_QUEUE = 'https://sqs.ap-southeast-2.amazonaws.com/210987654321/events';
const PARTNER_ROLE = 'arn:aws:iam::210987654321:role/launcher';

describe('wanted task-event sources', () => {
  test('the home queue, then one per pool queue and target; pools sharing both share a consumer', () => {
    const { sources, skipped } = wantedEventSources(HOME_QUEUE, [
      { name: 'plain', spec: {} },
      { name: 'west-a', spec: { region: 'eu-west-1', taskEventsQueueUrl: WEST_QUEUE } },
      { name: 'west-b', spec: { region: 'eu-west-1', taskEventsQueueUrl: WEST_QUEUE } },
      { name: 'partner', spec: { region: 'ap-southeast-2', roleArn: PARTNER_ROLE, externalId: 'x1', taskEventsQueueUrl: PARTNER_QUEUE } },
      // Names the home queue with the home target: read once, by the home consumer.
      { name: 'home-explicit', spec: { region: 'us-east-1', taskEventsQueueUrl: HOME_QUEUE } },
    ], 'us-east-1');
    assert.deepEqual(skipped, []);
    assert.deepEqual(sources.map((s) => [s.queueUrl, s.target, s.pools]), [
      [HOME_QUEUE, undefined, ['home-explicit']],
      [WEST_QUEUE, { region: 'eu-west-1' }, ['west-a', 'west-b']],
      [PARTNER_QUEUE, { region: 'ap-southeast-2', roleArn: PARTNER_ROLE, externalId: 'x1' }, ['partner']],
    ]);
  });

  test('the same queue read with two targets is two consumers; no home queue means none for it', () => {
    const { sources } = wantedEventSources(undefined, [
      { name: 'own', spec: { region: 'eu-west-1', taskEventsQueueUrl: WEST_QUEUE } },
      { name: 'role', spec: { region: 'eu-west-1', roleArn: PARTNER_ROLE, taskEventsQueueUrl: WEST_QUEUE } },
    ], 'us-east-1');
    assert.equal(sources.length, 2);
    assert.notEqual(sources[0].key, sources[1].key);
  });

  test('a pool whose stored URL is unusable is skipped and named, the others still read', () => {
    const { sources, skipped } = wantedEventSources(undefined, [
      { name: 'broken', spec: { taskEventsQueueUrl: 'not a url' } },
      { name: 'west', spec: { region: 'eu-west-1', taskEventsQueueUrl: WEST_QUEUE } },
    ], 'us-east-1');
    assert.deepEqual(skipped.map((s) => s.pool), ['broken']);
    assert.deepEqual(sources.map((s) => s.pools), [['west']]);
  });

  test('the diff starts what is wanted and not running, stops what runs and is no longer wanted', () => {
    const { sources } = wantedEventSources(HOME_QUEUE, [{ name: 'west', spec: { region: 'eu-west-1', taskEventsQueueUrl: WEST_QUEUE } }], 'us-east-1');
    const gone = sourceKey(PARTNER_QUEUE, { region: 'ap-southeast-2', roleArn: PARTNER_ROLE }, 'us-east-1');
    const { start, stop } = diffEventSources([sources[0].key, gone], sources);
    assert.deepEqual(start.map((s) => s.queueUrl), [WEST_QUEUE]);
    assert.deepEqual(stop, [gone]);
    assert.deepEqual(diffEventSources(sources.map((s) => s.key), sources), { start: [], stop: [] });
  });
});

describe('the task-event supervisor', () => {
  const logger = pino({ level: 'silent' });

  test('follows the pools: starts, stops, survives a failed read and a consumer that will not start, stops all', async () => {
    let pools: Array<{ name: string; spec: PoolQueueSpec }> = [{ name: 'west', spec: { region: 'eu-west-1', taskEventsQueueUrl: WEST_QUEUE } }];
    let failRead = false;
    const live = new Set<string>();
    const supervisor = startEventSupervisor({
      homeQueueUrl: HOME_QUEUE,
      homeRegion: 'us-east-1',
      listPools: async () => {
        if (failRead) throw new Error('redis down');
        return pools;
      },
      start: (source) => {
        if (source.queueUrl === PARTNER_QUEUE) throw new Error('no such Region');
        live.add(source.queueUrl);
        return { stop: async () => void live.delete(source.queueUrl) };
      },
      logger,
      intervalMs: 20,
    });
    await supervisor.started;
    assert.deepEqual([...live].sort(), [HOME_QUEUE, WEST_QUEUE].sort());
    const waitFor = async (check: () => boolean) => {
      for (let i = 0; i < 100 && !check(); i += 1) await new Promise((resolve) => setTimeout(resolve, 10));
      assert.ok(check());
    };
    failRead = true;
    await new Promise((resolve) => setTimeout(resolve, 60));
    assert.deepEqual([...live].sort(), [HOME_QUEUE, WEST_QUEUE].sort(), 'a failed read stops nothing');
    failRead = false;
    pools = [{ name: 'partner', spec: { region: 'ap-southeast-2', roleArn: PARTNER_ROLE, taskEventsQueueUrl: PARTNER_QUEUE } }];
    await waitFor(() => !live.has(WEST_QUEUE));
    assert.deepEqual([...live], [HOME_QUEUE], 'the partner consumer failed to start; the supervisor goes on');
    await supervisor.stop();
    assert.equal(live.size, 0);
  });
});
