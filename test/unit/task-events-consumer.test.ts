import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Logger } from 'pino';
import { startTaskEventConsumer, type TaskEventConsumerOptions } from '../../reconcilers/observe/task-events.js';
import { until } from '../helpers/until.js';

test('an SQS receive that keeps failing backs off and warns once per escalation, then says it recovered', async () => {
  const warnings: { fields: Record<string, unknown>; message: string }[] = [];
  const logger = { warn: (fields: Record<string, unknown>, message: string) => warnings.push({ fields, message }) } as unknown as Logger;
  let receives = 0;
  const failFor = 9;
  const options = {
    logger,
    errorPauseMs: 1,
    source: {
      async receive() {
        receives += 1;
        if (receives <= failFor) throw new Error('ServiceUnavailable');
        await new Promise((resolve) => setTimeout(resolve, 5));
        return [];
      },
      async delete() {},
    },
  } as unknown as TaskEventConsumerOptions;
  const consumer = startTaskEventConsumer(options);
  await until(() => receives > failFor + 1, { timeoutMs: 10_000, what: 'the consumer to receive again after the failures' });
  await consumer.stop();
  const failed = warnings.filter((w) => w.message === 'task event batch failed; pausing').map((w) => w.fields.failures);
  assert.deepEqual(failed, [1, 2, 4, 8], 'not one warning per failure');
  const pauses = warnings.filter((w) => w.message === 'task event batch failed; pausing').map((w) => Number(w.fields.pauseMs));
  assert.ok(pauses[3] > pauses[0], `the pause grows: ${pauses.join(', ')}`);
  assert.deepEqual(warnings.filter((w) => w.message === 'task events received again').map((w) => w.fields.failures), [failFor]);
});
