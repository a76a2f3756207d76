/** The report as Markdown: the same figures as the JSON, in tables a reader can scan. Pure. */
import type { BenchReport } from './run-bench.js';
import type { Seconds } from './figures.js';
import type { Spread } from './repeat.js';
import type { ModelReport } from './prefect-model/run-model.js';

const mib = (bytes: number | undefined) => (bytes === undefined ? 'n/a' : `${(bytes / 1048576).toFixed(1)} MiB`);
const secs = (s: Seconds | undefined) => (s === undefined ? 'n/a | n/a' : `${s.real.toFixed(2)} | ${s.simulated.toFixed(1)}`);
const num = (n: number | undefined) => (n === undefined ? 'n/a' : String(n));

const orNa = (n: number | null | undefined) => (n === null || n === undefined ? 'n/a' : String(n));

export function renderMarkdown(report: BenchReport, command: string, repeat?: { runs: number; spread: Record<string, Spread> }, model?: ModelReport): string {
  const { options: o, machine: m } = report;
  const lines: string[] = [];
  const out = (...more: string[]) => lines.push(...more);
  out('# Longshore benchmark', '');
  out(`- Command: \`${command}\``);
  out(`- Started: ${report.startedAt}; namespace ${report.namespace}; machine: ${m.cpus} × ${m.cpuModel}, ${mib(m.totalMemoryBytes)}, ${m.platform}, Node ${m.node}; ` +
    `load average ${report.loadAverage.start.join(' / ')} at start, ${report.loadAverage.end.join(' / ')} at end; Redis: a dedicated redis-server (${report.redis.url})`);
  out(`- ${o.runs} runs over ${o.definitions} task definitions${o.regions > 1 ? ` in ${o.regions} Regions (one pool each)` : ''}, ${o.replicas} controller replicas, time scale ×${o.timeScale}, seed ${o.seed}, scenario \`${o.scenario}\`, ` +
    `tasks run ${o.runSeconds} simulated s, resync every ${o.resyncSeconds} simulated s, task events ${o.events ? 'on' : 'off'}, ` +
    `${o.unthrottled ? 'budgets and simulator throttles OFF (--unthrottled)' : 'AWS-default budgets and throttles'}`);
  out(`- Outcome mix: ${Object.entries(o.mix).map(([k, w]) => `${k}=${w}`).join(', ')}; cancel phase ${o.cancelRuns} runs; rest phase ${o.restTasks} tasks for ${o.restSeconds} s`);
  out('', `**Result: ${report.passed ? 'passed' : 'FAILED'}**`, ...report.failures.map((x) => `- ${x}`), '');
  out(...shareLines(report));

  out('## Headline (issue 10\'s figures)', '', '| Figure | Value |', '|---|---|');
  out(`| efficiency (bucket lower bound ÷ submit → last RUNNING) | ${orNa(report.efficiency)} |`);
  out(`| efficiency ceiling (what perfect pacing scores with these tasks' start times) | ${orNa(report.efficiencyCeiling)} |`);
  out(`| launch window efficiency (ideal ÷ measured) | ${orNa(report.launchWindowEfficiency)} |`);
  out(`| first launches per simulated second, ${orNa(report.regions)} Region(s) (bound: ${report.regions ?? 1} × 20 sustained) | ${orNa(report.launchesPerSimulatedSecond)} |`);
  out(`| Redis commands per run (all replicas) | ${orNa(report.redisCommandsPerRun)} |`);
  out(`| controller CPU ms per run (all replicas) | ${orNa(report.controllerCpuMsPerRun)} |`);
  out(`| runs per second per replica, end to end | ${orNa(report.runsPerSecondPerReplica)} |`);
  out(`| peak RSS, largest replica (MB) | ${orNa(report.peakRssMb)} |`);
  out(`| cores at rest, busiest replica | ${orNa(report.resyncCoresAtRest)} |`);
  out(`| DescribeTasks per run-minute at rest | ${orNa(report.describeTasksPerRunMinute)} |`);
  out(`| cancel → StopTask p50 / p99 (ms) | ${report.cancelLatencyMs ? `${report.cancelLatencyMs.p50} / ${report.cancelLatencyMs.p99}` : 'n/a'} |`);
  out(`| StopTask calls per cancelled run | ${orNa(report.stopTaskCallsPerCancelledRun)} |`, '');
  if (model !== undefined && report.burst !== undefined) out(...sideBySide(report, model));
  if (repeat !== undefined) {
    out(`## Over ${repeat.runs} repeats (median, min – max)`, '', '| Figure | Median | Min | Max |', '|---|---|---|---|');
    for (const [name, s] of Object.entries(repeat.spread)) out(`| ${name} | ${s.median} | ${s.min} | ${s.max} |`);
    out('', 'The sections below are the first repeat\'s.', '');
  }
  if (report.cancel) {
    const c = report.cancel;
    out('## Cancel phase', '', `- ${c.runs} RUNNING runs cancelled at once (control messages): cancel → StopTask p50 ${c.latencyMs.p50} ms, p99 ${c.latencyMs.p99} ms, max ${c.latencyMs.max} ms (real)`);
    out(`- ${c.stopTaskCalls} StopTask calls (${c.stopTaskCallsPerRun} per run); ${c.notStopped} tasks never received one; every run stopped after ${orNa(c.allStoppedRealSeconds)} real s`, '');
  }
  if (report.rest) {
    const r = report.rest;
    out('## Rest phase', '', `- ${r.tasks} tasks RUNNING, nothing changing, watched ${r.realSeconds} real s`);
    out(`- CPU cores per replica: ${Object.entries(r.coresPerReplica).map(([k, v]) => `${k} ${v}`).join(', ')}`);
    out(`- DescribeTasks: ${r.describeTasks} (${r.describeTasksPerRunMinute} per run-minute); Redis commands per second (all replicas): ${r.redisCommandsPerSecond}`, '');
  }
  const burst = report.burst;
  if (burst === undefined) return lines.join('\n');
  const f = burst.figures;

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
  out(`| RUNNING, per run max | ${secs(l.submitToRunningPerRun.max)} |`, `| every run stopped | ${secs(l.submitToAllStopped)} |`);
  out(`| first RunTask accepted (admission, wake-up, task definitions) | ${secs(f.throughput.submitToFirstLaunch)} |`, '');

  const t = f.throughput;
  out('## Launch throughput', '');
  out(`- ${t.firstLaunches} first attempts launched over ${t.launchWindow.simulated.toFixed(1)} simulated s (${t.launchWindow.real.toFixed(2)} s real); ${t.retryLaunches} retries launched besides`);
  out(`- ${num(t.launchesPerSimulatedSecond)} launches per simulated second on average; ${num(t.sustainedAfterBurstPerSimulatedSecond)} after the first ${t.fargateCeiling.burst} (the burst)`);
  out(`- at most ${t.peakLaunchesInOneSimulatedSecond} launches in any one simulated second`);
  out(`- Fargate ceiling: ${t.fargateCeiling.sustainedPerSecond} launches/s sustained, ${t.fargateCeiling.burst} burst, per account and Region`);
  const regions = Object.entries(t.byRegion);
  if (regions.length > 1) out(`- by Region: ${regions.map(([r, x]) => `${r} ${x.firstLaunches} launches, ${num(x.launchesPerSimulatedSecond)}/s`).join('; ')}`);
  out('');

  const a = f.api;
  out('## ECS API calls (simulator audit)', '', '| Action | ok | throttled | error |', '|---|---|---|---|');
  for (const [action, c] of Object.entries(a.callsByAction).sort()) out(`| ${action} | ${c.ok} | ${c.throttled} | ${c.error} |`);
  out('');
  out(`- RunTask per attempt: ${a.runTaskPerAttempt} (${a.runTaskOk} RunTask for ${a.attempts} attempts; ${a.tasksLaunched} tasks launched)`);
  out(`- DescribeTasks per run: ${a.describeTasksPerRun}; successful ECS calls per run: ${a.callsPerRun}`);
  out(`- RegisterTaskDefinition: ${a.registerTaskDefinitionOk} for ${a.distinctDefinitions} distinct definitions`, '');
  out(`- reconciles (jobs processed, every replica): ${f.reconciles.runReconcilesPerRun} run reconciles per run; by reconciler: ${Object.entries(f.reconciles.byReconciler).map(([k, n]) => `${k} ${n}`).join(', ') || 'none'}`, '');

  const th = f.throttles;
  out('## Throttles', '');
  out(`- seen by the simulator: ${th.simulator}${th.simulator > 0 ? ` (${Object.entries(th.simulatorByAction).map(([k, n]) => `${k} ${n}`).join(', ')})` : ''}`);
  out(`- seen by the controllers (longshore_ecs_api_throttles_total): ${th.controllers}`);
  out(`- calls delayed for want of a budget token (longshore_budget_exhausted_total): ${th.budgetExhausted}${th.budgetExhausted > 0 ? ` (${Object.entries(th.budgetExhaustedByCategory).map(([k, n]) => `${k} ${n}`).join(', ')})` : ''}`);
  out(`- runs whose status shows a throttling error: ${th.runsReachedByThrottle.length}`, '');

  out('## Memory and CPU (burst)', '', '| Process | Peak RSS (VmHWM) after the burst | CPU s during the burst |', '|---|---|---|');
  for (const r of f.replicas) out(`| ${r.name} | ${mib(r.peakRssBytes)} | ${num(r.cpuSeconds)} |`);
  out(`| simulator (benchmark process) | | ${burst.simulatorProcessCpuSeconds} |`, '');
  const redis = burst.memory.redisUsedMemoryBytes;
  out(`- Redis used_memory: ${mib(redis.before)} before, ${mib(redis.peak)} peak, ${mib(redis.after)} after`);
  out(`- this run's keys at the end of the burst: ${burst.memory.namespaceAtEnd.keys} keys, ${mib(burst.memory.namespaceAtEnd.bytes)} (MEMORY USAGE)`);
  out(`- Redis commands during the burst: ${burst.redisCommands.total}; most frequent: ${Object.entries(burst.redisCommands.byCommand).slice(0, 12).map(([k, n]) => `${k} ${n}`).join(', ')}`, '');
  return lines.join('\n');
}

/** Longshore's burst next to the Prefect worker model's run of the same workload. */
function sideBySide(report: BenchReport, model: ModelReport): string[] {
  const f = report.burst?.figures;
  if (f === undefined) return [];
  const runs = f.runs.total || 1;
  const lsCalls = f.api.callsByAction;
  const actions = [...new Set([...Object.keys(lsCalls), ...Object.keys(model.callsByAction)])].sort();
  const per = (c: { ok: number; throttled: number; error: number } | undefined, n: number) => (c === undefined ? '0' : String(Math.round(((c.ok + c.throttled + c.error) / n) * 1000) / 1000));
  const lines = [
    `## Side by side: Longshore and a MODEL of Prefect's ECS worker (${model.workers} worker processes)`, '',
    'The right-hand column is a model (cmd/bench/prefect-model/, docs/benchmark.md), not Prefect itself: the same workload, seed, scenario and throttles, a fresh simulator.', '',
    '| Figure | Longshore | Prefect worker (model) |', '|---|---|---|',
    `| runs | ${f.runs.total} | ${model.runs} |`,
    `| failed runs (not the outcome the kind expects, or never finished) | ${f.runs.unexpected.length + f.runs.notTerminal.length} | ${model.failedRuns} |`,
    `| outcomes | ${Object.entries(f.runs.byOutcome).filter(([, n]) => n > 0).map(([k, n]) => `${k} ${n}`).join(', ')} | ${Object.entries(model.byOutcome).map(([k, n]) => `${k} ${n}`).join(', ')}${model.notFinished ? `, not finished ${model.notFinished}` : ''} |`,
    `| makespan: submit → every run finished (simulated s) | ${f.latency.submitToAllStopped?.simulated ?? 'n/a'} | ${model.makespan?.simulated ?? 'n/a'} |`,
    `| submit → every run RUNNING (simulated s) | ${f.latency.submitToAllRunning?.simulated ?? 'n/a'} | ${model.submitToAllRunningSimulated ?? 'n/a (not every run ran)'} |`,
    `| throttles answered by the simulator | ${f.throttles.simulator} | ${model.throttlesAtSimulator} |`,
    `| SDK retries (model) / gateway throttles seen (Longshore) | ${f.throttles.controllers} | ${model.sdkRetries} |`,
    ...actions.map((a) => `| ${a} calls per run (all answers) | ${per(lsCalls[a], runs)} | ${per(model.callsByAction[a], model.runs)} |`),
    '',
  ];
  if (model.failedExamples.length > 0) lines.push(`Model failures, e.g.: ${model.failedExamples.map((x) => `\`${x.slice(0, 160)}\``).join('; ')}`, '');
  return lines;
}

/** The fair-share phases (issue 11), measured next to their targets. */
function shareLines(report: BenchReport): string[] {
  const lines: string[] = [];
  const { share, priority } = report;
  if (share === undefined && priority === undefined) return lines;
  lines.push('## Fair share (issue 11)', '', '| Scenario | Target | Measured |', '|---|---|---|');
  if (share !== undefined) {
    lines.push(`| weights ${share.weights.join(':')}, ${share.runsPerPool} runs each at once: first pool's share of launches while both wait | ${share.targetSharePercent} % ± 5 | ` +
      `${share.firstPoolSharePercent} % (${share.launchesWhileBothWaited.join(' + ')} launches; ${share.launched.join(' and ')} launched in all, ${share.realSeconds} s real) |`);
  }
  if (priority !== undefined) {
    lines.push(`| ${priority.urgentRuns} priority-1 runs behind a ${priority.backlogRuns}-run priority-0 backlog: submit → last launch | ≤ ${priority.targetSimulatedSeconds} simulated s | ` +
      `${priority.urgentLastLaunchSimulatedSeconds === undefined ? 'not all launched' : `${priority.urgentLastLaunchSimulatedSeconds} simulated s`} ` +
      `(${priority.backlogLaunchedBeforeUrgent} backlog runs launched before; ${priority.backlogLaunchedMeanwhile ?? 'n/a'} meanwhile) |`);
  }
  lines.push('');
  return lines;
}
