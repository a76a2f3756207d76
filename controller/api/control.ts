/**
 * Control messages: cancel and kill travel as durable messages on a Redis stream read by a consumer group,
 * so a message sent while no controller runs is still handled. One schema validates both ends.
 */
import { z } from 'zod';
import { ResourceName } from './meta.js';

const Reason = z.string().max(1024).optional();

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
    taskArn: z.string().min(1).max(1600).optional(),
    reason: Reason,
  })
  .refine((m) => m.run !== undefined || m.taskArn !== undefined, { message: 'kill needs run or taskArn' });

export const ControlMessage = z.discriminatedUnion('type', [CancelMessage, KillMessage]);
export type ControlMessage = z.infer<typeof ControlMessage>;
export type CancelMessage = z.infer<typeof CancelMessage>;
export type KillMessage = z.infer<typeof KillMessage>;
