import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { MASK, isSecretFlag, looksSecret, maskCommandArgs, maskCommandText, maskUrlCredentials, maskedCommand, maskedEnv } from '../../cmd/cli/masking.js';
import { describeRun, runRow } from '../../cmd/cli/run-view.js';
import { newRunRecord } from './run-builders.js';

describe('looksSecret: names', () => {
  test('secret names are recognised', () => {
    for (const name of [
      'API_TOKEN', 'GITHUB_TOKEN', 'AWS_SECRET_ACCESS_KEY', 'DB_PASSWORD', 'MYSQL_PASSWD', 'GPG_PASSPHRASE', 'API_KEY', 'GOOGLE_CREDENTIALS',
      'PRIVATE_PEM', 'BASIC_AUTH', 'DB_PASS', 'PASS', 'REDIS_PWD', 'GITHUB_PAT', 'PAT', 'AZURE_DEVOPS_PAT_VALUE', 'githubPat', 'dbPass',
      'SESSION_COOKIE', 'COOKIES', 'SESSION', 'FLASK_SESSION', 'SENTRY_DSN', 'DB_CONN', 'CONNECTION_STRING', 'SQL_CONN_STR',
      'AZURE_STORAGE_CONNECTIONSTRING', 'URL_SIGNATURE', 'HASH_SALT',
    ]) assert.equal(looksSecret(name), true, name);
  });

  test('names that merely contain those letters are not', () => {
    for (const name of [
      'PATH', 'PYTHONPATH', 'PATTERN', 'PATCH_LEVEL', 'PASSAGE_COUNT', 'PASSENGER_LIMIT', 'BYPASS_CACHE', 'COMPASS_URL', 'DATABASE_URL',
      'REGION', 'CONNECTION_TIMEOUT', 'MAX_CONNECTIONS', 'DSNAME', 'SIDECAR', 'LOG_LEVEL', 'HOME',
    ]) assert.equal(looksSecret(name), false, name);
  });
});

describe('maskUrlCredentials', () => {
  test('the password of a URL is masked, the user and host kept', () => {
    assert.equal(maskUrlCredentials('postgres://app:s3cr3t@db.internal:5432/app'), `postgres://app:${MASK}@db.internal:5432/app`);
    assert.equal(maskUrlCredentials('mongodb+srv://u:p%40ss@cluster0/x?retryWrites=true'), `mongodb+srv://u:${MASK}@cluster0/x?retryWrites=true`);
    assert.equal(maskUrlCredentials('redis://:pw@h:6379'), `redis://:${MASK}@h:6379`);
    assert.equal(maskUrlCredentials('amqp://u:p@ss@broker/vhost'), `amqp://u:${MASK}@broker/vhost`, 'an unencoded @ in the password');
  });

  test('a user-only credential is masked (it is usually a token)', () => {
    assert.equal(maskUrlCredentials('https://ghp_abc123@github.com/org/repo.git'), `https://${MASK}@github.com/org/repo.git`);
  });

  test('URLs without credentials and e-mail addresses are left alone; several URLs in one text are each masked', () => {
    assert.equal(maskUrlCredentials('https://example.com/a?b=c@d'), 'https://example.com/a?b=c@d');
    assert.equal(maskUrlCredentials('mail ops@example.com'), 'mail ops@example.com');
    assert.equal(maskUrlCredentials('from http://a:b@x to http://c:d@y'), `from http://a:${MASK}@x to http://c:${MASK}@y`);
  });
});

describe('maskedEnv', () => {
  test('secret names are masked whole; URL credentials whatever the name; unset shown', () => {
    assert.deepEqual(maskedEnv({ DB_PASS: 'hunter2', DATABASE_URL: 'postgres://app:hunter2@db/app', PATH: '/usr/bin', GONE: null }), [
      `DB_PASS=${MASK}`, `DATABASE_URL=postgres://app:${MASK}@db/app`, 'PATH=/usr/bin', 'GONE (unset)',
    ]);
  });
});

describe('commands', () => {
  test('secret flags: --flag=value and --flag value, quoted values too', () => {
    assert.equal(maskCommandText('psql --password=hunter2 -h db'), `psql --password=${MASK} -h db`);
    assert.equal(maskCommandText('mysql --passwd hunter2 --user app'), `mysql --passwd ${MASK} --user app`);
    assert.equal(maskCommandText('cli --api-key "a b c" --access-key=AKIA1 --client-secret x --github-token y'), `cli --api-key ${MASK} --access-key=${MASK} --client-secret ${MASK} --github-token ${MASK}`);
    assert.equal(maskCommandText("app --verbose --token 'tok' run"), `app --verbose --token ${MASK} run`);
  });

  test('flags that are not secrets, and a secret flag without a value, are left alone', () => {
    assert.equal(maskCommandText('sort --sort-key name --key-file /etc/k --path /tmp --pattern a*'), 'sort --sort-key name --key-file /etc/k --path /tmp --pattern a*');
    assert.equal(maskCommandText('login --password --user app'), 'login --password --user app');
    assert.equal(maskCommandText('mysql -p 3306'), 'mysql -p 3306', 'short flags are ambiguous (-p is a port as often as a password)');
  });

  test('assignments with secret names and URL credentials inside a command', () => {
    assert.equal(maskCommandText('env DB_PASS=hunter2 GITHUB_PAT=ghp_1 PATH=/bin ./run'), `env DB_PASS=${MASK} GITHUB_PAT=${MASK} PATH=/bin ./run`);
    assert.equal(maskCommandText('pg_dump postgres://app:hunter2@db/app'), `pg_dump postgres://app:${MASK}@db/app`);
  });

  test('argv arrays: the element after a secret flag, inline values, assignments and URLs', () => {
    assert.deepEqual(
      maskCommandArgs(['psql', '--password', 'hunter2', '--token=t', '--dbname', 'app', 'API_KEY=k', 'REGION=eu', 'redis://:pw@h', '--password', '--verbose']),
      ['psql', '--password', MASK, `--token=${MASK}`, '--dbname', 'app', `API_KEY=${MASK}`, 'REGION=eu', `redis://:${MASK}@h`, '--password', '--verbose'],
    );
    assert.equal(maskedCommand(['python', '-m', 'etl']), '["python","-m","etl"]');
  });

  test('isSecretFlag', () => {
    for (const flag of ['password', 'db-password', 'passwd', 'token', 'auth-token', 'secret', 'api-key', 'access-key', 'secret-key', 'apikey']) assert.equal(isSecretFlag(flag), true, flag);
    for (const flag of ['key', 'sort-key', 'key-file', 'token-url', 'path', 'passthrough', 'user']) assert.equal(isSecretFlag(flag), false, flag);
  });
});

describe('run views mask what they show', () => {
  test('describe masks env, command and messages; the list row masks the message', () => {
    const base = newRunRecord();
    const run = {
      ...base,
      spec: { ...base.spec, command: 'migrate --password=hunter2 postgres://app:hunter2@db/app', env: { DB_PASS: 'hunter2', GITHUB_PAT: 'ghp_1', PATH: '/bin' } },
      status: { ...base.status, message: 'exit 1: could not reach postgres://app:hunter2@db/app' },
    };
    const page = describeRun(run, 'default');
    assert.doesNotMatch(page, /hunter2|ghp_1/);
    assert.match(page, /Command:\s+migrate --password=\*{6} postgres:\/\/app:\*{6}@db\/app/);
    assert.match(page, /^ {2}PATH=\/bin$/m);
    assert.doesNotMatch(runRow(run).join(' '), /hunter2/);
  });
});
