/**
 * Control messages: cancel and kill travel as durable messages on a Redis stream read by a consumer group,
 * so a message sent while no controller runs is still handled. One schema validates both ends.
 */
import { z } from 'zod';
import { ResourceName } from './meta.js';

const Reason = z.string().max(1024).optional();

/**
 * An ECS task ARN, either format AWS documents ("Amazon Resource Names (ARNs) and IDs",
 * https://docs.aws.amazon.com/AmazonECS/latest/userguide/ecs-resource-ids.html):
 *   new: arn:aws:ecs:region:aws_account_id:task/cluster-name/task-id
 *   old: arn:aws:ecs:region:aws_account_id:task/task-id
 * The partition may be aws-cn, aws-us-gov, …; an account id is 12 digits; a cluster name is "up to 255
 * letters (uppercase and lowercase), numbers, underscores, and hyphens" (CreateCluster). Task ids are hex
 * (new) or UUIDs (old); we only require letters, digits and hyphens so a malformed id is still AWS's to judge.
 */
export const ECS_TASK_ARN = /^arn:aws(?:-[a-z]+)*:ecs:[a-z]{2}(?:-[a-z]+)+-\d{1,2}:\d{12}:task\/(?:[A-Za-z0-9_-]{1,255}\/)?[A-Za-z0-9-]{1,64}$/;
export const ECS_TASK_ARN_FORMS = 'arn:aws:ecs:<region>:<12-digit account>:task/<cluster>/<task-id> (or the old task/<task-id>)';

export const TaskArn = z.string().max(1600).regex(ECS_TASK_ARN, { message: `not an ECS task ARN; expected ${ECS_TASK_ARN_FORMS}` });

export const CancelMessage = z.strictObject({
  type: z.literal('cancel'),
  /** The run ends cancelled: never launched if not yet launched, otherwise its task is stopped. */
  run: ResourceName,
  reason: Reason,
});

export const KillMessage = z
  .strictObject({
    type: z.literal('kill'),
    /** Stop the run's current task now. */
    run: ResourceName.optional(),
    /** Stop this task now, even one no run owns (an orphan). */
    taskArn: TaskArn.optional(),
    reason: Reason,
  })
  .refine((m) => m.run !== undefined || m.taskArn !== undefined, { message: 'kill needs run or taskArn' });

export const ControlMessage = z.discriminatedUnion('type', [CancelMessage, KillMessage]);
export type ControlMessage = z.infer<typeof ControlMessage>;
export type CancelMessage = z.infer<typeof CancelMessage>;
export type KillMessage = z.infer<typeof KillMessage>;

/**
 * What the controller did with a control message, written back for the sender (the CLI) to read. Extra to
 * the durable message: a sender that does not wait, or a reply that expires unread, changes nothing.
 * done: the action was taken (StopTask accepted); nothing: there was nothing to act on (unknown run, run
 * without a live task); failed: AWS refused (the message is AWS's, e.g. "The referenced task was not found").
 */
export const ControlReply = z.strictObject({
  outcome: z.enum(['done', 'nothing', 'failed']),
  message: z.string().max(4096),
});
export type ControlReply = z.infer<typeof ControlReply>;
