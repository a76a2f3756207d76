/**
 * The SQS endpoint of the simulator in the protocol @aws-sdk/client-sqs speaks: AWS JSON 1.0 with
 * `x-amz-target: AmazonSQS.<Op>` and query-compatible errors. The queue is named by QueueUrl in the
 * body, so any URL whose last path segment is the queue name routes to it.
 */
import type { ProtocolHandler, SimRequest, SimResponse } from './wire.js';
import type { AuditSink } from './audit.js';
import type { SqsQueues } from './sqs/queues.js';
import { parseJsonObject } from './json-input.js';
import { outageFor, type PersistentFaults } from './persistent-faults.js';
import { SQS_CONTENT_TYPE, sqsErrorResponse, unknownOperation, invalidParameterValue } from './sqs/errors.js';
import {
  changeMessageVisibility, createQueue, deleteMessage, deleteMessageBatch, getQueueAttributes, getQueueUrl,
  purgeQueue, receiveMessageOperation, sendMessage, sendMessageBatch, type SqsContext, type SqsOperation,
} from './sqs/operations.js';

export { SqsQueues, md5Hex, DEFAULT_QUEUE_SETTINGS, type QueueSettings } from './sqs/queues.js';

export const SQS_TARGET_PREFIX = 'AmazonSQS.';
const TARGET_PREFIX = SQS_TARGET_PREFIX;

export interface SqsHandlerOptions {
  queues: SqsQueues;
  audit: AuditSink;
  /** http://127.0.0.1:<port>, the base of the queue URLs handed out. */
  endpointBase: () => string;
  /** For SenderId; default 123456789012. */
  accountId?: string;
  /** Persistent faults; rules with service "sqs" apply. */
  faults?: PersistentFaults;
}

export function createSqsHandler(options: SqsHandlerOptions): ProtocolHandler {
  const operations: Record<string, SqsOperation> = {
    CreateQueue: createQueue,
    GetQueueUrl: getQueueUrl,
    SendMessage: sendMessage,
    SendMessageBatch: sendMessageBatch,
    ReceiveMessage: receiveMessageOperation(options.accountId ?? '123456789012'),
    DeleteMessage: deleteMessage,
    DeleteMessageBatch: deleteMessageBatch,
    ChangeMessageVisibility: changeMessageVisibility,
    GetQueueAttributes: getQueueAttributes,
    PurgeQueue: purgeQueue,
  };
  const context: SqsContext = { queues: options.queues, endpointBase: options.endpointBase };

  return async (request: SimRequest): Promise<SimResponse | null> => {
    if (request.target === undefined || !request.target.startsWith(TARGET_PREFIX)) return null;
    const action = request.target.slice(TARGET_PREFIX.length);
    const operation = Object.hasOwn(operations, action) ? operations[action] : undefined;
    if (operation === undefined) {
      options.audit(action, 'error');
      return sqsErrorResponse(unknownOperation(action));
    }
    const outage = await outageFor(options.faults, 'sqs', action);
    if (outage !== undefined) {
      options.audit(action, 'error');
      // The query-compatible code is the rule's type (InternalFailure, ServiceUnavailable, …), as AWS names its common errors.
      return sqsErrorResponse({ status: outage.status, shape: outage.type, queryCode: outage.type, message: outage.message });
    }
    const input = parseJsonObject(request.body);
    if (input === undefined) {
      options.audit(action, 'error');
      return sqsErrorResponse(invalidParameterValue('The request body is not a JSON object.'));
    }
    const result = await operation(input, context);
    if (!result.ok) {
      options.audit(action, 'error');
      return sqsErrorResponse(result.error);
    }
    options.audit(action, 'ok');
    return { status: 200, headers: { 'content-type': SQS_CONTENT_TYPE }, body: JSON.stringify(result.payload) };
  };
}
