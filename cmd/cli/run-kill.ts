/**
 * `longshore run kill`: stop a run's task, or any task by ARN, now. The kill itself is a durable control
 * message (a controller handles it even if none is running yet); the CLI then waits, for a bounded time,
 * for the controller's reply to that message, so the user learns whether a task was stopped, there was
 * nothing to stop, or AWS refused (an unknown task). Exit statuses: 0 stopped; 1 nothing to stop or
 * refused (AWS's message on stderr); 2 bad input (e.g. a malformed ARN — nothing is sent); 3 accepted
 * but not answered in time (the message stays queued and is still handled).
 */
import { Command, Option } from 'commander';
import { ECS_TASK_ARN, ECS_TASK_ARN_FORMS, type ControlReply, type KillMessage } from '../../controller/api/index.js';
import { NotFoundError } from '../../controller/store/index.js';
import { EXIT_UNANSWERED, UsageError } from './errors.js';
import { withSession } from './session.js';

export const DEFAULT_KILL_WAIT_SECONDS = 10;

interface KillOptions {
  taskArn?: string;
  reason?: string;
  wait: boolean;
  timeout: string;
}

export function runKillCommand(): Command {
  return new Command('kill')
    .description('stop a run\'s task now, or any task by ARN (also orphans), and wait for the controller to confirm')
    .argument('[name]')
    .option('--task-arn <arn>', 'the task to stop (a full ECS task ARN)')
    .option('--reason <text>', 'passed to StopTask')
    .option('--no-wait', 'send the kill and return without waiting for the controller\'s answer')
    .addOption(new Option('--timeout <seconds>', 'how long to wait for the controller\'s answer').default(String(DEFAULT_KILL_WAIT_SECONDS)))
    .action(
      withSession(async ({ backend }, name: string | undefined, options: KillOptions) => {
        const message = killMessage(name, options);
        const timeoutMs = waitMs(options.timeout);
        if (message.run !== undefined && !(await backend.getRun(message.run))) throw new NotFoundError('Run', message.run);
        const target = message.run !== undefined ? `run/${message.run}` : `task ${message.taskArn ?? ''}`;
        if (!options.wait) {
          await backend.kill(message, 0);
          process.stdout.write(`${target} kill requested\n`);
          return;
        }
        report(target, await backend.kill(message, timeoutMs), timeoutMs);
      }),
    );
}

function killMessage(name: string | undefined, options: KillOptions): KillMessage {
  if (!name === !options.taskArn) throw new UsageError('give a run NAME or --task-arn ARN (one of them)');
  const reason = options.reason ? { reason: options.reason } : {};
  if (name) return { type: 'kill', run: name, ...reason };
  const taskArn = options.taskArn ?? '';
  if (!ECS_TASK_ARN.test(taskArn)) throw new UsageError(`--task-arn ${JSON.stringify(taskArn)} is not an ECS task ARN; expected ${ECS_TASK_ARN_FORMS}`);
  return { type: 'kill', taskArn, ...reason };
}

function waitMs(timeout: string): number {
  const seconds = Number(timeout);
  if (!Number.isFinite(seconds) || seconds <= 0 || seconds > 3600) throw new UsageError(`--timeout must be a number of seconds in (0, 3600], not ${JSON.stringify(timeout)}`);
  return seconds * 1000;
}

function report(target: string, reply: ControlReply | null, timeoutMs: number): void {
  if (reply === null) {
    process.stderr.write(
      `${target} kill accepted; the controller has not answered within ${timeoutMs / 1000}s (the request stays queued and is handled when a controller reads it)\n`,
    );
    process.exitCode = EXIT_UNANSWERED;
    return;
  }
  if (reply.outcome === 'done') {
    process.stdout.write(`${target} killed: ${reply.message}\n`);
    return;
  }
  throw new Error(`${target} not killed: ${reply.message}`);
}
