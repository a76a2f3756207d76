/**
 * SQS errors as the JSON protocol sends them to query-compatible clients: a body with the full shape ID
 * in `__type` and the `message`, plus `x-amzn-query-error: <query code>;Sender`, which the SDK reads
 * first to name the error (see @aws-sdk/core ProtocolLib.setQueryCompatError). Codes and statuses are
 * the `awsQueryError` traits of the SQS model in @aws-sdk/client-sqs.
 */
import type { SimResponse } from '../wire.js';

export const SQS_CONTENT_TYPE = 'application/x-amz-json-1.0';

export interface SqsError {
  status: number;
  /** The shape name, sent as com.amazonaws.sqs#<shape>. */
  shape: string;
  /** The query-protocol code the SDK maps back to the shape. */
  queryCode: string;
  message: string;
}

export function sqsErrorResponse(error: SqsError): SimResponse {
  return {
    status: error.status,
    headers: {
      'content-type': SQS_CONTENT_TYPE,
      'x-amzn-query-error': `${error.queryCode};${error.status >= 500 ? 'Receiver' : 'Sender'}`,
    },
    body: JSON.stringify({ __type: `com.amazonaws.sqs#${error.shape}`, message: error.message }),
  };
}

export const queueDoesNotExist = (): SqsError => ({
  status: 400, shape: 'QueueDoesNotExist', queryCode: 'AWS.SimpleQueueService.NonExistentQueue',
  message: 'The specified queue does not exist.',
});

export const invalidParameterValue = (message: string): SqsError => ({
  status: 400, shape: 'InvalidParameterValueException', queryCode: 'InvalidParameterValue', message,
});

export const missingParameter = (name: string): SqsError => ({
  status: 400, shape: 'MissingRequiredParameterException', queryCode: 'MissingParameter',
  message: `The request must contain the parameter ${name}.`,
});

export const receiptHandleIsInvalid = (handle: string): SqsError => ({
  status: 404, shape: 'ReceiptHandleIsInvalid', queryCode: 'ReceiptHandleIsInvalid',
  message: `The input receipt handle "${handle}" is not a valid receipt handle.`,
});

export const messageNotInflight = (): SqsError => ({
  status: 400, shape: 'MessageNotInflight', queryCode: 'AWS.SimpleQueueService.MessageNotInflight',
  message: 'Message does not exist or is not available for visibility timeout change.',
});

export const purgeQueueInProgress = (name: string): SqsError => ({
  status: 403, shape: 'PurgeQueueInProgress', queryCode: 'AWS.SimpleQueueService.PurgeQueueInProgress',
  message: `Only one PurgeQueue operation on ${name} is allowed every 60 seconds.`,
});

export const queueNameExists = (attribute: string): SqsError => ({
  status: 400, shape: 'QueueNameExists', queryCode: 'QueueAlreadyExists',
  message: `A queue already exists with the same name and a different value for attribute ${attribute}`,
});

export const invalidAttributeName = (name: string): SqsError => ({
  status: 400, shape: 'InvalidAttributeName', queryCode: 'InvalidAttributeName', message: `Unknown Attribute ${name}.`,
});

export const emptyBatchRequest = (): SqsError => ({
  status: 400, shape: 'EmptyBatchRequest', queryCode: 'AWS.SimpleQueueService.EmptyBatchRequest',
  message: 'There should be at least one SendMessageBatchRequestEntry in the request.',
});

export const tooManyEntriesInBatchRequest = (count: number): SqsError => ({
  status: 400, shape: 'TooManyEntriesInBatchRequest', queryCode: 'AWS.SimpleQueueService.TooManyEntriesInBatchRequest',
  message: `Maximum number of entries per request are 10. You have sent ${count}.`,
});

export const batchEntryIdsNotDistinct = (id: string): SqsError => ({
  status: 400, shape: 'BatchEntryIdsNotDistinct', queryCode: 'AWS.SimpleQueueService.BatchEntryIdsNotDistinct',
  message: `Id ${id} repeated.`,
});

export const invalidBatchEntryId = (): SqsError => ({
  status: 400, shape: 'InvalidBatchEntryId', queryCode: 'AWS.SimpleQueueService.InvalidBatchEntryId',
  message: 'A batch entry id can only contain alphanumeric characters, hyphens and underscores. It can be at most 80 letters long.',
});

export const unknownOperation = (action: string): SqsError => ({
  status: 400, shape: 'UnknownOperationException', queryCode: 'InvalidAction',
  message: `The action ${action} is not valid for this endpoint.`,
});

export const invalidAttributeValue = (name: string): SqsError => ({
  status: 400, shape: 'InvalidAttributeValue', queryCode: 'InvalidAttributeValue', message: `Invalid value for the parameter ${name}.`,
});
