/**
 * Per-run fault budgets: SIM_FAIL_START_TIMES and SIM_SPOT_INTERRUPT_TIMES limit a fault to the first n
 * tasks of one run, so a test can say "the first attempt is interrupted, the retry succeeds". Tasks of a
 * run are recognised by cluster + startedBy (a controller reuses startedBy across a run's attempts); a task
 * without startedBy is counted per task-definition family + its container environment. POST /_sim/reset
 * clears the counts.
 */
import type { Environment } from './fate.js';

export type BudgetedFault = 'failStart' | 'spotInterrupt';

export interface BudgetOwner {
  clusterArn: string;
  startedBy: string | undefined;
  family: string;
  environment: Environment;
}

/** The key a run's tasks share: startedBy when there is one, else family + the environment's fingerprint. */
export function faultBudgetKey(owner: BudgetOwner): string {
  if (owner.startedBy !== undefined && owner.startedBy !== '') {
    return JSON.stringify(['startedBy', owner.clusterArn, owner.startedBy]);
  }
  const environment = [...owner.environment.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return JSON.stringify(['family', owner.family, environment]);
}

export class FaultBudgets {
  private readonly spent = new Map<string, number>();

  /**
   * Whether the next task of `key` gets this fault. `times` undefined means no budget (every task);
   * otherwise the first `times` tasks get it, and each one that does spends one.
   */
  take(fault: BudgetedFault, key: string, times: number | undefined): boolean {
    if (times === undefined) return true;
    const budgetKey = `${fault}:${key}`;
    const spent = this.spent.get(budgetKey) ?? 0;
    if (spent >= times) return false;
    this.spent.set(budgetKey, spent + 1);
    return true;
  }

  clear(): void {
    this.spent.clear();
  }
}
