/**
 * Reads one attempt's stream from CloudWatch Logs and publishes its lines into a FanOut: the thin I/O shell
 * around paging.ts. Every GetLogEvents goes through the gateway (`wait: true`: it waits, bounded, for a
 * logsRead token and tries a throttled call again before giving up), so the account-wide Logs budget paces
 * every reader of every replica and the CLI alike.
 */
import type { AwsTarget } from '../aws/target.js';
import type { GetLogEventsCommandInput, GetLogEventsCommandOutput } from '@aws-sdk/client-cloudwatch-logs';
import { backoffMs } from '../backoff.js';
import { isGatewayError } from '../aws/errors.js';
import type { FanOut } from './fan-out.js';
import type { LogStreamLocation } from './location.js';
import { afterCaughtUp, idleDelayMs, pageStep, WAIT_FOR_STREAM, type ReadStart } from './paging.js';
import { RunLogError, type RunLogLine } from './types.js';

export interface AttemptLook {
  /** Where the attempt's output goes; undefined while its task is not known yet. */
  location: LogStreamLocation | undefined;
  /** The attempt's task has stopped (or a later attempt exists, or the run is gone or stopped). */
  stopped: boolean;
}

export interface ReaderPorts {
  getLogEvents(input: GetLogEventsCommandInput, target?: AwsTarget): Promise<Pick<GetLogEventsCommandOutput, 'events' | 'nextForwardToken'>>;
  /** The attempt as the store has it now. */
  look(): Promise<AttemptLook>;
  /** Resolves after `ms`, or early when the signal aborts. */
  sleep(ms: number, signal: AbortSignal): Promise<void>;
}

export interface ReadSpec {
  /** e.g. `run "x" attempt 2`, for messages. */
  what: string;
  attempt: number;
  follow: boolean;
  start: ReadStart;
}

type Page = Pick<GetLogEventsCommandOutput, 'events' | 'nextForwardToken'>;

/**
 * Reads until done: not following, once caught up; following, once caught up on a read that began after the
 * attempt was seen stopped. Throws RunLogError NotStarted when not following and there is no stream yet.
 */
export async function readAttempt(spec: ReadSpec, ports: ReaderPorts, out: FanOut<RunLogLine>, signal: AbortSignal): Promise<void> {
  let waits = 0;
  const waitForStream = async (stopped: boolean): Promise<'ended' | 'waited'> => {
    if (!spec.follow) {
      const ended = stopped || (await ports.look()).stopped;
      throw new RunLogError('NotStarted', ended
        ? `${spec.what} has no log stream: its task stopped without writing output (it never started, or printed nothing)`
        : `${spec.what} has no log stream yet: its task has not started writing output`);
    }
    if (stopped) return 'ended';
    waits += 1;
    await ports.sleep(backoffMs(WAIT_FOR_STREAM, waits), signal);
    return 'waited';
  };

  let location: LogStreamLocation | undefined;
  while (location === undefined) {
    if (signal.aborted) return;
    const look = await ports.look();
    location = look.location;
    if (location === undefined && (await waitForStream(look.stopped)) === 'ended') return;
  }
  const { group, stream, container, target } = location;
  const publish = (page: Page, keepLast?: number): number => {
    const events = (page.events ?? []).filter((e) => typeof e.message === 'string');
    const kept = keepLast === undefined ? events : events.slice(Math.max(0, events.length - keepLast));
    out.publish(kept.map((e) => ({ timestamp: e.timestamp ?? 0, message: e.message ?? '', attempt: spec.attempt, container })));
    return kept.length;
  };
  /** A page, or 'missing' when the group or stream does not exist (yet). */
  const read = async (input: Omit<GetLogEventsCommandInput, 'logGroupName' | 'logStreamName'>): Promise<Page | 'missing'> => {
    try {
      return await ports.getLogEvents({ logGroupName: group, logStreamName: stream, ...input }, target);
    } catch (error) {
      if (isGatewayError(error, 'notFound')) return 'missing';
      throw error;
    }
  };

  let token: string | undefined;
  if (spec.start.from === 'tail') {
    // One backward page holds the last lines; its forward token continues from the end (limit ≥ 1 is AWS's rule).
    for (;;) {
      if (signal.aborted) return;
      const stoppedBefore = spec.follow ? (await ports.look()).stopped : false;
      const page = await read({ startFromHead: false, limit: Math.max(1, spec.start.lines) });
      if (page !== 'missing') {
        publish(page, spec.start.lines);
        token = page.nextForwardToken;
        break;
      }
      if ((await waitForStream(stoppedBefore)) === 'ended') return;
    }
  }

  let idle = 0;
  for (;;) {
    if (signal.aborted) return;
    const stoppedBeforeRead = spec.follow ? (await ports.look()).stopped : false;
    const page = await read({ startFromHead: true, ...(token === undefined ? {} : { nextToken: token }) });
    if (page === 'missing') {
      if ((await waitForStream(stoppedBeforeRead)) === 'ended') return;
      continue;
    }
    const published = publish(page);
    const step = pageStep(token, page);
    token = page.nextForwardToken ?? token;
    if (step === 'more') {
      if (published > 0) idle = 0;
      continue;
    }
    if (afterCaughtUp(spec.follow, stoppedBeforeRead) === 'end') return;
    idle += 1;
    await ports.sleep(idleDelayMs(idle), signal);
  }
}
