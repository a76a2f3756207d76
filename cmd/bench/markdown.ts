/** The report as Markdown: the same figures as the JSON, in tables a reader can scan. Pure. */
import type { BenchReport } from './run-bench.js';
import type { Seconds } from './figures.js';

const mib = (bytes: number | undefined) => (bytes === undefined ? 'n/a' : `${(bytes / 1048576).toFixed(1)} MiB`);
const secs = (s: Seconds | undefined) => (s === undefined ? 'n/a | n/a' : `${s.real.toFixed(2)} | ${s.simulated.toFixed(1)}`);
const num = (n: number | undefined) => (n === undefined ? 'n/a' : String(n));

export function renderMarkdown(report: BenchReport, command: string): string {
  const { figures: f, options: o, machine: m } = report;
  const lines: string[] = [];
  const out = (...more: string[]) => lines.push(...more);
  out('# Longshore benchmark', '');
  out(`- Command: \`${command}\``);
  out(`- Started: ${report.startedAt}; namespace ${report.namespace}; machine: ${m.cpus} × ${m.cpuModel}, ${mib(m.totalMemoryBytes)}, ${m.platform}, Node ${m.node}, load average at start ${m.loadAverageAtStart.join(' / ')}`);
  out(`- ${o.runs} runs over ${o.definitions} task definitions, ${o.replicas} controller replicas, time scale ×${o.timeScale}, seed ${o.seed}, scenario \`${o.scenario}\`, ` +
    `tasks run ${o.runSeconds} simulated s, resync every ${o.resyncSeconds} simulated s, task events ${o.events ? 'on' : 'off'}`);
  out(`- Outcome mix: ${Object.entries(o.mix).map(([k, w]) => `${k}=${w}`).join(', ')}`);
  out('', `**Result: ${report.passed ? 'passed' : 'FAILED'}**`, ...report.failures.map((x) => `- ${x}`), '');

  out('## Runs', '', '| Outcome | Runs |', '|---|---|');
  for (const [outcome, n] of Object.entries(f.runs.byOutcome)) out(`| ${outcome} | ${n} |`);
  out(`| not stopped | ${f.runs.notTerminal.length} |`, '');
  out('| Kind | Outcomes |', '|---|---|');
  for (const [kind, row] of Object.entries(f.runs.byKind)) out(`| ${kind} | ${Object.entries(row).map(([k, n]) => `${k} ${n}`).join(', ')} |`);
  out('');

  const l = f.latency;
  out('## Latency', '', '| From submit to | Real s | Simulated s |', '|---|---|---|');
  out(`| first run RUNNING | ${secs(l.submitToFirstRunning)} |`, `| every run RUNNING | ${secs(l.submitToAllRunning)} |`);
  out(`| RUNNING, per run p50 | ${secs(l.submitToRunningPerRun.p50)} |`, `| RUNNING, per run p95 | ${secs(l.submitToRunningPerRun.p95)} |`);
  out(`| RUNNING, per run max | ${secs(l.submitToRunningPerRun.max)} |`, `| every run stopped | ${secs(l.submitToAllStopped)} |`, '');

  const t = f.throughput;
  out('## Launch throughput', '');
  out(`- ${t.firstLaunches} first attempts launched over ${t.launchWindow.simulated.toFixed(1)} simulated s (${t.launchWindow.real.toFixed(2)} s real); ${t.retryLaunches} retries launched besides`);
  out(`- ${num(t.launchesPerSimulatedSecond)} launches per simulated second on average; ${num(t.sustainedAfterBurstPerSimulatedSecond)} after the first ${t.fargateCeiling.burst} (the burst)`);
  out(`- at most ${t.peakLaunchesInOneSimulatedSecond} launches in any one simulated second`);
  out(`- Fargate ceiling: ${t.fargateCeiling.sustainedPerSecond} launches/s sustained, ${t.fargateCeiling.burst} burst`, '');

  const a = f.api;
  out('## ECS API calls (simulator audit)', '', '| Action | ok | throttled | error |', '|---|---|---|---|');
  for (const [action, c] of Object.entries(a.callsByAction).sort()) out(`| ${action} | ${c.ok} | ${c.throttled} | ${c.error} |`);
  out('');
  out(`- RunTask per attempt: ${a.runTaskPerAttempt} (${a.runTaskOk} RunTask for ${a.attempts} attempts; ${a.tasksLaunched} tasks launched)`);
  out(`- DescribeTasks per run: ${a.describeTasksPerRun}; successful ECS calls per run: ${a.callsPerRun}`);
  out(`- RegisterTaskDefinition: ${a.registerTaskDefinitionOk} for ${a.distinctDefinitions} distinct definitions`, '');

  const th = f.throttles;
  out('## Throttles', '');
  out(`- seen by the simulator: ${th.simulator}${th.simulator > 0 ? ` (${Object.entries(th.simulatorByAction).map(([k, n]) => `${k} ${n}`).join(', ')})` : ''}`);
  out(`- seen by the controllers (longshore_ecs_api_throttles_total): ${th.controllers}`);
  out(`- calls delayed for want of a budget token (longshore_budget_exhausted_total): ${th.budgetExhausted}${th.budgetExhausted > 0 ? ` (${Object.entries(th.budgetExhaustedByCategory).map(([k, n]) => `${k} ${n}`).join(', ')})` : ''}`);
  out(`- runs whose status shows a throttling error: ${th.runsReachedByThrottle.length}`, '');

  out('## Memory and CPU', '', '| Process | Peak RSS (VmHWM) | CPU s during the run |', '|---|---|---|');
  for (const r of f.replicas) out(`| ${r.name} | ${mib(r.peakRssBytes)} | ${num(r.cpuSeconds)} |`);
  out(`| simulator (benchmark process) | | ${report.cpu.simulatorProcessSeconds} |`, '');
  const redis = report.memory.redisUsedMemoryBytes;
  out(`- Redis used_memory: ${mib(redis.before)} before, ${mib(redis.peak)} peak, ${mib(redis.after)} after (the whole server; other users share it)`);
  out(`- this run's keys at the end: ${report.memory.namespaceAtEnd.keys} keys, ${mib(report.memory.namespaceAtEnd.bytes)} (MEMORY USAGE)`, '');
  return lines.join('\n');
}
