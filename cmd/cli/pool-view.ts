/** How pools look to people: list rows and the `pool describe` page (settings and the pool's runs by phase). */
import type { PoolShare } from '../../controller/aws/pool-shares.js';
import { PHASES, poolLaunchType, type Phase, type PoolRecord } from '../../controller/api/index.js';
import { maskedEnv, maskValue } from './masking.js';
import { age, asDocument, labelsText, type Columns } from './output.js';

const launch = (p: PoolRecord) =>
  p.spec.capacityProviderStrategy ? p.spec.capacityProviderStrategy.map((s) => s.capacityProvider).join('+') : poolLaunchType(p.spec) ?? '-';

export const POOL_COLUMNS: Columns<PoolRecord> = {
  kind: 'pool',
  headers: ['NAME', 'CLUSTER', 'LAUNCH', 'TASKDEF', 'IMAGE', 'MAX-RUNNING', 'AGE'],
  row: (p, now) => [
    p.metadata.name,
    p.spec.cluster ?? 'default',
    launch(p),
    p.spec.taskDefinitionArn ? 'arn' : 'template',
    p.spec.image ?? '-',
    `${p.spec.limits.maxRunning ?? '-'}`,
    age(p.metadata.creationTimestamp, now),
  ],
  wideHeaders: ['CPU', 'MEMORY', 'REGION', 'LABELS'],
  wideRow: (p) => [String(p.spec.cpu ?? '-'), String(p.spec.memory ?? '-'), p.spec.region ?? '-', labelsText(p.metadata.labels)],
};

export type RunCounts = Readonly<Record<Phase, number>>;

/** `pool describe -o json|yaml`: the record without internals, its namespace and run counts; env values masked. */
export function describePoolDocument(pool: PoolRecord, namespace: string, runs: RunCounts, share?: PoolShare): object {
  const shown = asDocument(pool, namespace) as PoolRecord;
  const env = Object.fromEntries(Object.entries(pool.spec.env).map(([k, v]) => [k, maskValue(k, v)]));
  return { ...shown, spec: { ...shown.spec, env }, runs, ...(share ? { launchShare: share } : {}) };
}

/** `Fair share:` of describe: the pool's scheduling and, when known, how it fares against the other pools. */
export function shareText(pool: PoolRecord, share: PoolShare | undefined): string {
  // A record stored before `scheduling` existed has none until it is next written: the defaults apply.
  const declared = (pool.spec as Partial<Pick<PoolRecord['spec'], 'scheduling'>>).scheduling;
  const scheduling = `weight ${declared?.weight ?? 1}, priority ${declared?.priority ?? 0}`;
  if (share === undefined) return `${scheduling} (no launches waited for the budget recently, or not readable through this backend)`;
  return `${scheduling}; ${share.waitingRuns} runs waiting, ${share.sharePercent.toFixed(0)} % of the account-region's launches, ` +
    `${share.launchesPerSecond.toFixed(2)} launches/s, ${share.refusalsLastMinute} refusals (last minute)`;
}

export function describePool(pool: PoolRecord, namespace: string, runs: RunCounts, share?: PoolShare): string {
  const { metadata, spec } = pool;
  const lines: string[] = [];
  const field = (name: string, value: string | number | undefined) => lines.push(`${`${name}:`.padEnd(22)}${value ?? '-'}`);
  field('Name', metadata.name);
  field('Namespace', namespace);
  field('UID', metadata.uid);
  field('Labels', labelsText(metadata.labels));
  field('Annotations', labelsText(metadata.annotations));
  field('Created', metadata.creationTimestamp);
  field('Generation', metadata.generation);
  field('Resource version', metadata.resourceVersion);
  field('Cluster', spec.cluster ?? 'default');
  field('Region', spec.region ?? '(controller\'s)');
  field('Launch', spec.capacityProviderStrategy ? spec.capacityProviderStrategy.map((s) => `${s.capacityProvider}:${s.weight ?? 0}`).join(',') : poolLaunchType(spec));
  field('Task definition', spec.taskDefinitionArn ?? `template${spec.family ? ` (family ${spec.family})` : ''}`);
  field('Container', spec.containerName);
  field('Image', spec.image);
  field('CPU / memory', `${spec.cpu ?? '-'} / ${spec.memory ?? '-'}`);
  field('Execution role', spec.executionRoleArn);
  field('Task role', spec.taskRoleArn);
  const network = spec.networkConfiguration;
  field('Subnets', network?.subnets.length ? network.subnets.join(',') : '(default VPC)');
  field('Security groups', network?.securityGroups.length ? network.securityGroups.join(',') : '(default)');
  field('Limits', `maxSubmitting ${spec.limits.maxSubmitting ?? '-'}, maxRunning ${spec.limits.maxRunning ?? '-'}`);
  field('Timeouts', `start ${spec.timeouts.startSeconds}s, run ${spec.timeouts.runSeconds === undefined ? '-' : `${spec.timeouts.runSeconds}s`}, launch ${spec.timeouts.launchSeconds}s`);
  field('Fair share', shareText(pool, share));
  field('Retry', `${spec.retry.infrastructureAttempts} infrastructure attempts${spec.retry.onExitCodes.length ? `, on exit codes ${spec.retry.onExitCodes.join(',')}` : ''}${spec.retry.onStartTimeout ? ', on start timeout' : ''}`);
  const env = maskedEnv(spec.env);
  lines.push(`${'Environment:'.padEnd(22)}${env.length ? '' : '<none>'}`);
  for (const e of env) lines.push(`  ${e}`);
  lines.push('');
  const total = PHASES.reduce((sum, phase) => sum + runs[phase], 0);
  lines.push(`Runs:                 ${total}${total ? ` (${PHASES.filter((p) => runs[p] > 0).map((p) => `${p} ${runs[p]}`).join(', ')})` : ''}`);
  return `${lines.join('\n')}\n`;
}
