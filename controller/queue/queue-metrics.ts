/**
 * Samples queue depth into `longshore_queue_jobs{queue,state}` on an interval. Every replica samples the
 * same shared queues, so any replica's /metrics shows the cluster-wide depth.
 */
import type { ControllerMetrics } from '../metrics.js';
import { QUEUE_STATES } from '../metrics.js';
import type { ControllerQueues } from './queues.js';
import type { QueueName } from '../config.js';

export interface Sampler {
  stop(): void;
}

/** Runs `sample` now and then every intervalMs (never overlapping), logging nothing: failures just skip a sample. */
export function startSampler(intervalMs: number, sample: () => Promise<void>): Sampler {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const tick = async () => {
    try {
      await sample();
    } catch {
      // A missed sample only leaves the gauge at its last value; the next tick tries again.
    }
    if (!stopped) timer = setTimeout(() => void tick(), intervalMs);
  };
  void tick();
  return {
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
  };
}

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
