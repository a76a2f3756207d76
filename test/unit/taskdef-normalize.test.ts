import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { RegisterTaskDefinitionCommandInput } from '@aws-sdk/client-ecs';
import { canonicalJson, hashTaskDefinition, normalizeTaskDefinition } from '../../reconcilers/taskdef/normalize.js';

const base = (): RegisterTaskDefinitionCommandInput => ({
  family: 'fam',
  cpu: '1024',
  memory: '2048',
  networkMode: 'awsvpc',
  requiresCompatibilities: ['FARGATE'],
  executionRoleArn: 'arn:exec',
  containerDefinitions: [{
    name: 'longshore',
    image: 'img:1',
    environment: [{ name: 'A', value: '1' }, { name: 'B', value: '2' }],
    portMappings: [{ containerPort: 8080 }],
  }],
  tags: [{ key: 'x', value: '1' }, { key: 'a', value: '2' }],
});

/** A definition as DescribeTaskDefinition returns it for base(): defaults filled in, extra fields, other orders. */
const described = (): Record<string, unknown> => ({
  taskDefinitionArn: 'arn:aws:ecs:us-east-1:123456789012:task-definition/fam:3',
  revision: 3,
  status: 'ACTIVE',
  registeredAt: new Date('2026-01-01T00:00:00Z'),
  registeredBy: 'arn:aws:iam::123456789012:root',
  compatibilities: ['EC2', 'FARGATE'],
  requiresAttributes: [{ name: 'com.amazonaws.ecs.capability.task-eni' }],
  requiresCompatibilities: ['FARGATE'],
  volumes: [],
  placementConstraints: [],
  memory: '2048',
  cpu: '1 vCPU',
  executionRoleArn: 'arn:exec',
  networkMode: 'awsvpc',
  family: 'fam',
  enableFaultInjection: false,
  containerDefinitions: [{
    image: 'img:1',
    name: 'longshore',
    cpu: 0,
    essential: true,
    mountPoints: [],
    volumesFrom: [],
    environment: [{ name: 'B', value: '2' }, { name: 'A', value: '1' }],
    portMappings: [{ containerPort: 8080, hostPort: 8080, protocol: 'tcp' }],
  }],
  tags: [{ key: 'a', value: '2' }, { key: 'x', value: '1' }],
});

describe('normalize and hash', () => {
  test('a described definition hashes like the one registered', () => {
    assert.deepEqual(normalizeTaskDefinition(described()), normalizeTaskDefinition(base()));
    assert.equal(hashTaskDefinition(described(), 'us-east-1'), hashTaskDefinition(base(), 'us-east-1'));
  });

  test('key order does not change the hash', () => {
    const td = base();
    const reordered = Object.fromEntries(Object.entries(td).reverse());
    assert.equal(hashTaskDefinition(reordered, 'r'), hashTaskDefinition(td, 'r'));
  });

  test('env, secrets, tags and compatibility order do not change the hash', () => {
    const a = base();
    a.containerDefinitions = [{ name: 'c', secrets: [{ name: 'S1', valueFrom: 'a' }, { name: 'S2', valueFrom: 'b' }] }];
    a.requiresCompatibilities = ['FARGATE', 'EC2'];
    const b = structuredClone(a);
    b.containerDefinitions = [{ name: 'c', secrets: [{ name: 'S2', valueFrom: 'b' }, { name: 'S1', valueFrom: 'a' }] }];
    b.requiresCompatibilities = ['EC2', 'FARGATE'];
    b.tags = [...(b.tags ?? [])].reverse();
    assert.equal(hashTaskDefinition(a, 'r'), hashTaskDefinition(b, 'r'));
  });

  test('defaults and empties do not change the hash', () => {
    const a = base();
    const b = base();
    const [c] = b.containerDefinitions ?? [];
    assert.ok(c);
    c.essential = true;
    c.mountPoints = [];
    c.dockerLabels = {};
    b.volumes = [];
    assert.equal(hashTaskDefinition(a, 'r'), hashTaskDefinition(b, 'r'));
    const bridge = { ...base(), networkMode: undefined };
    assert.equal(hashTaskDefinition(bridge, 'r'), hashTaskDefinition({ ...base(), networkMode: 'bridge' }, 'r'));
  });

  test('every real change changes the hash', () => {
    const h = hashTaskDefinition(base(), 'r');
    const variants: Array<(td: RegisterTaskDefinitionCommandInput) => void> = [
      (td) => { td.family = 'other'; },
      (td) => { td.cpu = '2048'; },
      (td) => { td.memory = '4096'; },
      (td) => { td.executionRoleArn = 'arn:other'; },
      (td) => { td.taskRoleArn = 'arn:task'; },
      (td) => { td.tags = [{ key: 'x', value: '2' }]; },
      (td) => { const [c] = td.containerDefinitions ?? []; if (c) c.image = 'img:2'; },
      (td) => { const [c] = td.containerDefinitions ?? []; if (c) c.environment = [{ name: 'A', value: '9' }]; },
      (td) => { const [c] = td.containerDefinitions ?? []; if (c) c.essential = false; },
      (td) => { const [c] = td.containerDefinitions ?? []; if (c) c.portMappings = [{ containerPort: 8080, protocol: 'udp' }]; },
      (td) => { td.containerDefinitions?.push({ name: 'sidecar', image: 's' }); },
    ];
    for (const change of variants) {
      const td = base();
      change(td);
      assert.notEqual(hashTaskDefinition(td, 'r'), h, `change not detected: ${JSON.stringify(td)}`);
    }
    assert.notEqual(hashTaskDefinition(base(), 'other-region'), h);
  });

  test('canonical JSON sorts keys at every level and renders dates as ISO text', () => {
    assert.equal(canonicalJson({ b: 1, a: { d: [{ z: 1, y: 2 }], c: new Date(0) } }), '{"a":{"c":"1970-01-01T00:00:00.000Z","d":[{"y":2,"z":1}]},"b":1}');
  });

  test('normalizing does not modify its input', () => {
    const td = base();
    const before = JSON.stringify(td);
    normalizeTaskDefinition(td);
    assert.equal(JSON.stringify(td), before);
  });
});
