/**
 * `longshore run logs NAME [-f] [--tail N] [--attempt K] [--timestamps]`: a run's container output from
 * CloudWatch Logs. Through the HTTP API's log route when the CLI talks to an API server (LONGSHORE_SERVER or
 * a context); otherwise in direct mode: Redis and AWS credentials from the environment, as the controller
 * has them (AWS_REGION, AWS_ENDPOINT_URL, LONGSHORE_BUDGET_*). Every GetLogEvents spends the account-wide
 * logsRead budget the controller's replicas share, through the same gateway. Exit 0 once the log is read
 * (following: once the attempt's task stopped and its last lines were drained, or on ctrl-c); on a
 * RunLogError one `error: …` line and exit 1.
 */
import { Command, InvalidArgumentError } from 'commander';
import { compileConfig } from '../../controller/config.js';
import type { RunLogLine, RunLogRequest } from '../../controller/logs/index.js';
import { apiLogLines } from './api-logs.js';
import { createDirectRunLogSource } from '../../controller/logs/direct.js';
import { withSession } from './session.js';

interface LogsOptions {
  follow?: boolean;
  tail?: number;
  attempt?: number;
  timestamps?: boolean;
}

function count(name: string, min: number): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < min) throw new InvalidArgumentError(`${name} must be a whole number ≥ ${min}, got "${value}"`);
    return n;
  };
}

export function formatLogLine(line: Pick<RunLogLine, 'timestamp' | 'message'>, timestamps: boolean): string {
  return timestamps ? `${new Date(line.timestamp).toISOString()} ${line.message}\n` : `${line.message}\n`;
}

export function runLogsCommand(): Command {
  return new Command('logs')
    .description("print a run's container output from CloudWatch Logs (-f: follow until its task stops)")
    .argument('<name>')
    .option('-f, --follow', 'keep printing new lines while the task runs; end when it stops')
    .option('--tail <lines>', 'only the last N lines that exist now (then new ones, with -f)', count('--tail', 0))
    .option('--attempt <number>', 'which attempt (1, 2, …); default the latest', count('--attempt', 1))
    .option('--timestamps', 'prefix each line with its CloudWatch Logs timestamp (RFC 3339)')
    .action(
      withSession(async (session, name: string, options: LogsOptions) => {
        const abort = new AbortController();
        const onSigint = (): void => abort.abort();
        process.once('SIGINT', onSigint);
        const request: RunLogRequest = {
          namespace: session.backend.namespace, run: name, follow: options.follow === true,
          ...(options.tail === undefined ? {} : { tailLines: options.tail }),
          ...(options.attempt === undefined ? {} : { attempt: options.attempt }),
        };
        // Through the API when the CLI talks to one (its server reads CloudWatch Logs), else directly.
        const direct = session.api ? undefined : createDirectRunLogSource(compileConfig(process.env), session.redis, session.store);
        try {
          const lines = session.api ? apiLogLines(session.api, request, abort.signal) : direct?.source.open(request, abort.signal) ?? [];
          for await (const line of lines) process.stdout.write(formatLogLine(line, options.timestamps === true));
        } finally {
          process.off('SIGINT', onSigint);
          direct?.close();
        }
      }),
    );
}
