/**
 * The CloudWatch Logs operations the simulator serves, each from a parsed JSON body to either a result
 * payload or an error (type + message as CloudWatch Logs sends them).
 */
import type { LogStore } from './store.js';
import { MAX_EVENTS_PER_PAGE, pageLogEvents } from './paging.js';
import {
  arrayField, booleanField, isJsonObject, numberField, stringField, type JsonObject,
} from '../json-input.js';

export type OperationResult = { ok: true; payload: unknown } | { ok: false; type: string; message: string };

export interface LogsContext {
  store: LogStore;
  region: string;
  accountId: string;
}

const GROUP_MISSING = 'The specified log group does not exist.';
const STREAM_MISSING = 'The specified log stream does not exist.';

function fail(type: string, message: string): OperationResult {
  return { ok: false, type, message };
}

function mustNotBeNull(field: string): OperationResult {
  return fail('InvalidParameterException', `1 validation error detected: Value null at '${field}' failed to satisfy constraint: Member must not be null`);
}

function outOfRange(field: string, value: number, bound: string): OperationResult {
  return fail('InvalidParameterException', `1 validation error detected: Value '${value}' at '${field}' failed to satisfy constraint: Member must have value ${bound}`);
}

/** GetLogEvents and DescribeLogStreams accept logGroupIdentifier (a name or an ARN) instead of a name. */
function groupNameOf(input: JsonObject): string | undefined {
  const name = stringField(input, 'logGroupName');
  if (name !== undefined) return name;
  const identifier = stringField(input, 'logGroupIdentifier');
  if (identifier === undefined) return undefined;
  const arnMatch = /^arn:[^:]+:logs:[^:]*:[^:]*:log-group:([^:]+)(?::\*)?$/.exec(identifier);
  return arnMatch ? arnMatch[1] : identifier;
}

export function getLogEvents(input: JsonObject, context: LogsContext): OperationResult {
  const group = groupNameOf(input);
  if (group === undefined) return mustNotBeNull('logGroupName');
  const streamName = stringField(input, 'logStreamName');
  if (streamName === undefined) return mustNotBeNull('logStreamName');
  const limit = numberField(input, 'limit');
  if (limit !== undefined && limit < 1) return outOfRange('limit', limit, 'greater than or equal to 1');
  if (limit !== undefined && limit > MAX_EVENTS_PER_PAGE) return outOfRange('limit', limit, `less than or equal to ${MAX_EVENTS_PER_PAGE}`);
  if (!context.store.hasGroup(group)) return fail('ResourceNotFoundException', GROUP_MISSING);
  const stream = context.store.getStream(group, streamName);
  if (stream === undefined) return fail('ResourceNotFoundException', STREAM_MISSING);

  const page = pageLogEvents(stream.events, {
    startTime: numberField(input, 'startTime'),
    endTime: numberField(input, 'endTime'),
    limit,
    startFromHead: booleanField(input, 'startFromHead') ?? false,
    nextToken: stringField(input, 'nextToken'),
  });
  if ('invalidToken' in page) return fail('InvalidParameterException', 'The specified nextToken is invalid.');
  return {
    ok: true,
    payload: {
      events: page.events.map((event) => ({ timestamp: event.timestamp, message: event.message, ingestionTime: event.ingestionTime })),
      nextForwardToken: page.nextForwardToken,
      nextBackwardToken: page.nextBackwardToken,
    },
  };
}

export function createLogGroup(input: JsonObject, context: LogsContext): OperationResult {
  const group = stringField(input, 'logGroupName');
  if (group === undefined) return mustNotBeNull('logGroupName');
  if (!context.store.createGroup(group)) return fail('ResourceAlreadyExistsException', 'The specified log group already exists');
  return { ok: true, payload: {} };
}

export function createLogStream(input: JsonObject, context: LogsContext): OperationResult {
  const group = stringField(input, 'logGroupName');
  if (group === undefined) return mustNotBeNull('logGroupName');
  const stream = stringField(input, 'logStreamName');
  if (stream === undefined) return mustNotBeNull('logStreamName');
  const outcome = context.store.createStream(group, stream);
  if (outcome === 'group-missing') return fail('ResourceNotFoundException', GROUP_MISSING);
  if (outcome === 'exists') return fail('ResourceAlreadyExistsException', 'The specified log stream already exists');
  return { ok: true, payload: {} };
}

export function putLogEvents(input: JsonObject, context: LogsContext): OperationResult {
  const group = stringField(input, 'logGroupName');
  if (group === undefined) return mustNotBeNull('logGroupName');
  const streamName = stringField(input, 'logStreamName');
  if (streamName === undefined) return mustNotBeNull('logStreamName');
  const rawEvents = arrayField(input, 'logEvents');
  if (rawEvents === undefined) return mustNotBeNull('logEvents');
  const events: { timestamp: number; message: string }[] = [];
  for (const raw of rawEvents) {
    if (!isJsonObject(raw)) return fail('InvalidParameterException', 'Each log event needs a timestamp and a message.');
    const timestamp = numberField(raw, 'timestamp');
    const message = stringField(raw, 'message');
    if (timestamp === undefined || message === undefined) return fail('InvalidParameterException', 'Each log event needs a timestamp and a message.');
    events.push({ timestamp, message });
  }
  if (events.length < 1 || events.length > MAX_EVENTS_PER_PAGE) {
    return outOfRange('logEvents', events.length, events.length < 1 ? 'greater than or equal to 1' : 'less than or equal to 10000');
  }
  for (let index = 1; index < events.length; index += 1) {
    if (events[index].timestamp < events[index - 1].timestamp) {
      return fail('InvalidParameterException', 'Log events in a single PutLogEvents request must be in chronological order.');
    }
  }
  if (!context.store.hasGroup(group)) return fail('ResourceNotFoundException', GROUP_MISSING);
  if (context.store.getStream(group, streamName) === undefined) return fail('ResourceNotFoundException', STREAM_MISSING);
  context.store.putEvents(group, streamName, events);
  return { ok: true, payload: {} };
}

const MAX_STREAMS_PER_PAGE = 50;

export function describeLogStreams(input: JsonObject, context: LogsContext): OperationResult {
  const group = groupNameOf(input);
  if (group === undefined) return mustNotBeNull('logGroupName');
  const prefix = stringField(input, 'logStreamNamePrefix');
  const orderBy = stringField(input, 'orderBy') ?? 'LogStreamName';
  if (orderBy !== 'LogStreamName' && orderBy !== 'LastEventTime') {
    return fail('InvalidParameterException', `1 validation error detected: Value '${orderBy}' at 'orderBy' failed to satisfy constraint: Member must satisfy enum value set: [LastEventTime, LogStreamName]`);
  }
  if (orderBy === 'LastEventTime' && prefix !== undefined) {
    return fail('InvalidParameterException', 'Cannot order by LastEventTime with a logStreamNamePrefix.');
  }
  const limit = numberField(input, 'limit') ?? MAX_STREAMS_PER_PAGE;
  if (limit < 1 || limit > MAX_STREAMS_PER_PAGE) {
    return outOfRange('limit', limit, limit < 1 ? 'greater than or equal to 1' : `less than or equal to ${MAX_STREAMS_PER_PAGE}`);
  }
  if (!context.store.hasGroup(group)) return fail('ResourceNotFoundException', GROUP_MISSING);

  const lastEventTime = (events: { timestamp: number }[]): number => events.at(-1)?.timestamp ?? 0;
  const streams = context.store.listStreams(group)
    .filter((stream) => prefix === undefined || stream.name.startsWith(prefix))
    .sort((a, b) => (orderBy === 'LogStreamName' ? a.name.localeCompare(b.name) : lastEventTime(a.events) - lastEventTime(b.events)));
  if (booleanField(input, 'descending') === true) streams.reverse();

  const tokenText = stringField(input, 'nextToken');
  const start = tokenText === undefined ? 0 : Number(/^streams\/(\d+)$/.exec(tokenText)?.[1] ?? Number.NaN);
  if (!Number.isInteger(start)) return fail('InvalidParameterException', 'The specified nextToken is invalid.');
  const page = streams.slice(start, start + limit);
  const end = start + page.length;
  return {
    ok: true,
    payload: {
      logStreams: page.map((stream) => ({
        logStreamName: stream.name,
        creationTime: stream.creationTime,
        ...(stream.events.length > 0
          ? { firstEventTimestamp: stream.events[0].timestamp, lastEventTimestamp: lastEventTime(stream.events) }
          : {}),
        ...(stream.lastIngestionTime === undefined ? {} : { lastIngestionTime: stream.lastIngestionTime }),
        arn: `arn:aws:logs:${context.region}:${context.accountId}:log-group:${group}:log-stream:${stream.name}`,
        storedBytes: 0,
      })),
      ...(end < streams.length ? { nextToken: `streams/${end}` } : {}),
    },
  };
}
