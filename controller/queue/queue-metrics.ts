/**
 * Reads queue depth into `longshore_queue_jobs{queue,state}`. Every replica sees the same shared queues, so
 * only the replica elected to export the store gauges calls it (controller/store-gauges.ts).
 */
import type { ControllerMetrics } from '../metrics.js';
import { QUEUE_STATES } from '../metrics.js';
import type { ControllerQueues } from './queues.js';
import type { QueueName } from '../config.js';

export function sampleQueueDepth(queues: ControllerQueues, metrics: Pick<ControllerMetrics, 'queueJobs'>): () => Promise<void> {
  return async () => {
    for (const [queue, q] of Object.entries(queues) as [QueueName, ControllerQueues[QueueName]][]) {
      const counts = await q.getJobCounts(...QUEUE_STATES, 'prioritized');
      for (const state of QUEUE_STATES) {
        const extra = state === 'waiting' ? (counts.prioritized ?? 0) : 0;
        metrics.queueJobs.set({ queue, state }, (counts[state] ?? 0) + extra);
      }
    }
  };
}
