import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { FanOut } from '../../controller/logs/fan-out.js';
import { RunLogError } from '../../controller/logs/types.js';

function fanOut(limits = { historyLimit: 100, bufferLimit: 100 }, fromHead = true) {
  let idle = 0;
  const out = new FanOut<string>(limits, { fromHead, onIdle: () => (idle += 1) });
  return { out, idle: () => idle };
}

describe('log fan-out', () => {
  test('every subscriber gets every published line, in order', async () => {
    const { out } = fanOut();
    const a = out.subscribe(undefined);
    const b = out.subscribe(undefined);
    out.publish(['1', '2']);
    out.publish(['3']);
    out.end();
    for (const s of [a, b]) {
      assert.deepEqual(await s.next(), ['1', '2', '3']);
      assert.equal(await s.next(), null);
    }
  });

  test('a late subscriber first gets the history (or its tail), then new lines', async () => {
    const { out } = fanOut();
    out.subscribe(undefined);
    out.publish(['1', '2', '3']);
    const all = out.subscribe(undefined);
    const tail = out.subscribe(2);
    out.publish(['4']);
    assert.deepEqual(await all.next(), ['1', '2', '3', '4']);
    assert.deepEqual(await tail.next(), ['2', '3', '4']);
  });

  test('a waiting subscriber wakes when lines arrive', async () => {
    const { out } = fanOut();
    const s = out.subscribe(undefined);
    const pending = s.next();
    out.publish(['x']);
    assert.deepEqual(await pending, ['x']);
  });

  test('a subscriber that lets more than the bound pile up unread is ended; the others go on', async () => {
    const { out } = fanOut({ historyLimit: 100, bufferLimit: 3 });
    const slow = out.subscribe(undefined);
    const fast = out.subscribe(undefined);
    out.publish(['1', '2']);
    assert.deepEqual(await fast.next(), ['1', '2']);
    out.publish(['3', '4']);
    await assert.rejects(slow.next(), (e: unknown) => e instanceof RunLogError && e.reason === 'Unavailable' && /fell behind/.test(e.message));
    assert.deepEqual(await fast.next(), ['3', '4']);
    assert.equal(out.size, 1);
  });

  test('the reader is told when its last subscriber leaves', () => {
    const { out, idle } = fanOut();
    const a = out.subscribe(undefined);
    const b = out.subscribe(undefined);
    a.close();
    assert.equal(idle(), 0);
    b.close();
    assert.equal(idle(), 1);
  });

  test('an error ends every subscriber with it', async () => {
    const { out } = fanOut();
    const s = out.subscribe(undefined);
    out.end(new RunLogError('Throttled', 'slow down'));
    await assert.rejects(s.next(), (e: unknown) => e instanceof RunLogError && e.reason === 'Throttled');
  });

  test('a reader can serve a newcomer only from a history that holds what it asks for', () => {
    const { out } = fanOut({ historyLimit: 3, bufferLimit: 100 });
    out.publish(['1', '2']);
    assert.equal(out.canServe(undefined), true, 'from the head, nothing dropped');
    out.publish(['3', '4']);
    assert.equal(out.canServe(undefined), false, 'the first line was dropped');
    assert.equal(out.canServe(3), true);
    assert.equal(out.canServe(4), false);
    const fromTail = fanOut({ historyLimit: 100, bufferLimit: 100 }, false).out;
    fromTail.publish(['a', 'b']);
    assert.equal(fromTail.canServe(undefined), false, 'started from a tail: earlier lines were never read');
    assert.equal(fromTail.canServe(2), true);
    fromTail.end();
    assert.equal(fromTail.canServe(1), false, 'an ended reader serves nobody new');
  });
});
