/**
 * `run wait`'s conditions and durations, pure. `--for=outcome=<outcome>` is met when the run stops with that
 * outcome and can no longer be met once it stops with another; `--for=phase=<phase>` is met once the run has
 * reached the phase (a run seen later already past it counts: its attempts show it submitted or started) and
 * can no longer be met once it stops without having reached it. A run that vanishes fails every condition.
 */
import { OUTCOMES, PHASES, type Outcome, type Phase, type RunRecord } from '../../controller/api/index.js';
import { UsageError } from './errors.js';

export type WaitCondition = { field: 'outcome'; value: Outcome } | { field: 'phase'; value: Phase };

export type Verdict = { state: 'met' } | { state: 'waiting' } | { state: 'failed'; why: string };

export function parseCondition(text: string): WaitCondition {
  const match = /^(outcome|phase)=(.+)$/.exec(text.trim());
  const field = match?.[1];
  const value = match?.[2] ?? '';
  if (field === 'outcome' && (OUTCOMES as readonly string[]).includes(value)) return { field, value: value as Outcome };
  if (field === 'phase' && (PHASES as readonly string[]).includes(value)) return { field, value: value as Phase };
  throw new UsageError(`--for ${JSON.stringify(text)}: expected outcome=<${OUTCOMES.join('|')}> or phase=<${PHASES.join('|')}>`);
}

export function conditionText(condition: WaitCondition): string {
  return `${condition.field}=${condition.value}`;
}

/** Whether the run shows it has been in `phase`, now or before. */
function reached(run: RunRecord, phase: Phase): boolean {
  const { status } = run;
  if (status.phase === phase) return true;
  switch (phase) {
    case 'pending':
      return true;
    case 'taskdef-resolved':
      return status.taskDefinitionArn !== undefined || status.attempts.length > 0;
    case 'submitted':
      return status.attempts.some((a) => a.taskArn !== undefined);
    case 'running':
      return status.attempts.some((a) => a.startedAt !== undefined);
    case 'stopped':
      return false;
  }
}

export function verdict(condition: WaitCondition, run: RunRecord | null): Verdict {
  if (!run) return { state: 'failed', why: 'not found (deleted?)' };
  const { phase, outcome } = run.status;
  if (condition.field === 'outcome') {
    if (phase !== 'stopped') return { state: 'waiting' };
    return outcome === condition.value ? { state: 'met' } : { state: 'failed', why: `stopped with outcome ${outcome ?? 'none'}, not ${condition.value}` };
  }
  if (reached(run, condition.value)) return { state: 'met' };
  return phase === 'stopped' ? { state: 'failed', why: `stopped (outcome ${outcome ?? 'none'}) without reaching phase ${condition.value}` } : { state: 'waiting' };
}

/** kubectl-style durations: `30s`, `10m`, `1h30m`, `250ms`; a bare number is seconds. */
export function parseDuration(text: string, flag = '--timeout'): number {
  const trimmed = text.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Number(trimmed) * 1000;
  const units: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  const parts = [...trimmed.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join('') !== trimmed) {
    throw new UsageError(`${flag} ${JSON.stringify(text)}: expected a duration like 30s, 10m or 1h30m`);
  }
  return parts.reduce((sum, p) => sum + Number(p[1]) * units[p[2]], 0);
}
