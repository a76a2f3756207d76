/**
 * Keeps one task-event consumer running per wanted source (event-sources.ts): the home queue from the start,
 * then, every `intervalMs`, the pools are read again and the consumers started or stopped to match. A pool
 * that cannot be read or whose consumer fails to start is logged and skipped; the supervisor never throws.
 * Pool changes take effect within one interval (a removed queue's consumer finishes its current batch).
 */
import type { Logger } from 'pino';
import { diffEventSources, wantedEventSources, type EventSource, type PoolQueueSpec } from './event-sources.js';
import type { RunningConsumer } from './task-events.js';

export interface EventSupervisorOptions {
  homeQueueUrl: string | undefined;
  homeRegion: string | undefined;
  /** Every pool, by name (a store read; it may fail, and is retried the next interval). */
  listPools(): Promise<Array<{ name: string; spec: PoolQueueSpec }>>;
  /** Starts a consumer of the source; may throw (the source is then retried the next interval). */
  start(source: EventSource): RunningConsumer;
  logger: Logger;
  /** How often the pools are read again. */
  intervalMs: number;
}

export interface EventSupervisor {
  /** The sources whose consumer runs, by key (tests, logs). */
  running(): string[];
  /** Resolves once the first sync (home queue and the pools' queues as read at start) is done. */
  started: Promise<void>;
  /** Stops re-reading and stops every consumer (each after its current batch). */
  stop(): Promise<void>;
}

export function startEventSupervisor(options: EventSupervisorOptions): EventSupervisor {
  const consumers = new Map<string, { source: EventSource; consumer: RunningConsumer }>();
  const skippedLogged = new Set<string>();
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;

  const startSource = (source: EventSource) => {
    try {
      consumers.set(source.key, { source, consumer: options.start(source) });
      options.logger.info({ queueUrl: source.queueUrl, region: source.target?.region, roleArn: source.target?.roleArn, pools: source.pools }, 'task event consumer started');
    } catch (error) {
      options.logger.warn({ err: error, queueUrl: source.queueUrl, pools: source.pools }, 'task event consumer could not start; retrying at the next pool read');
    }
  };
  const stopSource = async (key: string) => {
    const entry = consumers.get(key);
    consumers.delete(key);
    if (entry === undefined) return;
    await entry.consumer.stop();
    options.logger.info({ queueUrl: entry.source.queueUrl, region: entry.source.target?.region }, 'task event consumer stopped: no pool names its queue any more');
  };

  const sync = async () => {
    let pools: Array<{ name: string; spec: PoolQueueSpec }>;
    try {
      pools = await options.listPools();
    } catch (error) {
      // Without the pools nothing is stopped; the home queue is still read.
      options.logger.warn({ err: error }, 'pools could not be read for their task event queues; keeping the consumers running');
      const home = wantedEventSources(options.homeQueueUrl, [], options.homeRegion).sources;
      if (!stopped) for (const source of diffEventSources(consumers.keys(), home).start) startSource(source);
      return;
    }
    const wanted = wantedEventSources(options.homeQueueUrl, pools, options.homeRegion);
    for (const { pool, reason } of wanted.skipped) {
      if (skippedLogged.has(pool)) continue;
      skippedLogged.add(pool);
      options.logger.warn({ pool, reason }, 'a pool\'s task event queue is not read');
    }
    const { start, stop } = diffEventSources(consumers.keys(), wanted.sources);
    await Promise.all(stop.map(stopSource));
    if (stopped) return;
    for (const source of start) startSource(source);
  };

  let syncing: Promise<void> = sync();
  const schedule = () => {
    if (stopped) return;
    timer = setTimeout(() => {
      syncing = sync().catch((error: unknown) => options.logger.warn({ err: error }, 'task event consumers not synced')).finally(schedule);
    }, options.intervalMs);
    timer.unref();
  };
  const started = syncing.catch((error: unknown) => options.logger.warn({ err: error }, 'task event consumers not synced')).finally(schedule);

  return {
    running: () => [...consumers.keys()],
    started,
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await syncing.catch(() => undefined);
      await Promise.all([...consumers.keys()].map(async (key) => {
        const entry = consumers.get(key);
        consumers.delete(key);
        await entry?.consumer.stop();
      }));
    },
  };
}
