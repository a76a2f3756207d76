/**
 * docs/iam-policy.json allows exactly the AWS actions the controller can perform: the commands the product
 * code sends (read from its source: every `new XCommand(` of an AWS SDK client it imports — the gateway's
 * ECS, EC2 and CloudWatch Logs calls and the SQS event receiver's) plus the two permissions AWS checks without
 * a call of their own (iam:PassRole, ecs:TagResource on create). Scoping rules are checked too, and
 * docs/ecs-task-definition.json is checked against the controller's configuration and the image.
 * docs/deploy-ecs.md shows both documents verbatim.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CONFIG_VARIABLES } from '../../controller/config.js';
import { GATEWAY_ACTIONS } from '../../controller/aws/budgets.js';

function findRepoRoot(): string {
  for (let dir = dirname(fileURLToPath(import.meta.url)); dir !== dirname(dir); dir = dirname(dir)) {
    if (existsSync(join(dir, 'docs/iam-policy.json')) && existsSync(join(dir, 'controller'))) return dir;
  }
  throw new Error('docs/iam-policy.json not found above the test file');
}

interface Statement {
  Sid: string;
  Effect: string;
  Action: string[];
  Resource: string | string[];
  Condition?: Record<string, Record<string, string | string[]>>;
}

const root = findRepoRoot();
const policy = JSON.parse(readFileSync(join(root, 'docs/iam-policy.json'), 'utf8')) as { Version: string; Statement: Statement[] };
const taskDefinition = JSON.parse(readFileSync(join(root, 'docs/ecs-task-definition.json'), 'utf8')) as {
  containerDefinitions: Array<{
    user: string; command: string[]; stopTimeout: number;
    environment: Array<{ name: string; value: string }>; secrets: Array<{ name: string; valueFrom: string }>;
    portMappings: Array<{ containerPort: number }>; healthCheck: { command: string[] };
  }>;
};

/** IAM service prefix of each AWS SDK client package the product may import. */
const SERVICE_PREFIX: Record<string, string> = { ecs: 'ecs', ec2: 'ec2', 'cloudwatch-logs': 'logs', sqs: 'sqs' };
/** Batch APIs are authorized by their single action (SQS: DeleteMessageBatch needs sqs:DeleteMessage). */
const AUTHORIZED_AS: Record<string, string> = { 'sqs:DeleteMessageBatch': 'sqs:DeleteMessage' };
/** Checked by AWS without a call of their own. */
const AUTHORIZATION_ONLY: Record<string, string> = {
  'iam:PassRole': 'RegisterTaskDefinition and RunTask name task and execution roles',
  'ecs:TagResource': 'RunTask and RegisterTaskDefinition carry tags (tag on create)',
  'sts:AssumeRole': "a pool's roleArn, assumed by the SDK's fromTemporaryCredentials (controller/aws/clients.ts), not a gateway call",
};
/** The product: what the image compiles (tsconfig.build.json). */
const PRODUCT_DIRS = ['controller', 'reconcilers', 'machines', 'cmd/cli'];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return path.endsWith('.ts') && !path.endsWith('.d.ts') ? [path] : [];
  });
}

/** `service:Action` for every AWS SDK command the product code constructs. */
function calledActions(): Set<string> {
  const actions = new Set<string>();
  for (const file of [...PRODUCT_DIRS.flatMap((dir) => sourceFiles(join(root, dir))), join(root, 'cmd/longshore.ts')]) {
    const text = readFileSync(file, 'utf8');
    const commandService = new Map<string, string>();
    for (const [, names, client] of text.matchAll(/import\s*(?:type\s*)?\{([^}]*)\}\s*from\s*'@aws-sdk\/client-([a-z0-9-]+)'/g)) {
      const prefix = SERVICE_PREFIX[client];
      assert.ok(prefix, `${file}: imports @aws-sdk/client-${client}, which this test does not know`);
      for (const name of names.split(',').map((n) => n.trim().replace(/^type\s+/, ''))) if (/Command$/.test(name)) commandService.set(name, prefix);
    }
    for (const [, command] of text.matchAll(/new\s+(\w+Command)\s*\(/g)) {
      const prefix = commandService.get(command);
      if (!prefix) continue;
      const action = `${prefix}:${command.replace(/Command$/, '')}`;
      actions.add(AUTHORIZED_AS[action] ?? action);
    }
  }
  return actions;
}

const asList = (value: string | string[]) => (Array.isArray(value) ? value : [value]);
const policyActions = () => new Set(policy.Statement.flatMap((statement) => statement.Action));

describe('docs/iam-policy.json', () => {
  test('allows exactly the actions the code calls, plus iam:PassRole and ecs:TagResource', () => {
    const called = calledActions();
    // The scan sees every gateway action (controller/aws/budgets.ts), so it reads the code that matters.
    const calledNames = new Set([...called].map((action) => action.split(':')[1]));
    assert.deepEqual(GATEWAY_ACTIONS.filter((action) => !calledNames.has(action)), []);
    assert.ok(called.has('sqs:ReceiveMessage'), 'the SQS event receiver is seen');
    const expected = [...called, ...Object.keys(AUTHORIZATION_ONLY)].sort();
    assert.deepEqual([...policyActions()].sort(), expected);
  });

  test('every statement allows, names actions without wildcards, and each action once', () => {
    assert.equal(policy.Version, '2012-10-17');
    const all = policy.Statement.flatMap((statement) => statement.Action);
    assert.equal(new Set(all).size, all.length);
    for (const statement of policy.Statement) {
      assert.equal(statement.Effect, 'Allow', statement.Sid);
      for (const action of statement.Action) assert.match(action, /^[a-z0-9]+:[A-Z][A-Za-z]+$/, `${statement.Sid}: ${action}`);
    }
  });

  test('resources are scoped wherever AWS allows it', () => {
    // No resource-level permissions exist for these (Service Authorization Reference); ListTasks is scoped by ecs:cluster.
    const unscopable = new Set(['ecs:RegisterTaskDefinition', 'ecs:DeregisterTaskDefinition', 'ecs:DescribeTaskDefinition', 'ecs:ListTaskDefinitions', 'ec2:DescribeVpcs', 'ec2:DescribeSubnets']);
    for (const statement of policy.Statement) {
      const everything = asList(statement.Resource).includes('*');
      if (!everything) continue;
      const scopedByCluster = statement.Condition?.ArnEquals?.['ecs:cluster'] !== undefined;
      assert.deepEqual(statement.Action.filter((action) => !unscopable.has(action) && !(action === 'ecs:ListTasks' && scopedByCluster)), [], `${statement.Sid} uses "*"`);
    }
    const statementOf = (action: string) => policy.Statement.find((statement) => statement.Action.includes(action));
    const runTask = statementOf('ecs:RunTask');
    assert.ok(asList(runTask?.Resource ?? []).every((arn) => /:task-definition\/[\w*-]+:\*$/.test(arn)), 'RunTask on task-definition families');
    assert.ok(runTask?.Condition?.ArnEquals?.['ecs:cluster'], 'RunTask only in our clusters');
    assert.ok(asList(statementOf('ecs:StopTask')?.Resource ?? []).every((arn) => /:task\/[\w-]+\/\*$/.test(arn)), 'StopTask on tasks of named clusters');
    assert.ok(asList(statementOf('ecs:DescribeClusters')?.Resource ?? []).every((arn) => /:cluster\/[\w-]+$/.test(arn)));
  });

  test('iam:PassRole names the task and execution roles and only towards ECS tasks; tagging only on create', () => {
    const passRole = policy.Statement.find((statement) => statement.Action.includes('iam:PassRole'));
    assert.deepEqual(passRole?.Action, ['iam:PassRole']);
    assert.ok(asList(passRole?.Resource ?? '*').every((arn) => /^arn:aws:iam::\d{12}:role\/[\w+=,.@-]+$/.test(arn)), 'named roles, no wildcard');
    assert.deepEqual(passRole?.Condition, { StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } });
    const tag = policy.Statement.find((statement) => statement.Action.includes('ecs:TagResource'));
    assert.deepEqual(tag?.Condition, { StringEquals: { 'ecs:CreateAction': ['RunTask', 'RegisterTaskDefinition'] } });
  });
});

describe('docs/ecs-task-definition.json', () => {
  const [container] = taskDefinition.containerDefinitions;

  test('sets only variables the controller reads, REDIS_URL from a secret', () => {
    const known = new Set(CONFIG_VARIABLES.map((variable) => variable.name));
    assert.deepEqual(container.environment.map((e) => e.name).filter((name) => !known.has(name)), []);
    assert.deepEqual(container.secrets.map((s) => s.name), ['REDIS_URL']);
    assert.equal(container.environment.some((e) => e.name === 'REDIS_URL'), false);
  });

  test('stops gracefully: stopTimeout exceeds the shutdown grace plus the controller\'s 10 s overrun margin', () => {
    const grace = Number(container.environment.find((e) => e.name === 'LONGSHORE_SHUTDOWN_GRACE_SECONDS')?.value
      ?? CONFIG_VARIABLES.find((variable) => variable.name === 'LONGSHORE_SHUTDOWN_GRACE_SECONDS')?.default);
    assert.ok(container.stopTimeout > grace + 10 && container.stopTimeout <= 120, `stopTimeout ${container.stopTimeout} for grace ${grace}`);
  });

  test('runs the image\'s controller as its numeric user, with a health check on /healthz at the metrics port', () => {
    const dockerUser = /^USER\s+(\S+)$/m.exec(readFileSync(join(root, 'Dockerfile'), 'utf8'))?.[1];
    assert.equal(container.user, dockerUser);
    assert.deepEqual(container.command, ['controller']);
    const port = Number(CONFIG_VARIABLES.find((variable) => variable.name === 'LONGSHORE_METRICS_PORT')?.default);
    assert.deepEqual(container.portMappings.map((p) => p.containerPort), [port]);
    assert.equal(container.healthCheck.command[0], 'CMD');
    assert.ok(container.healthCheck.command.join(' ').includes(`http://127.0.0.1:${port}/healthz`));
  });
});

test('docs/deploy-ecs.md shows the task definition and the policy exactly as committed', () => {
  const doc = readFileSync(join(root, 'docs/deploy-ecs.md'), 'utf8');
  const blocks = [...doc.matchAll(/```json\n([\s\S]*?)```/g)].map(([, body]) => JSON.parse(body) as unknown);
  assert.deepEqual(blocks, [taskDefinition, policy]);
});
