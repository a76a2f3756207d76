/**
 * A pool's own task-event queue (spec.taskEventsQueueUrl): an http(s) URL, and, when its host is one of
 * AWS's SQS names, in the pool's Region (the controller's home Region for a pool that names none, when
 * admission knows it), since an EventBridge rule sends a Region's events only to a queue of that Region.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { admitDocuments, admitPool } from '../../controller/api/admission/index.js';
import { regionOfQueueUrl } from '../../controller/aws/queue-url.js';
import { fargatePool, only, poolDoc, poolViolations, violationsOf } from './admission-helpers.js';

const WEST_QUEUE = 'https://sqs.eu-west-1.amazonaws.com/123456789012/longshore-task-events';

describe('admission: spec.taskEventsQueueUrl', () => {
  test('a queue in the pool\'s Region is admitted, as is one on a host that names no Region', () => {
    assert.equal(admitPool(poolDoc(fargatePool({ region: 'eu-west-1', taskEventsQueueUrl: WEST_QUEUE }))).spec.taskEventsQueueUrl, WEST_QUEUE);
    admitPool(poolDoc(fargatePool({ region: 'eu-west-1', taskEventsQueueUrl: 'https://eu-west-1.queue.amazonaws.com/123456789012/events' })));
    admitPool(poolDoc(fargatePool({ region: 'eu-west-1', taskEventsQueueUrl: 'http://127.0.0.1:4566/123456789012/longshore-task-events' })));
  });

  test('task-events-queue-region: a queue in another Region than the pool\'s is refused, naming both', () => {
    const v = only(poolViolations(fargatePool({ region: 'us-east-1', taskEventsQueueUrl: WEST_QUEUE })), 'task-events-queue-region');
    assert.equal(v.path, 'spec.taskEventsQueueUrl');
    assert.equal(v.value, WEST_QUEUE);
    assert.match(v.message, /eu-west-1.*us-east-1.*same Region/);
    only(poolViolations(fargatePool({ region: 'ap-southeast-2', taskEventsQueueUrl: 'https://eu-west-1.queue.amazonaws.com/1/q' })), 'task-events-queue-region');
  });

  test('a pool without region is checked against the home Region when admission knows it, else not at all', () => {
    const doc = poolDoc(fargatePool({ taskEventsQueueUrl: WEST_QUEUE }));
    assert.equal(admitDocuments([doc], { pools: new Map() }).length, 1, 'no home Region known: nothing to compare with');
    assert.equal(admitDocuments([doc], { pools: new Map(), homeRegion: 'eu-west-1' }).length, 1);
    const [v] = violationsOf(() => admitDocuments([doc], { pools: new Map(), homeRegion: 'us-east-1' }));
    assert.deepEqual([v.path, v.rule], ['spec.taskEventsQueueUrl', 'task-events-queue-region']);
    assert.match(v.message, /home Region/);
  });

  test('schema: not an http(s) URL is refused, naming the field', () => {
    for (const bad of ['sqs.eu-west-1.amazonaws.com/1/q', 'ftp://host/q', 'https://', 'https://host with space/q']) {
      const v = only(poolViolations(fargatePool({ taskEventsQueueUrl: bad })), 'schema');
      assert.equal(v.path, 'spec.taskEventsQueueUrl', bad);
    }
  });

  test('the Region of AWS queue URLs, and none for other hosts', () => {
    assert.equal(regionOfQueueUrl(WEST_QUEUE), 'eu-west-1');
    assert.equal(regionOfQueueUrl('https://ap-southeast-2.queue.amazonaws.com/1/q'), 'ap-southeast-2');
    assert.equal(regionOfQueueUrl('http://sqs.eu-central-1.amazonaws.com:4566/1/q'), 'eu-central-1');
    assert.equal(regionOfQueueUrl('https://sqs.cn-north-1.amazonaws.com.cn/1/q'), 'cn-north-1');
    assert.equal(regionOfQueueUrl('http://127.0.0.1:4566/1/q'), undefined);
    assert.equal(regionOfQueueUrl('https://vpce-1.sqs.eu-west-1.vpce.amazonaws.com/1/q'), undefined);
    assert.equal(regionOfQueueUrl('not a url'), undefined);
  });
});
