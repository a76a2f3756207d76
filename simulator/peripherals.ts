/**
 * The protocols SIM-PERIPHERALS builds (EC2, CloudWatch Logs, and the task-event queue), wired to the
 * core: handlers for the server, the network RunTask validates against, where a task's log lines go and
 * where its state changes are published.
 */
import type { AuditSink } from './audit.js';
import { createEc2Handler, SIM_NETWORK } from './ec2.js';
import type { NetworkView } from './ecs/context.js';
import { createLogsHandler, LogStore, type LogEventInput } from './logs.js';
import type { Throttles } from './throttle.js';
import type { ProtocolHandler } from './wire.js';

export interface PeripheralOptions {
  region: string;
  accountId: string;
  audit: AuditSink;
  throttles: Throttles;
  now: () => number;
}

export interface Peripherals {
  handlers: ProtocolHandler[];
  network: NetworkView;
  putLogEvents: (group: string, stream: string, events: LogEventInput[]) => void;
  clear(): void;
}

export function createPeripherals(options: PeripheralOptions): Peripherals {
  const logStore = new LogStore({ now: options.now });
  const handlers: ProtocolHandler[] = [
    createLogsHandler({
      store: logStore,
      audit: options.audit,
      bucket: options.throttles.bucket('logsGetLogEvents'),
      region: options.region,
      accountId: options.accountId,
    }),
    createEc2Handler({
      region: options.region,
      accountId: options.accountId,
      audit: options.audit,
      describeBucket: options.throttles.bucket('ec2Describe'),
    }),
  ];
  return {
    handlers,
    network: SIM_NETWORK,
    putLogEvents: (group, stream, events) => logStore.putEvents(group, stream, events),
    clear: () => logStore.clear(),
  };
}
