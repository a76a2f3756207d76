/**
 * The SQS operations the simulator serves, from a parsed JSON body to a payload or an SqsError.
 * Parameter ranges and messages follow the SQS API reference.
 */
import type { SqsQueue, SqsQueues, QueueSettings, ReceivedMessage } from './queues.js';
import * as errors from './errors.js';
import type { SqsError } from './errors.js';
import {
  arrayField, isJsonObject, numberField, objectField, stringField, type JsonObject,
} from '../json-input.js';

export type SqsResult = { ok: true; payload: unknown } | { ok: false; error: SqsError };
export interface SqsContext {
  queues: SqsQueues;
  endpointBase: () => string;
}
export type SqsOperation = (input: JsonObject, context: SqsContext) => SqsResult | Promise<SqsResult>;

const ok = (payload: unknown): SqsResult => ({ ok: true, payload });
const fail = (error: SqsError): SqsResult => ({ ok: false, error });

/** The queue a request's QueueUrl names, or the error SQS answers. */
function queueOf(input: JsonObject, context: SqsContext): SqsQueue | SqsError {
  const url = stringField(input, 'QueueUrl');
  if (url === undefined) return errors.missingParameter('QueueUrl');
  return context.queues.queueByUrl(url) ?? errors.queueDoesNotExist();
}

function isError(value: unknown): value is SqsError {
  return isJsonObject(value) && typeof value.queryCode === 'string';
}

/** Attribute name → [setting, min, max]. */
const SETTABLE_ATTRIBUTES: Record<string, [keyof QueueSettings, number, number]> = {
  VisibilityTimeout: ['visibilityTimeoutSeconds', 0, 43_200],
  DelaySeconds: ['delaySeconds', 0, 900],
  ReceiveMessageWaitTimeSeconds: ['receiveMessageWaitTimeSeconds', 0, 20],
  MessageRetentionPeriod: ['messageRetentionPeriodSeconds', 60, 1_209_600],
  MaximumMessageSize: ['maximumMessageSize', 1024, 1_048_576],
};

export const createQueue: SqsOperation = (input, context) => {
  const name = stringField(input, 'QueueName');
  if (name === undefined) return fail(errors.missingParameter('QueueName'));
  if (!/^[A-Za-z0-9_-]{1,80}$/.test(name)) {
    return fail(errors.invalidParameterValue('Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length'));
  }
  const settings: Partial<QueueSettings> = {};
  for (const [attribute, raw] of Object.entries(objectField(input, 'Attributes') ?? {})) {
    const spec = Object.hasOwn(SETTABLE_ATTRIBUTES, attribute) ? SETTABLE_ATTRIBUTES[attribute] : undefined;
    if (spec === undefined) return fail(errors.invalidAttributeName(attribute));
    const value = typeof raw === 'string' && /^\d+$/.test(raw) ? Number(raw) : Number.NaN;
    if (!(value >= spec[1] && value <= spec[2])) return fail(errors.invalidAttributeValue(attribute));
    settings[spec[0]] = value;
  }
  const created = context.queues.createQueue(name, context.endpointBase(), settings);
  if ('conflictingAttribute' in created) {
    const attribute = Object.keys(SETTABLE_ATTRIBUTES).find((key) => SETTABLE_ATTRIBUTES[key][0] === created.conflictingAttribute);
    return fail(errors.queueNameExists(attribute ?? created.conflictingAttribute));
  }
  return ok({ QueueUrl: created.url });
};

export const getQueueUrl: SqsOperation = (input, context) => {
  const name = stringField(input, 'QueueName');
  if (name === undefined) return fail(errors.missingParameter('QueueName'));
  const queue = context.queues.queueByName(name);
  return queue === undefined ? fail(errors.queueDoesNotExist()) : ok({ QueueUrl: queue.url });
};

/** Validates one message to send; answers its delay in ms or the error. */
function checkMessage(queue: SqsQueue, body: string | undefined, delaySeconds: number | undefined): number | SqsError {
  if (body === undefined || body === '') return errors.missingParameter('MessageBody');
  if (Buffer.byteLength(body, 'utf8') > queue.settings.maximumMessageSize) {
    return errors.invalidParameterValue(`One or more parameters are invalid. Reason: Message must be shorter than ${queue.settings.maximumMessageSize} bytes.`);
  }
  const delay = delaySeconds ?? queue.settings.delaySeconds;
  if (!Number.isInteger(delay) || delay < 0 || delay > 900) {
    return errors.invalidParameterValue(`Value ${delay} for parameter DelaySeconds is invalid. Reason: DelaySeconds must be >= 0 and <= 900.`);
  }
  return delay * 1000;
}

export const sendMessage: SqsOperation = (input, context) => {
  const queue = queueOf(input, context);
  if (isError(queue)) return fail(queue);
  const body = stringField(input, 'MessageBody');
  const delayMs = checkMessage(queue, body, numberField(input, 'DelaySeconds'));
  if (isError(delayMs)) return fail(delayMs);
  const sent = context.queues.sendTo(queue, body ?? '', delayMs);
  return ok({ MessageId: sent.messageId, MD5OfMessageBody: sent.md5OfBody });
};

/** Batch entries after SQS's request-level checks: 1–10 entries, distinct, well-formed Ids. */
function batchEntries(input: JsonObject): JsonObject[] | SqsError {
  const entries = (arrayField(input, 'Entries') ?? []).filter(isJsonObject);
  if (entries.length === 0) return errors.emptyBatchRequest();
  if (entries.length > 10) return errors.tooManyEntriesInBatchRequest(entries.length);
  const seen = new Set<string>();
  for (const entry of entries) {
    const id = stringField(entry, 'Id');
    if (id === undefined || !/^[A-Za-z0-9_-]{1,80}$/.test(id)) return errors.invalidBatchEntryId();
    if (seen.has(id)) return errors.batchEntryIdsNotDistinct(id);
    seen.add(id);
  }
  return entries;
}

function batchFailure(id: string, error: SqsError): object {
  return { Id: id, SenderFault: error.status < 500, Code: error.queryCode, Message: error.message };
}

export const sendMessageBatch: SqsOperation = (input, context) => {
  const queue = queueOf(input, context);
  if (isError(queue)) return fail(queue);
  const entries = batchEntries(input);
  if (isError(entries)) return fail(entries);
  const successful: object[] = [];
  const failed: object[] = [];
  for (const entry of entries) {
    const id = stringField(entry, 'Id') ?? '';
    const body = stringField(entry, 'MessageBody');
    const delayMs = checkMessage(queue, body, numberField(entry, 'DelaySeconds'));
    if (isError(delayMs)) {
      failed.push(batchFailure(id, delayMs));
      continue;
    }
    const sent = context.queues.sendTo(queue, body ?? '', delayMs);
    successful.push({ Id: id, MessageId: sent.messageId, MD5OfMessageBody: sent.md5OfBody });
  }
  return ok({ Successful: successful, Failed: failed });
};

const SYSTEM_ATTRIBUTES = ['ApproximateReceiveCount', 'ApproximateFirstReceiveTimestamp', 'SentTimestamp', 'SenderId'];

function requestedSystemAttributes(input: JsonObject): Set<string> {
  const names = [...(arrayField(input, 'MessageSystemAttributeNames') ?? []), ...(arrayField(input, 'AttributeNames') ?? [])]
    .filter((name): name is string => typeof name === 'string');
  return new Set(names.includes('All') ? SYSTEM_ATTRIBUTES : names);
}

function renderMessage(message: ReceivedMessage, wanted: Set<string>, accountId: string): object {
  const all: Record<string, string> = {
    ApproximateReceiveCount: String(message.receiveCount),
    ApproximateFirstReceiveTimestamp: String(message.firstReceiveAt),
    SentTimestamp: String(message.sentAt),
    SenderId: accountId,
  };
  const attributes = Object.fromEntries(Object.entries(all).filter(([name]) => wanted.has(name)));
  return {
    MessageId: message.messageId,
    ReceiptHandle: message.receiptHandle,
    MD5OfBody: message.md5OfBody,
    Body: message.body,
    ...(Object.keys(attributes).length > 0 ? { Attributes: attributes } : {}),
  };
}

export function receiveMessageOperation(accountId: string): SqsOperation {
  return async (input, context) => {
    const queue = queueOf(input, context);
    if (isError(queue)) return fail(queue);
    const max = numberField(input, 'MaxNumberOfMessages') ?? 1;
    if (!Number.isInteger(max) || max < 1 || max > 10) {
      return fail(errors.invalidParameterValue(`Value ${max} for parameter MaxNumberOfMessages is invalid. Reason: Must be between 1 and 10, if provided.`));
    }
    const wait = numberField(input, 'WaitTimeSeconds') ?? queue.settings.receiveMessageWaitTimeSeconds;
    if (!Number.isInteger(wait) || wait < 0 || wait > 20) {
      return fail(errors.invalidParameterValue(`Value ${wait} for parameter WaitTimeSeconds is invalid. Reason: Must be >= 0 and <= 20, if provided.`));
    }
    const visibility = numberField(input, 'VisibilityTimeout') ?? queue.settings.visibilityTimeoutSeconds;
    if (!Number.isInteger(visibility) || visibility < 0 || visibility > 43_200) {
      return fail(errors.invalidParameterValue(`Value ${visibility} for parameter VisibilityTimeout is invalid. Reason: Must be >= 0 and <= 43200, if provided.`));
    }
    const received = wait > 0
      ? await context.queues.receiveWaiting(queue, max, visibility, wait * 1000)
      : context.queues.receive(queue, max, visibility);
    const wanted = requestedSystemAttributes(input);
    return ok(received.length === 0 ? {} : { Messages: received.map((message) => renderMessage(message, wanted, accountId)) });
  };
}

export const deleteMessage: SqsOperation = (input, context) => {
  const queue = queueOf(input, context);
  if (isError(queue)) return fail(queue);
  const handle = stringField(input, 'ReceiptHandle');
  if (handle === undefined) return fail(errors.missingParameter('ReceiptHandle'));
  return context.queues.deleteMessage(queue, handle) === 'deleted' ? ok({}) : fail(errors.receiptHandleIsInvalid(handle));
};

export const deleteMessageBatch: SqsOperation = (input, context) => {
  const queue = queueOf(input, context);
  if (isError(queue)) return fail(queue);
  const entries = batchEntries(input);
  if (isError(entries)) return fail(entries);
  const successful: object[] = [];
  const failed: object[] = [];
  for (const entry of entries) {
    const id = stringField(entry, 'Id') ?? '';
    const handle = stringField(entry, 'ReceiptHandle') ?? '';
    if (context.queues.deleteMessage(queue, handle) === 'deleted') successful.push({ Id: id });
    else failed.push(batchFailure(id, errors.receiptHandleIsInvalid(handle)));
  }
  return ok({ Successful: successful, Failed: failed });
};

export const changeMessageVisibility: SqsOperation = (input, context) => {
  const queue = queueOf(input, context);
  if (isError(queue)) return fail(queue);
  const handle = stringField(input, 'ReceiptHandle');
  if (handle === undefined) return fail(errors.missingParameter('ReceiptHandle'));
  const timeout = numberField(input, 'VisibilityTimeout');
  if (timeout === undefined) return fail(errors.missingParameter('VisibilityTimeout'));
  if (!Number.isInteger(timeout) || timeout < 0 || timeout > 43_200) {
    return fail(errors.invalidParameterValue(`Value ${timeout} for parameter VisibilityTimeout is invalid. Reason: Must be between 0 and 43200.`));
  }
  const outcome = context.queues.changeVisibility(queue, handle, timeout);
  if (outcome === 'invalid') return fail(errors.receiptHandleIsInvalid(handle));
  if (outcome === 'not-inflight') return fail(errors.messageNotInflight());
  return ok({});
};

export const getQueueAttributes: SqsOperation = (input, context) => {
  const queue = queueOf(input, context);
  if (isError(queue)) return fail(queue);
  const counts = context.queues.counts(queue);
  const all: Record<string, string> = {
    ApproximateNumberOfMessages: String(counts.visible),
    ApproximateNumberOfMessagesNotVisible: String(counts.notVisible),
    ApproximateNumberOfMessagesDelayed: String(counts.delayed),
    CreatedTimestamp: String(Math.floor(queue.createdAt / 1000)),
    LastModifiedTimestamp: String(Math.floor(queue.createdAt / 1000)),
    QueueArn: queue.arn,
    VisibilityTimeout: String(queue.settings.visibilityTimeoutSeconds),
    DelaySeconds: String(queue.settings.delaySeconds),
    ReceiveMessageWaitTimeSeconds: String(queue.settings.receiveMessageWaitTimeSeconds),
    MessageRetentionPeriod: String(queue.settings.messageRetentionPeriodSeconds),
    MaximumMessageSize: String(queue.settings.maximumMessageSize),
  };
  const names = (arrayField(input, 'AttributeNames') ?? []).filter((name): name is string => typeof name === 'string');
  for (const name of names) {
    if (name !== 'All' && !Object.hasOwn(all, name)) return fail(errors.invalidAttributeName(name));
  }
  const selected = names.includes('All') ? all : Object.fromEntries(Object.entries(all).filter(([name]) => names.includes(name)));
  return ok(Object.keys(selected).length === 0 ? {} : { Attributes: selected });
};

export const purgeQueue: SqsOperation = (input, context) => {
  const queue = queueOf(input, context);
  if (isError(queue)) return fail(queue);
  return context.queues.purge(queue) === 'purged' ? ok({}) : fail(errors.purgeQueueInProgress(queue.name));
};
