/**
 * How a failure to use Redis is explained: a rediss:// URL against a plain server reads as a failed TLS
 * handshake (told apart from an unreachable host by whether plain TCP connects), a silent server as one
 * that does not answer, a refused connection as unreachable; answers Redis gave are no such failure.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { classifyRedisFailure, describeClusterFailure, describeRedisFailure, redisAddress } from '../../controller/redis-failure.js';

const withCode = (message: string, code: string) => Object.assign(new Error(message), { code });
const timeout = withCode('connect ETIMEDOUT', 'ETIMEDOUT');

describe('classifyRedisFailure', () => {
  test('an SSL protocol error on a rediss:// URL is a failed TLS handshake', () => {
    const wrongVersion = withCode('C0B7:error:0A00010B:SSL routines:ssl3_get_record:wrong version number', 'ERR_SSL_WRONG_VERSION_NUMBER');
    assert.equal(classifyRedisFailure('rediss://r:6379', wrongVersion), 'tls-handshake');
    const reset = withCode('Client network socket disconnected before secure TLS connection was established', 'ECONNRESET');
    assert.equal(classifyRedisFailure('rediss://r:6379', reset), 'tls-handshake');
  });

  test('a rediss:// timeout is a failed handshake only when plain TCP connects and the connection was never ready', () => {
    assert.equal(classifyRedisFailure('rediss://r:6379', timeout, { tcpReachable: true }), 'tls-handshake');
    assert.equal(classifyRedisFailure('rediss://r:6379', new Error('Command timed out'), { tcpReachable: true }), 'tls-handshake');
    assert.equal(classifyRedisFailure('rediss://r:6379', timeout, { tcpReachable: false }), 'unreachable');
    assert.equal(classifyRedisFailure('rediss://r:6379', new Error('Command timed out'), { tcpReachable: true, wasReady: true }), 'no-answer');
  });

  test('a redis:// timeout is never blamed on TLS', () => {
    assert.equal(classifyRedisFailure('redis://r:6379', timeout, { tcpReachable: true }), 'unreachable');
    assert.equal(classifyRedisFailure('redis://r:6379', new Error('Ready check failed: Command timed out')), 'no-answer');
  });

  test('refused and unknown hosts are unreachable; answers from Redis are not failures', () => {
    assert.equal(classifyRedisFailure('redis://r:1', withCode('connect ECONNREFUSED 127.0.0.1:1', 'ECONNREFUSED')), 'unreachable');
    assert.equal(classifyRedisFailure('redis://nohost', withCode('getaddrinfo ENOTFOUND nohost', 'ENOTFOUND')), 'unreachable');
    assert.equal(classifyRedisFailure('redis://r', new Error('WRONGTYPE Operation against a key holding the wrong kind of value')), undefined);
    assert.equal(classifyRedisFailure('redis://r', new Error('run "x" not found')), undefined);
  });
});

describe('describeRedisFailure', () => {
  test('names the server without its password and says what to check', () => {
    assert.equal(
      describeRedisFailure('rediss://:hunter2@r:6380', 'tls-handshake', timeout),
      'Redis at rediss://:%5Bredacted%5D@r:6380: TLS handshake failed — is the server TLS-enabled? (connect ETIMEDOUT)',
    );
    assert.equal(
      describeRedisFailure('redis://r:6379', 'no-answer', new Error('Command timed out'), 10_000),
      'Redis at redis://r:6379 accepted the connection but did not answer within 10 s — is it overloaded, paused, or not Redis?',
    );
    assert.equal(describeRedisFailure('redis://r:1', 'unreachable', new Error('connect ECONNREFUSED 1.2.3.4:1\n at x')), 'cannot reach Redis at redis://r:1: connect ECONNREFUSED 1.2.3.4:1');
  });

  test('redisAddress applies ioredis defaults', () => {
    assert.deepEqual(redisAddress('rediss://:pw@cache.example:6380/2'), { host: 'cache.example', port: 6380 });
    assert.deepEqual(redisAddress('redis://[::1]'), { host: '::1', port: 6379 });
  });
});

describe('describeClusterFailure', () => {
  const where = 'Redis Cluster at 10.0.0.1:6379,10.0.0.2:6379';
  const slots = new Error('Failed to refresh slots cache.');
  const seed = (error: Error) => ({ node: '10.0.0.1:6379', error });

  test('names the seed node\'s own error, which ioredis\' summary leaves out, and what to check', () => {
    const wrongPassword = describeClusterFailure(where, 'rediss://longshore:hunter2@x:6379', slots,
      seed(new Error('WRONGPASS invalid username-password pair or user is disabled.')));
    assert.equal(wrongPassword, `${where}: Failed to refresh slots cache. (seed node 10.0.0.1:6379: WRONGPASS invalid username-password pair or user is disabled. — check the user and password in REDIS_URL)`);
    assert.doesNotMatch(wrongPassword, /hunter2/);
    assert.match(describeClusterFailure(where, 'rediss://x', slots, seed(withCode('self-signed certificate in certificate chain', 'SELF_SIGNED_CERT_IN_CHAIN'))),
      /self-signed certificate in certificate chain — is the server certificate signed by a CA this process trusts \(NODE_EXTRA_CA_CERTS\)/);
    assert.match(describeClusterFailure(where, 'redis://x', slots, seed(withCode('write ECONNRESET', 'ECONNRESET'))),
      /REDIS_URL must start with rediss:\/\//);
    assert.match(describeClusterFailure(where, 'rediss://x', slots, seed(timeout)), /no TLS session within the connect timeout/);
  });

  test('without a seed node\'s error (it answered) or a known mistake, only what was seen', () => {
    assert.equal(describeClusterFailure(where, 'rediss://x', slots, undefined), `${where}: Failed to refresh slots cache.`);
    assert.equal(describeClusterFailure(where, 'redis://x', slots, seed(withCode('connect ECONNREFUSED 10.0.0.1:6379', 'ECONNREFUSED'))),
      `${where}: Failed to refresh slots cache. (seed node 10.0.0.1:6379: connect ECONNREFUSED 10.0.0.1:6379)`);
  });
});
