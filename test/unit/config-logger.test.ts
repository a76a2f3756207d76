import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { createLogger, redactUrl } from '../../controller/logger.js';

function capture() {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  return { lines, logger: createLogger({ level: 'info', base: { replica: 'r1' }, destination }) };
}

describe('logger', () => {
  test('writes constant messages with fields and the replica', () => {
    const { lines, logger } = capture();
    logger.child({ reconciler: 'run', key: 'run-1' }).info({ phase: 'pending' }, 'reconcile finished');
    assert.equal(lines.length, 1);
    assert.equal(lines[0].msg, 'reconcile finished');
    assert.equal(lines[0].level, 'info');
    assert.equal(lines[0].replica, 'r1');
    assert.equal(lines[0].key, 'run-1');
    assert.equal(lines[0].phase, 'pending');
  });

  test('redacts credentials, authorization headers and environment values', () => {
    const { lines, logger } = capture();
    logger.info({
      credentials: { accessKeyId: 'AKIA', secretAccessKey: 'shh' },
      request: { headers: { authorization: 'AWS4-HMAC-SHA256 Credential=AKIA' } },
      input: { overrides: { containerOverrides: [{ environment: [{ name: 'TOKEN', value: 'secret-token' }] }] } },
      env: { API_KEY: 'k' },
    }, 'aws call');
    const text = JSON.stringify(lines[0]);
    for (const secret of ['AKIA', 'shh', 'secret-token', '"k"']) assert.ok(!text.includes(secret), `${secret} leaked: ${text}`);
    assert.ok(text.includes('TOKEN'), 'names of variables stay visible');
  });

  test('redactUrl hides the password of a connection URL', () => {
    assert.equal(redactUrl('redis://user:hunter2@redis:6379/0'), 'redis://user:%5Bredacted%5D@redis:6379/0');
    assert.equal(redactUrl('redis://127.0.0.1:6379'), 'redis://127.0.0.1:6379');
    assert.equal(redactUrl('not a url'), '[redacted]');
  });
});
