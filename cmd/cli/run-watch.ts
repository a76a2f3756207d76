/**
 * `longshore run watch`: a live table of runs, redrawn from the change feed (no polling). On a terminal
 * the table is redrawn in place; otherwise the first table is printed and then one line per change
 * (`-o json`: one JSON record per line). Ends on SIGINT, or with --until-done once every selected run
 * has stopped.
 */
import { Command, Option } from 'commander';
import type { RedisClient } from '../../controller/redis.js';
import type { Phase, RunRecord } from '../../controller/api/index.js';
import { matchesSelector, parseSelector, type ChangeEvent } from '../../controller/store/index.js';
import { listSelected, phaseOption } from './run-select.js';
import { renderTable } from './output.js';
import { RUN_HEADERS, runRow, runTable } from './run-view.js';
import { withSession } from './session.js';

interface WatchOptions {
  selector?: string;
  phase?: Phase;
  pool?: string;
  untilDone?: boolean;
  output: 'table' | 'json';
}

export function runWatchCommand(): Command {
  return new Command('watch')
    .description('watch runs change live (ctrl-c to stop)')
    .option('-l, --selector <selector>', 'label selector')
    .addOption(phaseOption())
    .option('--pool <pool>', 'only runs of this pool')
    .option('--until-done', 'exit once every selected run has stopped')
    .addOption(new Option('-o, --output <format>', 'table, or json lines').choices(['table', 'json']).default('table'))
    .action(
      withSession(async ({ store, redis, blocking }, options: WatchOptions) => {
        const selector = parseSelector(options.selector ?? '');
        const selected = (r: RunRecord) =>
          matchesSelector(selector, r.metadata.labels) && (!options.phase || r.status.phase === options.phase) && (!options.pool || r.spec.pool === options.pool);
        // Take the feed position before listing, so no change between the two is missed.
        let position = await store.changeFeed().latestId();
        const runs = new Map((await listSelected(store, options)).map((r) => [r.metadata.name, r]));
        const view = new WatchView(options.output);
        view.initial([...runs.values()]);
        const done = () => options.untilDone === true && [...runs.values()].every((r) => r.status.phase === 'stopped');

        const connection: RedisClient = blocking();
        const feed = store.changeFeed(connection);
        let interrupted = false;
        const onSigint = () => {
          interrupted = true;
          connection.disconnect();
        };
        process.once('SIGINT', onSigint);
        try {
          while (!interrupted && !done()) {
            let events: ChangeEvent[];
            try {
              ({ events, position } = await feed.read(position, 500, 1000));
              // A silent Redis makes a blocking read come back empty (ioredis' safety net), not fail: a quiet
              // feed is confirmed with a PING on the command connection, whose timeout turns silence into an error.
              if (events.length === 0) await redis.ping();
            } catch (error) {
              if (interrupted) break;
              throw error;
            }
            // One round trip for the batch; each changed run is shown once, in its latest state.
            const names = [...new Set(events.filter((e) => e.kind === 'Run').map((e) => e.name))];
            const records = await store.getRuns(names);
            const changed: RunRecord[] = [];
            names.forEach((name, i) => {
              const record = records[i];
              if (record && selected(record)) {
                runs.set(name, record);
                changed.push(record);
              } else if (runs.delete(name)) view.removed(name);
            });
            if (changed.length > 0) view.changed(changed, [...runs.values()]);
          }
        } finally {
          process.removeListener('SIGINT', onSigint);
        }
      }),
    );
}

class WatchView {
  private readonly redraw: boolean;
  constructor(private readonly format: 'table' | 'json') {
    this.redraw = format === 'table' && process.stdout.isTTY === true;
  }
  initial(runs: RunRecord[]): void {
    if (this.format === 'json') runs.forEach((r) => this.jsonLine(r));
    else this.table(runs);
  }
  changed(changed: RunRecord[], all: RunRecord[]): void {
    if (this.format === 'json') changed.forEach((r) => this.jsonLine(r));
    else if (this.redraw) this.table(all);
    else for (const r of changed) process.stdout.write(renderTable(RUN_HEADERS, [runRow(r)]).split('\n')[1] + '\n');
  }
  removed(name: string): void {
    if (this.format === 'json') process.stdout.write(`${JSON.stringify({ deleted: name })}\n`);
    else if (!this.redraw) process.stdout.write(`${name} deleted\n`);
  }
  private table(runs: RunRecord[]): void {
    const sorted = [...runs].sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
    const body = sorted.length ? runTable(sorted) : 'No runs found.\n';
    if (this.redraw) {
      const counts = new Map<string, number>();
      for (const r of runs) counts.set(r.status.phase, (counts.get(r.status.phase) ?? 0) + 1);
      const summary = [...counts].map(([phase, n]) => `${phase} ${n}`).join(', ');
      process.stdout.write(`\x1b[H\x1b[2J${body}\n${runs.length} runs${summary ? ` (${summary})` : ''} — ctrl-c to stop\n`);
    } else process.stdout.write(body);
  }
  private jsonLine(run: RunRecord): void {
    process.stdout.write(`${JSON.stringify(run)}\n`);
  }
}
