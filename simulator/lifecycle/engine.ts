/**
 * Drives each task through ECS's lifecycle (docs/ecs-facts.md#lifecycle):
 * PROVISIONING → PENDING → ACTIVATING → RUNNING → DEACTIVATING → STOPPING → DEPROVISIONING → STOPPED,
 * with the detours AWS takes for a failed start, StopTask and a Spot interruption. Every change bumps
 * `version` and is published (the task state change event stream); timers come from an injected
 * scheduler and every simulated duration is divided by the time scale.
 */
import type { CancelTimer, Scheduler } from '../scheduler.js';
import type { LastStatus, SimTask } from './task.js';
import { exitOutput, outputSchedule } from './output.js';

export const STOP_REASONS = {
  essentialExited: 'Essential container in task exited',
  userDefault: 'Task stopped by user',
  spot: 'Your Spot Task was interrupted.',
} as const;

/** Fargate Spot gives a two-minute warning before it stops the task (docs/ecs-facts.md#stop-codes). */
export const SPOT_WARNING_MS = 120_000;
/** The exit code of a container stopped by StopTask's SIGTERM (128 + 15). */
export const SIGTERM_EXIT_CODE = 143;

export interface LifecycleDeps {
  scheduler: Scheduler;
  /** Real milliseconds for a simulated duration (÷ time scale). */
  toRealMs: (simulatedMs: number) => number;
  now: () => number;
  /** How long a STOPPED task stays describable, simulated ms (AWS: at least one hour, docs/ecs-facts.md#lifecycle). */
  stoppedRetentionMs: number;
  /** Called after every change, with `version` already incremented. */
  publish: (task: SimTask) => void;
  /** "Prints" lines on the task's containers now (each container with an awslogs configuration). */
  writeLogs: (task: SimTask, lines: readonly string[]) => void;
  /** Called when the task reaches STOPPED. */
  onStopped: (task: SimTask) => void;
  /** Called when the retention ends and the task must be forgotten. */
  onExpired: (task: SimTask) => void;
}

export class LifecycleEngine {
  /** Every pending lifecycle timer, so reset() and close() can cancel them all (nothing then keeps the process alive). */
  private readonly timers = new Map<string, CancelTimer>();
  /** The pending print of each running task's output (its own timer: output goes on beside the lifecycle's). */
  private readonly printTimers = new Map<string, CancelTimer>();
  /** How many of each running task's scheduled lines are printed so far. */
  private readonly printed = new Map<string, number>();

  constructor(private readonly deps: LifecycleDeps) {}

  /** A task RunTask just created (lastStatus PROVISIONING, version 1): announce it and start the clock. */
  start(task: SimTask): void {
    this.deps.publish(task);
    this.after(task, task.fate.phaseMs.provisioning, () => this.enterPending(task));
  }

  /** StopTask: answers the task as it is after the request took effect. */
  stop(task: SimTask, reason: string | undefined): void {
    if (task.desiredStatus === 'STOPPED') return;
    const wasRunning = task.lastStatus === 'RUNNING';
    task.desiredStatus = 'STOPPED';
    task.stopCode = 'UserInitiated';
    task.stoppedReason = reason !== undefined && reason !== '' ? reason : STOP_REASONS.userDefault;
    task.stoppingAtMs = this.deps.now();
    // Containers that never ran are stopped at once (before the change is published, so it shows).
    if (!wasRunning) for (const container of task.containers) container.lastStatus = 'STOPPED';
    this.changed(task);
    if (wasRunning) this.after(task, 0, () => this.shutDown(task, SIGTERM_EXIT_CODE));
    else this.after(task, 0, () => this.deprovision(task));
  }

  cancelAll(): void {
    for (const cancel of this.timers.values()) cancel();
    this.timers.clear();
    for (const cancel of this.printTimers.values()) cancel();
    this.printTimers.clear();
    this.printed.clear();
  }

  private enterPending(task: SimTask): void {
    const now = this.deps.now();
    task.connectivityAtMs = now;
    task.pullStartedAtMs = now;
    for (const attachment of task.attachments) attachment.status = 'ATTACHED';
    this.setStatus(task, 'PENDING');
    this.after(task, task.fate.phaseMs.pending, () => {
      if (task.fate.failStartReason !== undefined) this.failStart(task, task.fate.failStartReason);
      else this.enterActivating(task);
    });
  }

  private enterActivating(task: SimTask): void {
    task.pullStoppedAtMs = this.deps.now();
    this.setStatus(task, 'ACTIVATING');
    this.after(task, task.fate.phaseMs.activating, () => this.enterRunning(task));
  }

  private enterRunning(task: SimTask): void {
    task.startedAtMs = this.deps.now();
    for (const container of task.containers) container.lastStatus = 'RUNNING';
    this.setStatus(task, 'RUNNING');
    this.startPrinting(task);
    const spotAfter = task.fate.spotInterruptAfterMs;
    if (spotAfter !== undefined && spotAfter < task.fate.runMs) {
      this.after(task, spotAfter, () => this.spotNotice(task));
    } else {
      this.after(task, task.fate.runMs, () => this.containersExited(task));
    }
  }

  /** The essential container exited by itself: ECS stops the task with EssentialContainerExited. */
  private containersExited(task: SimTask): void {
    const exitCode = task.containers[0]?.exitCodeOverride ?? task.fate.exitCode;
    this.stopPrinting(task, [...this.unprinted(task), ...exitOutput(task.fate.exitLines, exitCode)]);
    const now = this.deps.now();
    for (const container of task.containers) {
      container.lastStatus = 'STOPPED';
      container.exitCode = container.exitCodeOverride ?? task.fate.exitCode;
    }
    task.desiredStatus = 'STOPPED';
    task.stopCode = 'EssentialContainerExited';
    task.stoppedReason = STOP_REASONS.essentialExited;
    task.stoppingAtMs = now;
    task.executionStoppedAtMs = now;
    this.setStatus(task, 'DEACTIVATING');
    this.after(task, task.fate.phaseMs.deactivating, () => {
      this.setStatus(task, 'STOPPING');
      this.after(task, task.fate.phaseMs.stopping, () => this.deprovision(task));
    });
  }

  /** The two-minute warning: desiredStatus STOPPED while lastStatus stays RUNNING (docs/ecs-facts.md#stop-codes). */
  private spotNotice(task: SimTask): void {
    task.desiredStatus = 'STOPPED';
    task.stopCode = 'TerminationNotice';
    task.stoppedReason = STOP_REASONS.spot;
    task.stoppingAtMs = this.deps.now();
    this.changed(task);
    this.after(task, SPOT_WARNING_MS, () => {
      task.stopCode = 'SpotInterruption';
      this.shutDown(task, undefined);
    });
  }

  /** DEACTIVATING → STOPPING → (containers gone) → DEPROVISIONING, for StopTask and Spot. */
  private shutDown(task: SimTask, exitCode: number | undefined): void {
    // SIGTERM (StopTask) or the end of a Spot notice: the process prints no more.
    this.stopPrinting(task, []);
    this.setStatus(task, 'DEACTIVATING');
    this.after(task, task.fate.phaseMs.deactivating, () => {
      this.setStatus(task, 'STOPPING');
      this.after(task, task.fate.phaseMs.stopping, () => {
        task.executionStoppedAtMs = this.deps.now();
        for (const container of task.containers) {
          container.lastStatus = 'STOPPED';
          if (exitCode !== undefined) container.exitCode = exitCode;
        }
        this.deprovision(task);
      });
    });
  }

  private failStart(task: SimTask, reason: string): void {
    task.desiredStatus = 'STOPPED';
    task.stopCode = 'TaskFailedToStart';
    task.stoppedReason = reason;
    task.stoppingAtMs = this.deps.now();
    task.executionStoppedAtMs = task.stoppingAtMs;
    // Whatever the cause (CannotPullContainerError, ResourceInitializationError, …), DescribeTasks still lists
    // the task's containers, each STOPPED with the reason and no exit code (developer guide,
    // stopped-task-errors / resource-initialization-error: the reason is read from the stopped task's containers).
    for (const container of task.containers) {
      container.lastStatus = 'STOPPED';
      container.reason = reason;
    }
    this.deprovision(task);
  }

  private deprovision(task: SimTask): void {
    for (const attachment of task.attachments) attachment.status = 'DELETED';
    this.setStatus(task, 'DEPROVISIONING');
    this.after(task, task.fate.phaseMs.deprovisioning, () => {
      task.stoppedAtMs = this.deps.now();
      if (task.executionStoppedAtMs === undefined) task.executionStoppedAtMs = task.stoppedAtMs;
      this.setStatus(task, 'STOPPED');
      this.deps.onStopped(task);
      const retentionRealMs = this.deps.toRealMs(this.deps.stoppedRetentionMs);
      task.expiresAtMs = this.deps.now() + retentionRealMs;
      this.afterReal(task, retentionRealMs, () => this.deps.onExpired(task));
    });
  }

  /**
   * The task's lines come out while it runs, spread over its run time in a few batches (output.ts), each
   * stamped with the time it is printed, as a real container's would be.
   */
  private startPrinting(task: SimTask): void {
    const batches = outputSchedule(task.fate.logLines.length, task.fate.runMs);
    this.printed.set(task.taskId, 0);
    const printNext = (index: number): void => {
      const batch = batches[index];
      if (batch === undefined) {
        this.printTimers.delete(task.taskId);
        return;
      }
      const delay = index === 0 ? batch.atMs : batch.atMs - batches[index - 1].atMs;
      const cancel = this.deps.scheduler.after(this.deps.toRealMs(delay), () => {
        const from = this.printed.get(task.taskId) ?? 0;
        this.printed.set(task.taskId, batch.upTo);
        this.deps.writeLogs(task, task.fate.logLines.slice(from, batch.upTo));
        printNext(index + 1);
      });
      this.printTimers.set(task.taskId, cancel);
    };
    printNext(0);
  }

  private unprinted(task: SimTask): string[] {
    const printed = this.printed.get(task.taskId);
    return printed === undefined ? [] : task.fate.logLines.slice(printed);
  }

  /** The containers stop: no more scheduled output; `last` is what they print on their way out. */
  private stopPrinting(task: SimTask, last: readonly string[]): void {
    this.printTimers.get(task.taskId)?.();
    this.printTimers.delete(task.taskId);
    this.printed.delete(task.taskId);
    if (last.length > 0) this.deps.writeLogs(task, last);
  }

  private setStatus(task: SimTask, status: LastStatus): void {
    task.lastStatus = status;
    this.changed(task);
  }

  private changed(task: SimTask): void {
    task.version += 1;
    this.deps.publish(task);
  }

  private after(task: SimTask, simulatedMs: number, step: () => void): void {
    this.afterReal(task, this.deps.toRealMs(simulatedMs), step);
  }

  /** One pending timer per task: scheduling a step replaces whatever was pending. */
  private afterReal(task: SimTask, realMs: number, step: () => void): void {
    this.timers.get(task.taskId)?.();
    const cancel = this.deps.scheduler.after(realMs, () => {
      this.timers.delete(task.taskId);
      step();
    });
    this.timers.set(task.taskId, cancel);
  }
}
