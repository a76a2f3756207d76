import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createJobPriorities, runJobPriority } from '../../controller/queue/job-priorities.js';
import { MAX_SCHEDULING_PRIORITY } from '../../controller/api/pool.js';

describe('run queue job priorities', () => {
  test('a higher pool priority maps to a smaller BullMQ priority, never to 0 (no priority)', () => {
    assert.equal(runJobPriority(MAX_SCHEDULING_PRIORITY), 1);
    assert.equal(runJobPriority(0), MAX_SCHEDULING_PRIORITY + 1);
    assert.ok(runJobPriority(2) < runJobPriority(1));
    assert.equal(runJobPriority(-5), runJobPriority(0), 'out of range is clamped');
    assert.equal(runJobPriority(1e9), 1);
  });

  test('a run is unknown until noted, and forgotten when told', () => {
    const priorities = createJobPriorities();
    assert.equal(priorities.of('a'), undefined);
    priorities.note('a', 3);
    assert.equal(priorities.of('a'), runJobPriority(3));
    priorities.note('a', 0);
    assert.equal(priorities.of('a'), runJobPriority(0), 'a pool whose priority changed');
    priorities.forget('a');
    assert.equal(priorities.of('a'), undefined);
    assert.equal(priorities.size, 0);
  });

  test('bounded: beyond its size the run noted longest ago is forgotten first', () => {
    const priorities = createJobPriorities(3);
    priorities.note('a', 1);
    priorities.note('b', 1);
    priorities.note('c', 1);
    priorities.note('a', 1); // noted again: now the newest
    priorities.note('d', 1);
    assert.equal(priorities.size, 3);
    assert.equal(priorities.of('b'), undefined);
    assert.ok(priorities.of('a') !== undefined && priorities.of('c') !== undefined && priorities.of('d') !== undefined);
  });
});
