/**
 * The protocols SIM-PERIPHERALS builds (EC2, CloudWatch Logs, and the task-event queue), wired to the
 * core: handlers for the server, the network RunTask validates against, where a task's log lines go and
 * where its state changes are published.
 *
 * Like ECS, each is kept per account and Region: AWS scopes VPCs and subnets, log groups and queues to one
 * account in one Region (a VPC "spans all of the Availability Zones in the Region", Amazon VPC User Guide;
 * "Log groups … are Regional", CloudWatch Logs User Guide, "Working with log groups and log streams"; a queue
 * URL names its Region and owner account, Amazon SQS Developer Guide, "Amazon SQS queue and message
 * identifiers"), and so are their API quotas (CloudWatch Logs and EC2 API request throttling are per account
 * and Region). The caller's partition comes from the request's signature: the credential scope's Region and
 * the access key's account (simulator/accounts.ts), as for ECS.
 */
import { randomUUID } from 'node:crypto';
import type { AuditSink } from './audit.js';
import { createEc2Handler, ec2ActionOf, isEc2Request, regionalNetwork, SIM_NETWORK, type SimNetwork } from './ec2.js';
import { renderError } from './ec2/xml.js';
import { TaskEventPublisher, type EcsTaskWire } from './events.js';
import { createLogsHandler, LOGS_TARGET_PREFIX, LogStore, type LogEventInput } from './logs.js';
import type { PersistentFaults } from './persistent-faults.js';
import type { Random } from './random.js';
import type { Scenario } from './scenario.js';
import { createSqsHandler, SQS_TARGET_PREFIX, SqsQueues } from './sqs.js';
import { sqsErrorResponse } from './sqs/errors.js';
import type { Throttles } from './throttle.js';
import { jsonError, type ProtocolHandler, type SimRequest, type SimResponse } from './wire.js';

export interface PeripheralOptions {
  /** The default partition: unsigned requests land here, and the task-event queue lives here. */
  region: string;
  accountId: string;
  audit: AuditSink;
  /** Fresh throttle buckets for one account and Region (each partition has its own). */
  throttlesFor: () => Throttles;
  now: () => number;
  scenario: Scenario;
  /** Seeded stream for event ids, duplicates and delays. */
  eventRandom: Random;
  timeScale: number;
  eventQueueName: string;
  /** Persistent faults for EC2, SQS and CloudWatch Logs calls (rules by service). */
  faults?: PersistentFaults;
}

/** Why a request's signature gives it no partition (answered as each protocol answers it). */
export type Refusal = 'expired' | 'region';

export interface Peripherals {
  /** Whether the request is one of these protocols' (EC2 query, CloudWatch Logs or SQS JSON). */
  claims(request: SimRequest): boolean;
  /** Answers a claimed request in the partition of (account, Region). */
  handle(account: string, region: string, request: SimRequest): Promise<SimResponse | null>;
  /** Answers a claimed request whose signature is refused, in its protocol's error shape; audited. */
  refuse(request: SimRequest, why: Refusal): SimResponse;
  /** The network of an account in a Region: what DescribeVpcs/DescribeSubnets show there, and RunTask accepts. */
  networkFor(account: string, region: string): SimNetwork;
  /** Log lines into a log group of an account in a Region (the awslogs driver's destination). */
  putLogEvents: (account: string, region: string, group: string, stream: string, events: LogEventInput[]) => void;
  /** Publishes a task state change event to the event queue (scenario events.delivery says whose). */
  publish: (task: EcsTaskWire) => void;
  /** Creates the event queue once the server's URL is known; answers the queue URL. */
  listen(endpointBase: string): string;
  /**
   * The URL of the event queue of an account in a Region (created now if missing): the default partition's
   * is the one `listen` answered; another's is named as AWS names queues, `sqs.<region>.amazonaws.com`, at the
   * server's port (a client with an endpoint set sends to its endpoint whatever the URL's host).
   */
  eventQueueUrlFor(account: string, region: string): string;
  /**
   * Forgets logs, queues and throttles of every partition; the event queues stay (SqsQueues.clear keeps
   * built-in queues), emptied, and with them their partitions.
   */
  clear(): void;
  /** Releases pending long polls. */
  close(): void;
}

interface Partition {
  account: string;
  region: string;
  logStore: LogStore;
  queues: SqsQueues;
  network: SimNetwork;
  handlers: ProtocolHandler[];
}

export function createPeripherals(options: PeripheralOptions): Peripherals {
  let endpoint = '';
  const partitions = new Map<string, Partition>();
  const isHome = (account: string, region: string) => account === options.accountId && region === options.region;
  const networkFor = (account: string, region: string): SimNetwork => (isHome(account, region) ? SIM_NETWORK : regionalNetwork(account, region));

  const partitionFor = (account: string, region: string): Partition => {
    const key = `${account}/${region}`;
    const existing = partitions.get(key);
    if (existing !== undefined) return existing;
    const partition: Partition = {
      account,
      region,
      logStore: new LogStore({ now: options.now }),
      // SQS delays and visibility timeouts run on real timers, so its clock is the wall clock.
      queues: new SqsQueues({ region, accountId: account, now: Date.now }),
      network: networkFor(account, region),
      handlers: [],
    };
    partition.handlers = handlersOf(partition);
    partitions.set(key, partition);
    return partition;
  };

  /** A partition's protocol handlers, with throttle buckets of its own (fresh ones after a reset). */
  function handlersOf(partition: Partition): ProtocolHandler[] {
    const throttles = options.throttlesFor();
    const { account, region, faults } = { ...partition, faults: options.faults };
    return [
      createLogsHandler({ store: partition.logStore, audit: options.audit, bucket: throttles.bucket('logsGetLogEvents'), region, accountId: account, faults }),
      createEc2Handler({ region, accountId: account, network: partition.network, audit: options.audit, describeBucket: throttles.bucket('ec2Describe'), faults }),
      createSqsHandler({ queues: partition.queues, audit: options.audit, endpointBase: () => endpoint, accountId: account, faults }),
    ];
  }
  const home = () => partitionFor(options.accountId, options.region);
  /** Partitions holding an event queue: kept by clear(), as the queue URLs handed out must stay valid. */
  const eventPartitions = new Set<string>([`${options.accountId}/${options.region}`]);
  const eventQueueUrlFor = (account: string, region: string): string => {
    const partition = partitionFor(account, region);
    eventPartitions.add(`${account}/${region}`);
    const base = isHome(account, region) ? endpoint : regionalBase(endpoint, region);
    return partition.queues.ensureQueue(options.eventQueueName, base);
  };

  // By default EventBridge delivers every Region's and account's task events to the one queue in the default
  // partition: the "route everything to the home queue" set-up (docs/operations.md). With `own-account-region`,
  // each account-region's rule sends to its own queue (an EventBridge rule's events are its own Region's).
  const ownAccountRegion = options.scenario.events.delivery === 'own-account-region';
  const publisher = new TaskEventPublisher({
    queues: home().queues,
    ...(ownAccountRegion ? {
      queuesFor: (account: string, region: string) => {
        eventQueueUrlFor(account, region);
        return partitionFor(account, region).queues;
      },
    } : {}),
    queueName: options.eventQueueName,
    region: options.region,
    accountId: options.accountId,
    random: options.eventRandom,
    duplicateRate: options.scenario.events.duplicateRate,
    reorderRate: options.scenario.events.reorderRate,
    maxReorderDelayMs: (options.scenario.events.maxReorderDelaySeconds * 1000) / options.timeScale,
    now: options.now,
  });

  const protocolOf = (request: SimRequest): 'logs' | 'sqs' | 'ec2' | undefined => {
    if (request.target?.startsWith(LOGS_TARGET_PREFIX)) return 'logs';
    if (request.target?.startsWith(SQS_TARGET_PREFIX)) return 'sqs';
    return isEc2Request(request) ? 'ec2' : undefined;
  };

  return {
    claims: (request) => protocolOf(request) !== undefined,
    handle: async (account, region, request) => {
      for (const handler of partitionFor(account, region).handlers) {
        const answer = await handler(request);
        if (answer !== null) return answer;
      }
      return null;
    },
    refuse: (request, why) => {
      const protocol = protocolOf(request);
      if (protocol === 'ec2') {
        options.audit(ec2ActionOf(request) ?? 'unknown', 'error');
        // EC2 answers credentials it cannot use with AuthFailure (EC2 API Reference, "Error codes": "The provided
        // credentials could not be validated"), an expired session as well as a Region the account has not enabled.
        return renderError(401, 'AuthFailure', 'AWS was not able to validate the provided access credentials', randomUUID());
      }
      const prefix = protocol === 'sqs' ? SQS_TARGET_PREFIX : LOGS_TARGET_PREFIX;
      options.audit(request.target?.slice(prefix.length) ?? 'unknown', 'error');
      if (protocol === 'sqs') {
        // SQS's common errors (Amazon SQS API Reference, "Common Errors"): ExpiredToken, InvalidClientTokenId, both 403.
        return why === 'expired'
          ? sqsErrorResponse({ status: 403, shape: 'ExpiredToken', queryCode: 'ExpiredToken', message: 'The security token included in the request is expired' })
          : sqsErrorResponse({ status: 403, shape: 'InvalidClientTokenId', queryCode: 'InvalidClientTokenId', message: 'The security token included in the request is invalid.' });
      }
      // CloudWatch Logs speaks AWS JSON like ECS and answers as ECS does (simulator/index.ts).
      return why === 'expired'
        ? jsonError(400, 'ExpiredTokenException', 'The security token included in the request is expired')
        : jsonError(400, 'UnrecognizedClientException', 'The security token included in the request is invalid.');
    },
    networkFor,
    putLogEvents: (account, region, group, stream, events) => partitionFor(account, region).logStore.putEvents(group, stream, events),
    publish: (task) => {
      if (endpoint !== '') publisher.publish(task);
    },
    listen: (endpointBase) => {
      endpoint = endpointBase;
      return eventQueueUrlFor(options.accountId, options.region);
    },
    eventQueueUrlFor: (account, region) => {
      if (endpoint === '') throw new Error('the event queues have URLs once the server listens');
      return eventQueueUrlFor(account, region);
    },
    clear: () => {
      for (const partition of partitions.values()) {
        partition.logStore.clear();
        partition.queues.clear();
      }
      // Other partitions are created again on their next request, with full buckets; those with an event
      // queue keep it (the URL handed out), so only their throttles are renewed.
      const kept = [...partitions].filter(([key]) => eventPartitions.has(key));
      partitions.clear();
      for (const [key, partition] of kept) {
        partition.handlers = handlersOf(partition);
        partitions.set(key, partition);
      }
    },
    close: () => {
      for (const partition of partitions.values()) partition.queues.clear();
    },
  };
}

/** `http://sqs.<region>.amazonaws.com:<port>`: AWS's name of a Region's SQS endpoint at the simulator's port (dns.ts). */
function regionalBase(endpointBase: string, region: string): string {
  const url = new URL(endpointBase);
  return `${url.protocol}//sqs.${region}.amazonaws.com${url.port === '' ? '' : `:${url.port}`}`;
}
