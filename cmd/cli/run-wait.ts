/**
 * `longshore run wait NAME… | -l SEL --for=outcome=succeeded|phase=P [--timeout 10m]`: blocks until every
 * named run meets the condition, for CI pipelines to gate on, following the change feed (no polling).
 * Exit statuses: 0 every run met it (one `run/NAME condition met` line each); 1 a run can no longer meet it
 * (stopped otherwise, deleted, or not found: it is named on stderr and the wait ends at once); 2 bad input;
 * 3 the timeout passed first (the runs still waiting are named).
 */
import { Command, Option } from 'commander';
import type { RunRecord } from '../../controller/api/index.js';
import type { RunsBackend } from './backend.js';
import { EXIT_FAILURE, EXIT_TIMED_OUT, UsageError } from './errors.js';
import { conditionText, parseCondition, parseDuration, verdict, type WaitCondition } from './wait-condition.js';
import { withSession } from './session.js';

export const DEFAULT_WAIT_TIMEOUT = '30s';
/** A feed read waits at most this long, so the deadline is kept and a silent backend is noticed. */
const READ_WAIT_MS = 1000;

interface WaitOptions {
  selector?: string;
  for: string;
  timeout: string;
}

export function runWaitCommand(): Command {
  return new Command('wait')
    .description('wait until runs meet a condition; exit 0 when all do, 1 when one cannot any more, 3 on timeout')
    .argument('[names...]')
    .option('-l, --selector <selector>', 'wait for every run matching the selector now')
    .addOption(new Option('--for <condition>', 'outcome=<succeeded|failed|cancelled|crashed|timed-out> or phase=<phase>').makeOptionMandatory())
    .option('--timeout <duration>', 'give up after this long (30s, 10m, 1h); 0 checks once', DEFAULT_WAIT_TIMEOUT)
    .action(
      withSession(async ({ backend }, names: string[], options: WaitOptions) => {
        const condition = parseCondition(options.for);
        const timeoutMs = parseDuration(options.timeout);
        if (names.length > 0 === (options.selector !== undefined)) throw new UsageError('give run names or -l SELECTOR (one of them)');
        // The feed position first, so a change between it and the first reading is not missed.
        const position = await backend.changesPosition();
        const targets = names.length ? [...new Set(names)] : (await backend.listRuns({ selector: options.selector })).map((r) => r.metadata.name);
        if (targets.length === 0) {
          process.stderr.write(`error: no runs match -l ${options.selector ?? ''}\n`);
          process.exitCode = EXIT_FAILURE;
          return;
        }
        process.exitCode = await waitFor(backend, targets, condition, timeoutMs, position);
      }),
    );
}

async function waitFor(backend: RunsBackend, targets: string[], condition: WaitCondition, timeoutMs: number, start: string): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  const waiting = new Map<string, RunRecord | null>();
  let position = start;
  let check = targets;
  for (;;) {
    const records = await backend.getRuns(check);
    for (const [i, name] of check.entries()) {
      const record = records[i];
      const v = verdict(condition, record);
      if (v.state === 'met') {
        waiting.delete(name);
        process.stdout.write(`run/${name} condition met\n`);
      } else if (v.state === 'failed') {
        process.stderr.write(`error: run/${name} ${v.why}; it cannot meet ${conditionText(condition)}\n`);
        return EXIT_FAILURE;
      } else waiting.set(name, record);
    }
    if (waiting.size === 0) return 0;
    const left = deadline - Date.now();
    if (left <= 0) {
      const still = [...waiting].map(([name, r]) => `run/${name} (${r?.status.phase ?? 'unknown'})`).join(', ');
      process.stderr.write(`error: timed out after ${formatMs(timeoutMs)} waiting for ${conditionText(condition)}: ${still}\n`);
      return EXIT_TIMED_OUT;
    }
    const next = await backend.nextChanges(position, Math.min(left, READ_WAIT_MS));
    position = next.position;
    check = next.runs.filter((name) => waiting.has(name));
  }
}

function formatMs(ms: number): string {
  return ms % 60_000 === 0 && ms > 0 ? `${ms / 60_000}m` : `${ms / 1000}s`;
}
