/**
 * The launch executor: one RunTask through the gateway, spending the Fargate launch bucket the placement
 * uses, classified into a LaunchOutcome. AWS errors become outcomes; other errors (bugs, Redis) are thrown.
 */
import type { RunTaskCommandInput } from '@aws-sdk/client-ecs';
import type { Placement } from '../taskdef/placement.js';
import { isAwsError } from '../../controller/aws/errors.js';
import { classifyRunTaskError, classifyRunTaskOutput, contextFor, type LaunchContext, type LaunchOutcome } from './outcome.js';
import type { CallOptions, ShareCaller } from '../../controller/aws/gateway.js';
import type { RunTaskGateway } from './ports.js';
import type { AwsTarget } from '../../controller/aws/target.js';

export interface LaunchOptions {
  placement: Pick<Placement, 'launchBucket'>;
  /** Extra context for readable errors (region, logs, execution role). */
  context?: Omit<LaunchContext, 'cluster' | 'launchType'>;
  /** Wait for tokens instead of getting a 'retry' outcome (false for reconcilers). */
  wait?: boolean;
  /** The pool's Region and role (the controller's own when absent). */
  target?: AwsTarget;
  /** The pool and run, so the launch waits its pool's fair share of the account-region's budget. */
  share?: ShareCaller;
}

export async function launch(gateway: RunTaskGateway, input: RunTaskCommandInput, options: LaunchOptions): Promise<LaunchOutcome> {
  const call: CallOptions = { wait: options.wait ?? false, ...(options.target ? { target: options.target } : {}), ...(options.share ? { share: options.share } : {}) };
  const bucket = options.placement.launchBucket;
  if (bucket) call.launches = { category: bucket, count: input.count ?? 1 };
  try {
    return classifyRunTaskOutput(await gateway.runTask(input, call));
  } catch (error) {
    // Only AWS's answers become outcomes; anything else is ours to retry (the job adapter backs off).
    if (!isAwsError(error)) throw error;
    return classifyRunTaskError(error, contextFor(input, options.context));
  }
}
