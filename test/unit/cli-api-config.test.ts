/** Which API the CLI talks to (cmd/cli/api-config.ts): --context, LONGSHORE_SERVER, current-context, or none (Redis). */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveApiConnection } from '../../cmd/cli/api-config.js';
import { UsageError } from '../../cmd/cli/errors.js';

let dir: string;
let config: string;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'longshore-config-'));
  config = join(dir, 'config');
  await writeFile(join(dir, 'token'), 'lst_aaaaaaaaaaaa_fromfile\n');
  await writeFile(config, [
    'current-context: dev',
    'contexts:',
    '  - name: dev',
    '    server: http://127.0.0.1:8080',
    '    token: lst_aaaaaaaaaaaa_dev',
    '  - name: prod',
    '    server: https://longshore.example.com',
    `    tokenFile: ${join(dir, 'token')}`,
    '    namespace: data',
    '',
  ].join('\n'));
});

after(async () => {
  await rm(dir, { recursive: true, force: true });
});

test('no server and no config file: direct Redis mode', () => {
  assert.equal(resolveApiConnection({ LONGSHORE_CONFIG: join(dir, 'absent') }), undefined);
});

test('the config file\'s current-context', () => {
  assert.deepEqual(resolveApiConnection({ LONGSHORE_CONFIG: config }), {
    server: 'http://127.0.0.1:8080', token: 'lst_aaaaaaaaaaaa_dev', origin: `context "dev" (${config})`,
  });
});

test('LONGSHORE_SERVER wins over current-context; --context wins over both; tokenFile is read and trimmed', () => {
  const env = { LONGSHORE_CONFIG: config, LONGSHORE_SERVER: 'http://api:8443', LONGSHORE_TOKEN: 'lst_bbbbbbbbbbbb_env' };
  assert.deepEqual(resolveApiConnection(env), { server: 'http://api:8443', token: 'lst_bbbbbbbbbbbb_env', origin: 'LONGSHORE_SERVER' });
  assert.deepEqual(resolveApiConnection(env, 'prod'), {
    server: 'https://longshore.example.com', token: 'lst_aaaaaaaaaaaa_fromfile', namespace: 'data', origin: `context "prod" (${config})`,
  });
});

test('clear errors: unknown context, no file for --context, a bad server URL, a malformed file', async () => {
  assert.throws(() => resolveApiConnection({ LONGSHORE_CONFIG: config }, 'staging'), (e: unknown) =>
    e instanceof UsageError && e.message === `context "staging" is not in ${config} (contexts: dev, prod)`);
  assert.throws(() => resolveApiConnection({ LONGSHORE_CONFIG: join(dir, 'absent') }, 'dev'), /--context dev: no config file at/);
  assert.throws(() => resolveApiConnection({ LONGSHORE_SERVER: 'api:8443' }), /LONGSHORE_SERVER must be an http:\/\/ or https:\/\/ URL/);
  const bad = join(dir, 'bad');
  await writeFile(bad, 'contexts:\n  - name: x\n    server: ftp://nope\n');
  assert.throws(() => resolveApiConnection({ LONGSHORE_CONFIG: bad }, 'x'), (e: unknown) =>
    e instanceof UsageError && e.message.startsWith(`config file ${bad}: contexts[0].server: `));
  await writeFile(bad, 'current-context: x\ncontexts:\n  - {name: x, server: "http://a", token: t, tokenFile: /f}\n');
  assert.throws(() => resolveApiConnection({ LONGSHORE_CONFIG: bad }), /has both token and tokenFile/);
});
