/**
 * Which clusters a resync tick describes (event-health-policy.ts): an account-region is healthy while its
 * last genuine event is recent and the queue that delivered it still receives; its clusters are described
 * every HEALTHY_RESYNC_STRIDE-th tick, every other account-region's on every tick.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  EVENT_EVIDENCE_TTL_MS, HEALTHY_RESYNC_STRIDE, RECEIVING_TTL_MS, clusterScope, clustersDue, decodeEvidence, encodeEvidence, expiredFields, healthyScopes,
  type EventHealthSnapshot,
} from '../../reconcilers/observe/event-health-policy.js';

const NOW = 10_000_000;
const HOME = { region: 'us-east-1', account: '123456789012' };
const EAST = 'arn:aws:ecs:us-east-1:123456789012:cluster/a';
const WEST = 'arn:aws:ecs:eu-west-1:123456789012:cluster/b';
const PARTNER = 'arn:aws:ecs:eu-west-1:210987654321:cluster/c';
const Q_HOME = 'https://sqs.us-east-1.amazonaws.com/123456789012/events';
const Q_WEST = 'https://sqs.eu-west-1.amazonaws.com/123456789012/events';

function snapshot(evidence: Record<string, [number, string]>, receiving: Record<string, number>, tick = 1): EventHealthSnapshot {
  return {
    evidence: new Map(Object.entries(evidence).map(([scope, [ago, queue]]) => [scope, { at: NOW - ago, queue }])),
    receiving: new Map(Object.entries(receiving).map(([queue, ago]) => [queue, NOW - ago])),
    tick,
    now: NOW,
  };
}

describe('task-event health per account-region', () => {
  test('healthy needs recent evidence and its own queue still receiving', () => {
    const s = snapshot({
      '123456789012/us-east-1': [1000, Q_HOME],
      '123456789012/eu-west-1': [1000, Q_WEST],
      '210987654321/eu-west-1': [EVENT_EVIDENCE_TTL_MS, Q_HOME],
    }, { [Q_HOME]: 1000, [Q_WEST]: RECEIVING_TTL_MS });
    assert.deepEqual([...healthyScopes(s)], ['123456789012/us-east-1'], 'eu-west-1\'s queue stopped receiving; the partner\'s evidence is too old');
  });

  test('a healthy account-region does not slow another: the unhealthy one\'s clusters come every tick', () => {
    const evidence: Record<string, [number, string]> = { '123456789012/us-east-1': [1000, Q_HOME] };
    const clusters = [EAST, WEST, PARTNER, 'unknown'];
    for (let tick = 1; tick < HEALTHY_RESYNC_STRIDE; tick += 1) {
      assert.deepEqual(clustersDue(clusters, snapshot(evidence, { [Q_HOME]: 1000 }, tick), HOME), [WEST, PARTNER], `tick ${tick}`);
    }
    assert.deepEqual(clustersDue(clusters, snapshot(evidence, { [Q_HOME]: 1000 }, HEALTHY_RESYNC_STRIDE), HOME), clusters, 'the stride-th tick: all');
  });

  test('the home queue carrying every account-region\'s events makes each of them healthy by its own evidence', () => {
    const s = snapshot({ '123456789012/us-east-1': [1000, Q_HOME], '210987654321/eu-west-1': [1000, Q_HOME] }, { [Q_HOME]: 1000 });
    assert.deepEqual(clustersDue([EAST, WEST, PARTNER], s, HOME), [WEST]);
  });

  test('a cluster\'s account-region: its ARN\'s, else home when the home account is known', () => {
    assert.deepEqual(clusterScope(PARTNER, HOME), { region: 'eu-west-1', account: '210987654321' });
    assert.deepEqual(clusterScope('unknown', HOME), HOME);
    assert.deepEqual(clusterScope('my-cluster', HOME), HOME);
    assert.equal(clusterScope('unknown', { region: 'us-east-1' }), undefined);
    // Without the home account, such clusters are never judged healthy: described every tick.
    const s = snapshot({ '123456789012/us-east-1': [1000, Q_HOME] }, { [Q_HOME]: 1000 });
    assert.deepEqual(clustersDue(['unknown', EAST], s, { region: 'us-east-1' }), ['unknown']);
  });

  test('expired fields and the stored evidence format', () => {
    const s = snapshot({ a: [EVENT_EVIDENCE_TTL_MS, Q_HOME], b: [1, Q_HOME] }, { [Q_HOME]: 1, [Q_WEST]: RECEIVING_TTL_MS });
    assert.deepEqual(expiredFields(s), { evidence: ['a'], receiving: [Q_WEST] });
    assert.deepEqual(decodeEvidence(encodeEvidence({ at: 5, queue: Q_WEST })), { at: 5, queue: Q_WEST });
    assert.equal(decodeEvidence('garbage'), undefined);
  });
});
