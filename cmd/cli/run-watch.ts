/**
 * `longshore run watch`: a live table of runs, redrawn from the change feed (no polling). On a terminal the
 * table is drawn in place on the alternate screen, like watch(1): the header stays on the top line, the table
 * is cut to the terminal's height (a last line says how many runs did not fit) and width, and the screen is
 * restored on exit, where the final table is printed once. Otherwise the first table is printed and then one
 * line per change (`-o json`: one JSON record per line). Ends on SIGINT, or with --until-done once every
 * selected run has stopped.
 */
import { Command, Option } from 'commander';
import { PHASES, type Phase, type RunRecord } from '../../controller/api/index.js';
import { matchesSelector, parseSelector } from '../../controller/store/index.js';
import { asDocument, renderTable } from './output.js';
import { phaseOption } from './run-select.js';
import { RUN_HEADERS, runRow, runTable } from './run-view.js';
import { withSession } from './session.js';

interface WatchOptions {
  selector?: string;
  phase?: Phase;
  pool?: string;
  untilDone?: boolean;
  output: 'table' | 'json';
}

/** How long one read of the feed waits before checking for SIGINT and a silent backend. */
const READ_WAIT_MS = 1000;

export function runWatchCommand(): Command {
  return new Command('watch')
    .description('watch runs change live (ctrl-c to stop)')
    .option('-l, --selector <selector>', 'label selector')
    .addOption(phaseOption())
    .option('--pool <pool>', 'only runs of this pool')
    .option('--until-done', 'exit once every selected run has stopped')
    .addOption(new Option('-o, --output <format>', 'table, or json lines').choices(['table', 'json']).default('table'))
    .action(
      withSession(async ({ backend }, options: WatchOptions) => {
        const selector = parseSelector(options.selector ?? '');
        const selected = (r: RunRecord) =>
          matchesSelector(selector, r.metadata.labels) && (!options.phase || r.status.phase === options.phase) && (!options.pool || r.spec.pool === options.pool);
        // Take the feed position before listing, so no change between the two is missed.
        let position = await backend.changesPosition();
        const runs = new Map((await backend.listRuns(options)).map((r) => [r.metadata.name, r]));
        const view = options.output === 'json' ? new JsonLines() : process.stdout.isTTY ? new ScreenView() : new LineView();
        const done = () => options.untilDone === true && [...runs.values()].every((r) => r.status.phase === 'stopped');

        let interrupt: () => void = () => undefined;
        const interrupted = new Promise<'interrupted'>((resolve) => (interrupt = () => resolve('interrupted')));
        process.once('SIGINT', interrupt);
        view.start([...runs.values()]);
        try {
          while (!done()) {
            const next = await Promise.race([backend.nextChanges(position, READ_WAIT_MS), interrupted]);
            if (next === 'interrupted') break;
            position = next.position;
            // One round trip for the batch; each changed run is shown once, in its latest state.
            const records = await backend.getRuns(next.runs);
            const changed: RunRecord[] = [];
            next.runs.forEach((name, i) => {
              const record = records[i];
              if (record && selected(record)) {
                runs.set(name, record);
                changed.push(record);
              } else if (runs.delete(name)) view.removed(name, [...runs.values()]);
            });
            if (changed.length > 0) view.changed(changed, [...runs.values()]);
          }
        } finally {
          process.removeListener('SIGINT', interrupt);
          view.end([...runs.values()]);
        }
      }),
    );
}

interface WatchView {
  start(all: RunRecord[]): void;
  changed(changed: RunRecord[], all: RunRecord[]): void;
  removed(name: string, all: RunRecord[]): void;
  end(all: RunRecord[]): void;
}

const byName = (runs: RunRecord[]) => [...runs].sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
const tableOf = (runs: RunRecord[]) => (runs.length ? runTable(byName(runs)) : 'No runs found.\n');

class JsonLines implements WatchView {
  start(all: RunRecord[]): void {
    byName(all).forEach((r) => this.line(r));
  }
  changed(changed: RunRecord[]): void {
    changed.forEach((r) => this.line(r));
  }
  removed(name: string): void {
    process.stdout.write(`${JSON.stringify({ deleted: name })}\n`);
  }
  end(): void {}
  private line(run: RunRecord): void {
    process.stdout.write(`${JSON.stringify(asDocument(run))}\n`);
  }
}

/** Not a terminal: the first table, then a line per change, so the output reads as a log. */
class LineView implements WatchView {
  start(all: RunRecord[]): void {
    process.stdout.write(tableOf(all));
  }
  changed(changed: RunRecord[]): void {
    for (const r of changed) process.stdout.write(renderTable(RUN_HEADERS, [runRow(r)]).split('\n')[1] + '\n');
  }
  removed(name: string): void {
    process.stdout.write(`${name} deleted\n`);
  }
  end(): void {}
}

const ESC = '\x1b[';
/** Alternate screen on and cursor hidden; and back. */
const ENTER = `${ESC}?1049h${ESC}?25l`;
const LEAVE = `${ESC}?25h${ESC}?1049l`;

/** A terminal: the whole table drawn in place, top-left, never taller or wider than the screen. */
export class ScreenView implements WatchView {
  private latest: RunRecord[] = [];
  private readonly onResize = () => this.draw(this.latest);
  private active = false;

  start(all: RunRecord[]): void {
    this.active = true;
    process.stdout.write(ENTER);
    process.stdout.on('resize', this.onResize);
    this.draw(all);
  }
  changed(_changed: RunRecord[], all: RunRecord[]): void {
    this.draw(all);
  }
  removed(_name: string, all: RunRecord[]): void {
    this.draw(all);
  }
  end(all: RunRecord[]): void {
    if (!this.active) return;
    this.active = false;
    process.stdout.off('resize', this.onResize);
    process.stdout.write(LEAVE);
    process.stdout.write(tableOf(all));
  }

  private draw(all: RunRecord[]): void {
    this.latest = all;
    process.stdout.write(screenFrame(all, process.stdout.rows || 24, process.stdout.columns || 80));
  }
}

/** One frame: cursor home, each line cut to `columns` and cleared to its end, the rest of the screen cleared. */
export function screenFrame(runs: RunRecord[], rows: number, columns: number, now: number = Date.now()): string {
  const count = (phase: Phase) => runs.filter((r) => r.status.phase === phase).length;
  const summary = PHASES.filter((p) => count(p) > 0).map((p) => `${p} ${count(p)}`).join(', ');
  const footer = `${runs.length} runs${summary ? ` (${summary})` : ''} — ctrl-c to stop`;
  const table = runs.length ? runTable(byName(runs), now).trimEnd().split('\n') : ['No runs found.'];
  // The footer takes the last row; a table taller than the rest is cut, saying how many runs are not shown.
  const room = Math.max(1, rows - 1);
  const body = table.length <= room ? table : [...table.slice(0, room - 1), `… ${table.length - room + 1} more (make the terminal taller, or narrow with -l / --phase)`];
  const cut = (line: string) => (line.length > columns ? line.slice(0, Math.max(0, columns - 1)) + '…' : line);
  return `${ESC}H${[...body, footer].map((l) => `${cut(l)}${ESC}K`).join('\r\n')}${ESC}J`;
}
