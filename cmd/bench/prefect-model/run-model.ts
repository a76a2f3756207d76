/**
 * MODEL, not product code: runs the benchmark's burst workload through several Prefect ECS worker processes
 * (ecs-worker.ts; each with its own cache and clients, as separately deployed worker processes have) against a
 * fresh simulator with the same seed, scenario and throttles, and reports what the side-by-side table compares.
 */
import { ECSClient } from '@aws-sdk/client-ecs';
import { EC2Client } from '@aws-sdk/client-ec2';
import { mulberry32, startSimulator, type SimulatorAudit } from '@longshore/simulator';
import { planRuns, poolDocument, RUN_KINDS, type OutcomeMix, type PlannedRun } from '../workload.js';
import { PREFECT_DEFAULTS, PrefectEcsWorkerModel, type ModelFlowRun, type ModelRunResult } from './ecs-worker.js';
import type { RetryCounters } from './boto-retries.js';

export interface ModelOptions {
  runs: number;
  definitions: number;
  timeScale: number;
  seed: number;
  /** Resolved scenario (as startSimulator takes it). */
  scenario: object | string;
  mix: OutcomeMix;
  runSeconds: number;
  unthrottled: boolean;
  workers: number;
  deadlineSeconds: number;
  log: (line: string) => void;
  signal?: AbortSignal;
}

export interface ModelReport {
  label: string;
  workers: number;
  runs: number;
  byOutcome: Record<string, number>;
  /** Runs that did not end as their kind expects (a crash, a failure of a run meant to succeed, a run not finished). */
  failedRuns: number;
  failedExamples: string[];
  notFinished: number;
  makespan: { real: number; simulated: number } | undefined;
  submitToAllRunningSimulated: number | undefined;
  callsByAction: SimulatorAudit['calls'];
  callsPerRunByAction: Record<string, number>;
  throttlesAtSimulator: number;
  sdkRetries: number;
}

const round = (value: number) => Math.round(value * 1000) / 1000;
const sleepReal = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function flowRun(p: PlannedRun): ModelFlowRun {
  const spec = p.document.spec as { deployment: string; env: Record<string, string> };
  return { name: p.name, deployment: spec.deployment, env: spec.env, spot: p.kind === 'spot' };
}

export async function runPrefectModel(o: ModelOptions): Promise<ModelReport> {
  const sim = await startSimulator({ timeScale: o.timeScale, seed: o.seed, scenario: o.scenario, throttling: o.unthrottled ? false : undefined });
  const clients: Array<{ destroy(): void }> = [];
  try {
    o.log(`prefect-worker model: ${o.workers} worker processes against a fresh simulator ${sim.url} (MODEL of Prefect's ECS worker, not Longshore)`);
    const planned = planRuns({ runs: o.runs, definitions: o.definitions, mix: o.mix, seed: o.seed, runSeconds: o.runSeconds });
    const random = mulberry32(o.seed + 1);
    const counters: RetryCounters = { retries: 0, throttles: 0 };
    const sleep = (simulatedSeconds: number) => sleepReal((simulatedSeconds * 1000) / o.timeScale);
    const config = { endpoint: sim.url, region: sim.region, maxAttempts: 1, credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' } };
    const workers = Array.from({ length: o.workers }, (_, i) => {
      const ecs = new ECSClient(config);
      const ec2 = new EC2Client(config);
      clients.push(ecs, ec2);
      return new PrefectEcsWorkerModel(`worker-${i + 1}`, {
        ecs, ec2, cluster: 'default', image: poolDocument().spec.image, random, sleep, counters,
        simulatedNow: () => (Date.now() / 1000) * o.timeScale,
      });
    });

    // The work pool: scheduled runs in order; each worker polls every query_seconds (first poll at a random
    // offset, as workers start at different moments) and takes at most one page of them.
    const scheduled = planned.map(flowRun);
    const results: Array<Promise<ModelRunResult>> = [];
    const submitMs = Date.now();
    const deadline = submitMs + o.deadlineSeconds * 1000;
    const poll = async (worker: PrefectEcsWorkerModel) => {
      await sleep(random() * PREFECT_DEFAULTS.querySeconds);
      while (scheduled.length > 0 && Date.now() < deadline && !o.signal?.aborted) {
        for (const run of scheduled.splice(0, PREFECT_DEFAULTS.scheduledRunsPerQuery)) results.push(worker.run(run));
        await sleep(PREFECT_DEFAULTS.querySeconds);
      }
    };
    await Promise.all(workers.map(poll));
    let finished: ModelRunResult[] = [];
    const all = Promise.all(results).then((r) => (finished = r));
    for (let last = 0; finished.length === 0 && Date.now() < deadline && !o.signal?.aborted;) {
      await Promise.race([all, sleepReal(250)]);
      if (Date.now() - last >= 5000) {
        last = Date.now();
        o.log(`prefect-worker model ${((Date.now() - submitMs) / 1000).toFixed(1)} s: ${results.length} runs taken by the workers, ${scheduled.length} still scheduled`);
      }
    }
    const audit = sim.audit();
    const kinds = new Map(planned.map((p) => [p.name, p.kind]));
    const byOutcome: Record<string, number> = {};
    const failed: string[] = [];
    for (const r of finished) {
      byOutcome[r.outcome] = (byOutcome[r.outcome] ?? 0) + 1;
      const kind = kinds.get(r.name);
      if (kind !== undefined && RUN_KINDS[kind].outcome !== r.outcome) failed.push(`${r.name} (${kind}): ${r.outcome} ${r.message ?? ''}`.trim());
    }
    const notFinished = o.runs - finished.length;
    const lastFinished = finished.length === o.runs ? Math.max(...finished.map((r) => r.finishedAtMs)) : undefined;
    const running = finished.map((r) => r.runningAtMs).filter((t): t is number => t !== undefined);
    return {
      label: `MODEL of Prefect's ECS worker (${o.workers} worker processes)`,
      workers: o.workers,
      runs: o.runs,
      byOutcome,
      failedRuns: failed.length + notFinished,
      failedExamples: failed.slice(0, 5),
      notFinished,
      makespan: lastFinished === undefined ? undefined : { real: round((lastFinished - submitMs) / 1000), simulated: round(((lastFinished - submitMs) / 1000) * o.timeScale) },
      submitToAllRunningSimulated: running.length === o.runs ? round(((Math.max(...running) - submitMs) / 1000) * o.timeScale) : undefined,
      callsByAction: audit.calls,
      callsPerRunByAction: Object.fromEntries(Object.entries(audit.calls).map(([a, c]) => [a, round((c.ok + c.throttled + c.error) / o.runs)])),
      throttlesAtSimulator: Object.values(audit.calls).reduce((n, c) => n + c.throttled, 0),
      sdkRetries: counters.retries,
    };
  } finally {
    for (const c of clients) c.destroy();
    await sim.close();
  }
}
