/**
 * The protocols SIM-PERIPHERALS builds (EC2, CloudWatch Logs, and the task-event queue), wired to the
 * core: handlers for the server, the network RunTask validates against, where a task's log lines go and
 * where its state changes are published.
 */
import type { AuditSink } from './audit.js';
import { createEc2Handler, SIM_NETWORK } from './ec2.js';
import type { NetworkView } from './ecs/context.js';
import { TaskEventPublisher, type EcsTaskWire } from './events.js';
import { createLogsHandler, LogStore, type LogEventInput } from './logs.js';
import type { PersistentFaults } from './persistent-faults.js';
import type { Random } from './random.js';
import type { Scenario } from './scenario.js';
import { createSqsHandler, SqsQueues } from './sqs.js';
import type { Throttles } from './throttle.js';
import type { ProtocolHandler } from './wire.js';

export interface PeripheralOptions {
  region: string;
  accountId: string;
  audit: AuditSink;
  throttles: Throttles;
  now: () => number;
  scenario: Scenario;
  /** Seeded stream for event ids, duplicates and delays. */
  eventRandom: Random;
  timeScale: number;
  eventQueueName: string;
  /** Persistent faults for EC2, SQS and CloudWatch Logs calls (rules by service). */
  faults?: PersistentFaults;
}

export interface Peripherals {
  handlers: ProtocolHandler[];
  network: NetworkView;
  putLogEvents: (group: string, stream: string, events: LogEventInput[]) => void;
  /** Publishes a task state change event to the event queue. */
  publish: (task: EcsTaskWire) => void;
  /** Creates the event queue once the server's URL is known; answers the queue URL. */
  listen(endpointBase: string): string;
  /** Forgets logs and queued events; the event queue stays (SqsQueues.clear keeps built-in queues), emptied. */
  clear(): void;
  /** Releases pending long polls. */
  close(): void;
}

export function createPeripherals(options: PeripheralOptions): Peripherals {
  const logStore = new LogStore({ now: options.now });
  // SQS delays and visibility timeouts run on real timers, so its clock is the wall clock.
  const queues = new SqsQueues({ region: options.region, accountId: options.accountId, now: Date.now });
  let endpoint = '';
  const publisher = new TaskEventPublisher({
    queues,
    queueName: options.eventQueueName,
    region: options.region,
    accountId: options.accountId,
    random: options.eventRandom,
    duplicateRate: options.scenario.events.duplicateRate,
    reorderRate: options.scenario.events.reorderRate,
    maxReorderDelayMs: (options.scenario.events.maxReorderDelaySeconds * 1000) / options.timeScale,
    now: options.now,
  });
  const handlers: ProtocolHandler[] = [
    createLogsHandler({
      store: logStore,
      audit: options.audit,
      bucket: options.throttles.bucket('logsGetLogEvents'),
      region: options.region,
      accountId: options.accountId,
      faults: options.faults,
    }),
    createEc2Handler({
      region: options.region,
      accountId: options.accountId,
      audit: options.audit,
      describeBucket: options.throttles.bucket('ec2Describe'),
      faults: options.faults,
    }),
    createSqsHandler({ queues, audit: options.audit, endpointBase: () => endpoint, accountId: options.accountId, faults: options.faults }),
  ];
  return {
    handlers,
    network: SIM_NETWORK,
    putLogEvents: (group, stream, events) => logStore.putEvents(group, stream, events),
    publish: (task) => {
      if (endpoint !== '') publisher.publish(task);
    },
    listen: (endpointBase) => {
      endpoint = endpointBase;
      return queues.ensureQueue(options.eventQueueName, endpointBase);
    },
    clear: () => {
      logStore.clear();
      queues.clear();
    },
    close: () => queues.clear(),
  };
}
