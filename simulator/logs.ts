/**
 * The CloudWatch Logs endpoint of the simulator (awsJson 1.1, `x-amz-target: Logs_20140328.<Op>`):
 * GetLogEvents with AWS's paging, plus CreateLogGroup, CreateLogStream, PutLogEvents and
 * DescribeLogStreams. Tasks' printed lines arrive through LogStore.putEvents.
 */
import { jsonError, jsonOk, type ProtocolHandler, type SimRequest, type SimResponse } from './wire.js';
import type { TokenBucket } from './token-bucket.js';
import type { AuditSink } from './audit.js';
import type { LogStore } from './logs/store.js';
import { outageFor, type PersistentFaults } from './persistent-faults.js';
import { parseJsonObject, type JsonObject } from './json-input.js';
import {
  createLogGroup, createLogStream, describeLogStreams, getLogEvents, putLogEvents,
  type LogsContext, type OperationResult,
} from './logs/operations.js';

export { LogStore, type LogEventInput, type StoredLogEvent } from './logs/store.js';
export { formatToken, parseToken, pageLogEvents } from './logs/paging.js';

export interface LogsOptions {
  store: LogStore;
  audit: AuditSink;
  /**
   * GetLogEvents' own quota (AWS sets one per API; GetLogEvents' is the low one that matters, "10
   * requests per second"). The other operations are not throttled. Undefined = no throttling.
   */
  bucket?: TokenBucket;
  /** For ARNs in DescribeLogStreams; default us-east-1 / 123456789012. */
  region?: string;
  accountId?: string;
  /** Persistent faults; rules with service "logs" apply. */
  faults?: PersistentFaults;
}

export const LOGS_TARGET_PREFIX = 'Logs_20140328.';
const TARGET_PREFIX = LOGS_TARGET_PREFIX;

const OPERATIONS: Record<string, (input: JsonObject, context: LogsContext) => OperationResult> = {
  GetLogEvents: getLogEvents,
  CreateLogGroup: createLogGroup,
  CreateLogStream: createLogStream,
  PutLogEvents: putLogEvents,
  DescribeLogStreams: describeLogStreams,
};

export function createLogsHandler(options: LogsOptions): ProtocolHandler {
  const context: LogsContext = {
    store: options.store,
    region: options.region ?? 'us-east-1',
    accountId: options.accountId ?? '123456789012',
  };
  return async (request: SimRequest): Promise<SimResponse | null> => {
    if (request.target === undefined || !request.target.startsWith(TARGET_PREFIX)) return null;
    const action = request.target.slice(TARGET_PREFIX.length);
    const operation = Object.hasOwn(OPERATIONS, action) ? OPERATIONS[action] : undefined;
    if (operation === undefined) {
      options.audit(action, 'error');
      return jsonError(400, 'UnknownOperationException', `Unknown operation ${action}`);
    }
    if (action === 'GetLogEvents' && options.bucket !== undefined && !options.bucket.tryTake()) {
      options.audit(action, 'throttled');
      return jsonError(400, 'ThrottlingException', 'Rate exceeded');
    }
    const outage = await outageFor(options.faults, 'logs', action);
    if (outage !== undefined) {
      options.audit(action, 'error');
      return jsonError(outage.status, outage.type, outage.message);
    }
    const input = parseJsonObject(request.body);
    if (input === undefined) {
      options.audit(action, 'error');
      return jsonError(400, 'SerializationException', 'Start of structure or map found where not expected.');
    }
    const result = operation(input, context);
    if (!result.ok) {
      options.audit(action, 'error');
      return jsonError(400, result.type, result.message);
    }
    options.audit(action, 'ok');
    return jsonOk(result.payload);
  };
}
