/**
 * The stream-follower sources of the store's two consumer-group streams. Both streams hand back malformed
 * entries already acknowledged (anything can XADD, and an entry never acknowledged would stay pending
 * forever, re-claimed by every replica after each claim interval); here they are logged and counted in
 * `longshore_stream_entries_malformed_total{stream}`, and only the valid entries go on to the handler.
 */
import type { Logger } from 'pino';
import type { ChangeFeed, ChangeEvent } from '../store/change-feed.js';
import type { ControlEntry, ControlStream } from '../store/control-stream.js';
import type { ControllerMetrics } from '../metrics.js';
import type { StreamSource } from './stream-follower.js';

export interface StreamSourceOptions {
  group: string;
  consumer: string;
  logger: Logger;
  metrics: Pick<ControllerMetrics, 'streamEntriesMalformed'>;
}

type Malformed = { id: string; reason: string };

function dropMalformed(options: StreamSourceOptions, stream: 'changes' | 'control', malformed: Malformed[]): void {
  if (malformed.length === 0) return;
  for (const bad of malformed) options.logger.warn({ stream, id: bad.id, reason: bad.reason }, 'malformed stream entry dropped');
  options.metrics.streamEntriesMalformed.inc({ stream }, malformed.length);
}

export function changeFeedSource(feed: ChangeFeed, options: StreamSourceOptions): StreamSource<ChangeEvent> {
  const { group, consumer } = options;
  const valid = ({ events, malformed }: Awaited<ReturnType<ChangeFeed['readGroup']>>) => {
    dropMalformed(options, 'changes', malformed);
    return events;
  };
  return {
    read: async (count, blockMs) => valid(await feed.readGroup(group, consumer, count, blockMs)),
    claimStale: async (minIdleMs, count) => valid(await feed.claimStale(group, consumer, minIdleMs, count)),
    ack: (ids) => feed.ack(group, ...ids),
  };
}

export function controlStreamSource(control: ControlStream, options: StreamSourceOptions): StreamSource<ControlEntry> {
  const { group, consumer } = options;
  const valid = ({ messages, malformed }: Awaited<ReturnType<ControlStream['read']>>) => {
    dropMalformed(options, 'control', malformed);
    return messages;
  };
  return {
    read: async (count, blockMs) => valid(await control.read(group, consumer, count, blockMs)),
    claimStale: async (minIdleMs, count) => valid(await control.claimStale(group, consumer, minIdleMs, count)),
    ack: (ids) => control.ack(group, ...ids),
  };
}
