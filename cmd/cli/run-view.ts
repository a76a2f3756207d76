/** How runs look to people: list rows and the `describe` page (conditions and attempt history). */
import type { RunRecord } from '../../controller/api/index.js';
import { maskCommandArgs, maskCommandText, maskedCommand, maskedEnv, maskValue } from './masking.js';
import { age, asDocument, labelsText, renderTable, type Columns } from './output.js';

export const RUN_HEADERS = ['NAME', 'POOL', 'PHASE', 'OUTCOME', 'ATTEMPTS', 'AGE', 'MESSAGE'] as const;

export function runRow(run: RunRecord, now: number = Date.now()): string[] {
  const phase = run.spec.cancelRequested && run.status.phase !== 'stopped' ? `${run.status.phase} (cancelling)` : run.status.phase;
  return [
    run.metadata.name,
    run.spec.pool,
    phase,
    run.status.outcome ?? '-',
    String(run.status.attempts.length),
    age(run.metadata.creationTimestamp, now),
    // Stop reasons and messages can quote a command line or a connection URL.
    truncate(maskCommandText(run.status.message ?? ''), 60),
  ];
}

export function runTable(runs: readonly RunRecord[], now: number = Date.now()): string {
  return renderTable(RUN_HEADERS, runs.map((r) => runRow(r, now)));
}

/** `-o wide` adds the image, the current attempt's task (its id) and exit code, and the labels. */
export const RUN_COLUMNS: Columns<RunRecord> = {
  kind: 'run',
  headers: RUN_HEADERS,
  row: runRow,
  wideHeaders: ['IMAGE', 'TASK', 'EXIT', 'LABELS'],
  wideRow: (run) => {
    const last = run.status.attempts[run.status.attempts.length - 1];
    return [
      run.spec.image ?? '(pool)',
      last?.taskArn ? last.taskArn.slice(last.taskArn.lastIndexOf('/') + 1) : '-',
      last?.exitCode === undefined || last.exitCode === null ? '-' : String(last.exitCode),
      labelsText(run.metadata.labels),
    ];
  },
};

function truncate(text: string, max: number): string {
  const oneLine = text.replace(/\s+/g, ' ');
  return oneLine.length > max ? `${oneLine.slice(0, max - 3)}...` : oneLine;
}

/**
 * `describe -o json|yaml`: what the describe page shows, as data — the record without the internal lifecycle
 * snapshot, with the namespace, and masked as the page is (secret-looking env values, credentials in the
 * command and messages), so it is as safe to paste as the page.
 */
export function describeRunDocument(run: RunRecord, namespace: string): object {
  const shown = asDocument(run, namespace) as RunRecord;
  const env = Object.fromEntries(Object.entries(run.spec.env).map(([k, v]) => [k, v === null ? null : maskValue(k, v)]));
  const command = run.spec.command === undefined ? {} : { command: typeof run.spec.command === 'string' ? maskCommandText(run.spec.command) : maskCommandArgs(run.spec.command) };
  const mask = (text: string | undefined) => (text === undefined ? {} : { message: maskCommandText(text) });
  return {
    ...shown,
    spec: { ...shown.spec, env, ...command },
    status: {
      ...shown.status,
      ...mask(run.status.message),
      conditions: run.status.conditions.map((c) => ({ ...c, ...mask(c.message) })),
      attempts: run.status.attempts.map((a) => ({
        ...a,
        ...(a.stoppedReason === undefined ? {} : { stoppedReason: maskCommandText(a.stoppedReason) }),
        ...(a.failureReason === undefined ? {} : { failureReason: maskCommandText(a.failureReason) }),
      })),
    },
  };
}

export function describeRun(run: RunRecord, namespace: string): string {
  const { metadata, spec, status } = run;
  const lines: string[] = [];
  const field = (name: string, value: string | number | undefined) => lines.push(`${`${name}:`.padEnd(22)}${value ?? '-'}`);
  field('Name', metadata.name);
  field('Namespace', namespace);
  field('UID', metadata.uid);
  field('Labels', labelsText(metadata.labels));
  field('Annotations', labelsText(metadata.annotations));
  field('Created', metadata.creationTimestamp);
  field('Generation', `${metadata.generation} (observed ${status.observedGeneration})`);
  field('Resource version', metadata.resourceVersion);
  field('Pool', spec.pool);
  field('Deployment', spec.deployment);
  field('Image', spec.image);
  field('Command', spec.command === undefined ? undefined : maskedCommand(spec.command));
  field('CPU / memory', spec.cpu || spec.memory ? `${spec.cpu ?? '(pool)'} / ${spec.memory ?? '(pool)'}` : '(pool)');
  field('Launch', spec.capacityProviderStrategy ? spec.capacityProviderStrategy.map((s) => `${s.capacityProvider}:${s.weight ?? 0}`).join(',') : spec.launchType ?? '(pool)');
  field('Cancel requested', String(spec.cancelRequested));
  const env = maskedEnv(spec.env);
  lines.push(`${'Environment:'.padEnd(22)}${env.length ? '' : '<none>'}`);
  for (const e of env) lines.push(`  ${e}`);
  field('Phase', status.phase);
  field('Outcome', status.outcome);
  field('Task definition', status.taskDefinitionArn);
  field('Message', status.message === undefined ? undefined : maskCommandText(status.message));
  lines.push('');
  lines.push('Conditions:');
  if (status.conditions.length === 0) lines.push('  <none>');
  else {
    const rows = status.conditions.map((c) => [c.type, c.status, c.reason ?? '', c.lastTransitionTime, maskCommandText(c.message ?? '')]);
    lines.push(indent(renderTable(['TYPE', 'STATUS', 'REASON', 'LAST TRANSITION', 'MESSAGE'], rows)));
  }
  lines.push('');
  lines.push('Attempts:');
  if (status.attempts.length === 0) lines.push('  <none>');
  else {
    const rows = status.attempts.map((a) => [
      String(a.number),
      a.taskArn ?? '-',
      a.lastStatus ?? '-',
      a.startedAt ?? a.submittedAt ?? '-',
      a.stoppedAt ?? '-',
      a.exitCode === undefined || a.exitCode === null ? '-' : String(a.exitCode),
      a.stopCode ?? '-',
      maskCommandText([a.failureReason, a.stoppedReason].filter(Boolean).join(': ')) || '-',
    ]);
    lines.push(indent(renderTable(['#', 'TASK', 'LAST STATUS', 'STARTED', 'STOPPED', 'EXIT', 'STOP CODE', 'REASON'], rows)));
  }
  return `${lines.join('\n').trimEnd()}\n`;
}

function indent(text: string): string {
  return text
    .trimEnd()
    .split('\n')
    .map((l) => `  ${l}`)
    .join('\n');
}
