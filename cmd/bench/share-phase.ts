/**
 * The fair-share phases of the benchmark (issue 11), on the replicas of the run:
 *   share    — two pools with weights a and b each submit N runs at the same moment; while both still have
 *              runs waiting to launch, their launches should split a : b (3,1: 75 % and 25 %, ± 5 points);
 *   priority — a priority-0 pool submits a backlog of B runs; once its first launches are out (the rest are
 *              waiting), a priority-1 pool submits U runs, which should all launch within their own ceiling
 *              time (U at the 20/s Fargate launch rate) plus one provisioning time (8 simulated seconds, the
 *              simulator's longest).
 * A launch is when a run's first RunTask was accepted (its first attempt's submittedAt), as in figures.ts.
 */
import type { RunRecord } from '../../controller/api/run.js';
import { listAll, type ResourceStore } from '../../controller/store/index.js';
import { API_VERSION, poolDocument } from './workload.js';

/** The Fargate launch rate per account-region (docs/ecs-facts.md#throttling), in simulated seconds. */
const LAUNCHES_PER_SECOND = 20;
/** The simulator's longest provisioning phase (simulator/scenario.ts: uniform 3-8 s). */
const PROVISIONING_SECONDS = 8;

export interface ShareReading {
  weights: [number, number];
  runsPerPool: number;
  /** Launches of each pool up to the moment the first pool had launched every run (both had work waiting). */
  launchesWhileBothWaited: [number, number];
  /** The first pool's share of those launches, in percent; the target is weight a / (a + b). */
  firstPoolSharePercent: number;
  targetSharePercent: number;
  /** Launched runs of each pool at the end of the wait (all of them unless the deadline passed). */
  launched: [number, number];
  realSeconds: number;
}

export interface PriorityReading {
  backlogRuns: number;
  urgentRuns: number;
  /** Backlog runs launched before the urgent runs were submitted. */
  backlogLaunchedBeforeUrgent: number;
  /** Simulated seconds from the urgent runs' submit to their last launch. */
  urgentLastLaunchSimulatedSeconds?: number;
  /** Their ceiling time plus one provisioning time, simulated seconds. */
  targetSimulatedSeconds: number;
  /** Backlog runs launched between the urgent submit and the urgent pool's last launch. */
  backlogLaunchedMeanwhile?: number;
}

export interface SharePhaseContext {
  store: ResourceStore;
  timeScale: number;
  definitions: number;
  runSeconds: number;
  deadlineSeconds: number;
  log: (line: string) => void;
  signal?: AbortSignal;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const round = (value: number, digits = 1) => Math.round(value * 10 ** digits) / 10 ** digits;

function pool(name: string, scheduling: { weight?: number; priority?: number }) {
  const document = poolDocument();
  return { ...document, metadata: { name }, spec: { ...document.spec, scheduling } };
}

function runs(poolName: string, count: number, ctx: SharePhaseContext) {
  return Array.from({ length: count }, (_, i) => ({
    apiVersion: API_VERSION, kind: 'Run' as const, metadata: { name: `${poolName}-${String(i).padStart(5, '0')}` },
    spec: { pool: poolName, deployment: `flow-${i % ctx.definitions}`, env: { SIM_RUN_SECONDS: String(ctx.runSeconds) } },
  }));
}

async function submit(ctx: SharePhaseContext, documents: ReturnType<typeof runs>): Promise<void> {
  for (let i = 0; i < documents.length; i += 1000) await ctx.store.submit(documents.slice(i, i + 1000), { mode: 'create' });
}

/** Each pool's launch times (real ms, sorted). */
async function launchTimes(ctx: SharePhaseContext, pools: string[]): Promise<Map<string, number[]>> {
  const records: RunRecord[] = await listAll((cursor) => ctx.store.listRuns({ limit: 500, cursor }));
  const times = new Map(pools.map((p) => [p, [] as number[]]));
  for (const record of records) {
    const first = record.status.attempts[0];
    if (first?.submittedAt === undefined || first.taskArn === undefined) continue;
    times.get(record.spec.pool)?.push(Date.parse(first.submittedAt));
  }
  for (const list of times.values()) list.sort((a, b) => a - b);
  return times;
}

/** Polls until `done` or the deadline; answers the last launch times read. */
async function waitLaunches(ctx: SharePhaseContext, label: string, pools: string[], done: (times: Map<string, number[]>) => boolean): Promise<Map<string, number[]>> {
  const started = Date.now();
  for (;;) {
    const times = await launchTimes(ctx, pools);
    ctx.log(`${label} ${((Date.now() - started) / 1000).toFixed(1)} s  ${pools.map((p) => `${p} ${times.get(p)?.length ?? 0}`).join('  ')}`);
    if (done(times) || Date.now() - started > ctx.deadlineSeconds * 1000 || ctx.signal?.aborted) return times;
    await sleep(2000);
  }
}

export async function sharePhase(ctx: SharePhaseContext, weights: [number, number], runsPerPool: number): Promise<ShareReading> {
  const names = ['share-a', 'share-b'];
  await ctx.store.submit(names.map((name, i) => pool(name, { weight: weights[i] })), { mode: 'apply' });
  const documents = names.flatMap((name) => runs(name, runsPerPool, ctx));
  // Interleaved, so neither pool's runs reach the queues first.
  const interleaved = documents.map((_, i) => documents[(i % 2) * runsPerPool + Math.floor(i / 2)]);
  const started = Date.now();
  await submit(ctx, interleaved);
  const times = await waitLaunches(ctx, 'share', names, (t) => names.every((n) => (t.get(n)?.length ?? 0) >= runsPerPool));
  const [a, b] = names.map((n) => times.get(n) ?? []);
  // Both had work waiting until the first of them launched its last run.
  const end = Math.min(a.length >= runsPerPool ? a[a.length - 1] : Infinity, b.length >= runsPerPool ? b[b.length - 1] : Infinity);
  const upTo = (list: number[]) => list.filter((t) => t <= end).length;
  const both: [number, number] = [upTo(a), upTo(b)];
  return {
    weights, runsPerPool,
    launchesWhileBothWaited: both,
    firstPoolSharePercent: round((100 * both[0]) / Math.max(1, both[0] + both[1])),
    targetSharePercent: round((100 * weights[0]) / (weights[0] + weights[1])),
    launched: [a.length, b.length],
    realSeconds: round((Date.now() - started) / 1000),
  };
}

export async function priorityPhase(ctx: SharePhaseContext, backlogRuns: number, urgentRuns: number): Promise<PriorityReading> {
  await ctx.store.submit([pool('backlog', { priority: 0 }), pool('urgent', { priority: 1 })], { mode: 'apply' });
  await submit(ctx, runs('backlog', backlogRuns, ctx));
  // The urgent runs arrive behind the backlog: once its first launches are out and the rest wait their turn.
  const behind = Math.min(backlogRuns, 100);
  const before = await waitLaunches(ctx, 'priority backlog', ['backlog'], (t) => (t.get('backlog')?.length ?? 0) >= behind);
  const urgentSubmitMs = Date.now();
  await submit(ctx, runs('urgent', urgentRuns, ctx));
  const times = await waitLaunches(ctx, 'priority', ['backlog', 'urgent'], (t) => (t.get('urgent')?.length ?? 0) >= urgentRuns);
  const urgent = times.get('urgent') ?? [];
  const last = urgent.length >= urgentRuns ? urgent[urgent.length - 1] : undefined;
  return {
    backlogRuns, urgentRuns,
    backlogLaunchedBeforeUrgent: before.get('backlog')?.length ?? 0,
    ...(last !== undefined ? {
      urgentLastLaunchSimulatedSeconds: round(((last - urgentSubmitMs) / 1000) * ctx.timeScale),
      backlogLaunchedMeanwhile: (times.get('backlog') ?? []).filter((t) => t > urgentSubmitMs && t <= last).length,
    } : {}),
    targetSimulatedSeconds: urgentRuns / LAUNCHES_PER_SECOND + PROVISIONING_SECONDS,
  };
}
