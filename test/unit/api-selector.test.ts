import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { matchesSelector, parseSelector, SelectorError } from '../../controller/store/selector.js';
import { runIndexState, UNKNOWN_CLUSTER } from '../../controller/store/run-indexes.js';
import { RunSpec, type RunStatus } from '../../controller/api/index.js';

describe('label selectors', () => {
  const labels = { app: 'etl', tier: 'batch', 'team.example.com/owner': 'data' };
  const matches = (selector: string, l: Record<string, string> = labels) => matchesSelector(parseSelector(selector), l);

  test('parses every operator', () => {
    assert.deepEqual(parseSelector('a=b, c!=d,e in (x, y),f notin (z),g,!h,i==j'), [
      { key: 'a', op: 'in', values: ['b'] },
      { key: 'c', op: 'notin', values: ['d'] },
      { key: 'e', op: 'in', values: ['x', 'y'] },
      { key: 'f', op: 'notin', values: ['z'] },
      { key: 'g', op: 'exists' },
      { key: 'h', op: 'notexists' },
      { key: 'i', op: 'in', values: ['j'] },
    ]);
    assert.deepEqual(parseSelector(''), []);
  });

  test('matches like Kubernetes', () => {
    assert.equal(matches(''), true);
    assert.equal(matches('app=etl'), true);
    assert.equal(matches('app=web'), false);
    assert.equal(matches('app!=web'), true);
    assert.equal(matches('missing!=x'), true, '!= matches objects without the label');
    assert.equal(matches('tier in (batch,stream)'), true);
    assert.equal(matches('tier notin (batch)'), false);
    assert.equal(matches('team.example.com/owner=data,app'), true);
    assert.equal(matches('!app'), false);
    assert.equal(matches('!canary,app=etl'), true);
    assert.equal(matches('app=etl,tier=stream'), false, 'requirements are ANDed');
  });

  test('rejects malformed selectors with the reason', () => {
    assert.throws(() => parseSelector('a in (b'), SelectorError);
    assert.throws(() => parseSelector('a in b)'), /unbalanced parentheses/);
    assert.throws(() => parseSelector('bad key=x'), /bad label key/);
    assert.throws(() => parseSelector('a=b c'), /invalid label selector/);
  });
});

describe('run index memberships', () => {
  const spec = RunSpec.parse({ pool: 'p' });
  const status = (phase: RunStatus['phase']): RunStatus => ({
    phase,
    attempts: [
      { number: 1, taskArn: 'arn:t1', clusterArn: 'arn:c', stoppedAt: '2026-01-01T00:00:00.000Z' },
      { number: 2, taskArn: 'arn:t2', clusterArn: 'arn:c' },
      { number: 3, taskArn: 'arn:t3' },
      { number: 4 },
    ],
    conditions: [],
    observedGeneration: 1,
  });

  test('live tasks: attempts with a task and no stoppedAt, while the run is not stopped', () => {
    assert.deepEqual(runIndexState({ spec, status: status('running') }), {
      phase: 'running',
      pool: 'p',
      taskArns: ['arn:t1', 'arn:t2', 'arn:t3'],
      live: [{ cluster: 'arn:c', taskArn: 'arn:t2' }, { cluster: UNKNOWN_CLUSTER, taskArn: 'arn:t3' }],
    });
    assert.deepEqual(runIndexState({ spec, status: status('stopped') }).live, []);
  });
});
