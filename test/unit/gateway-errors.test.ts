import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ClientException, ClusterNotFoundException, ConflictException, ECSServiceException, InvalidParameterException,
  LimitExceededException, ResourceNotFoundException, ServerException,
} from '@aws-sdk/client-ecs';
import { EC2ServiceException } from '@aws-sdk/client-ec2';
import { ResourceNotFoundException as LogsResourceNotFound } from '@aws-sdk/client-cloudwatch-logs';
import {
  BudgetExhaustedError, GatewayError, classifyAwsError, describeError, isAwsError, isRetryableKind, sdkErrorOf, taskDefinitionProblem, unresolvedEndpointOf,
} from '../../controller/aws/errors.js';
import { explainWhere } from '../../controller/aws/routed-gateway.js';
import { classifyRunTaskError } from '../../reconcilers/launch/outcome.js';

const meta = (httpStatusCode: number) => ({ $metadata: { httpStatusCode } });

function ec2Error(name: string, status: number, message: string): EC2ServiceException {
  return new EC2ServiceException({ name, $fault: status >= 500 ? 'server' : 'client', message, ...meta(status) });
}

function networkError(code: string): Error {
  return Object.assign(new Error(`connect ${code} 127.0.0.1:1`), { code });
}

describe('classifyAwsError', () => {
  test('ThrottlingException (an unmodelled ECS error) is throttled', () => {
    const error = new ECSServiceException({ name: 'ThrottlingException', $fault: 'client', message: 'Rate exceeded', ...meta(400) });
    assert.deepEqual(classifyAwsError(error), { kind: 'throttled', code: 'ThrottlingException', message: 'Rate exceeded', httpStatusCode: 400 });
  });

  test('"Rate exceeded" inside a ClientException is throttled', () => {
    const error = new ClientException({ message: 'Rate exceeded', ...meta(400) });
    assert.equal(classifyAwsError(error).kind, 'throttled');
  });

  test('EC2 RequestLimitExceeded (HTTP 503) is throttled, not transient', () => {
    assert.equal(classifyAwsError(ec2Error('RequestLimitExceeded', 503, 'Request limit exceeded.')).kind, 'throttled');
  });

  test('HTTP 429 is throttled whatever the code', () => {
    assert.equal(classifyAwsError(new ECSServiceException({ name: 'Whatever', $fault: 'client', message: 'slow down', ...meta(429) })).kind, 'throttled');
  });

  test('"Too many concurrent attempts" is a conflict, as is ConflictException', () => {
    const busy = new ClientException({ message: 'Too many concurrent attempts to create a new revision of the specified family.', ...meta(400) });
    assert.equal(classifyAwsError(busy).kind, 'conflict');
    assert.equal(classifyAwsError(new ConflictException({ message: 'clientToken reused', ...meta(400) })).kind, 'conflict');
  });

  test('missing clusters, resources and EC2 ids are notFound', () => {
    assert.equal(classifyAwsError(new ClusterNotFoundException({ message: 'Cluster not found.', ...meta(400) })).kind, 'notFound');
    assert.equal(classifyAwsError(new ResourceNotFoundException({ message: 'gone', ...meta(400) })).kind, 'notFound');
    assert.equal(classifyAwsError(new LogsResourceNotFound({ message: 'The specified log group does not exist.', ...meta(400) })).kind, 'notFound');
    assert.equal(classifyAwsError(ec2Error('InvalidVpcID.NotFound', 400, "The vpc ID 'vpc-1' does not exist")).kind, 'notFound');
    assert.equal(classifyAwsError(ec2Error('InvalidSubnetID.NotFound', 400, 'no subnet')).kind, 'notFound');
  });

  test('server faults and network failures are transient', () => {
    assert.equal(classifyAwsError(new ServerException({ message: 'Service unavailable', ...meta(500) })).kind, 'transient');
    assert.equal(classifyAwsError(new ECSServiceException({ name: 'InternalFailure', $fault: 'server', message: 'x', ...meta(502) })).kind, 'transient');
    assert.equal(classifyAwsError(ec2Error('Unavailable', 503, 'The server is overloaded')).kind, 'transient');
    for (const code of ['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT']) {
      const c = classifyAwsError(networkError(code));
      assert.deepEqual([c.kind, c.code], ['transient', code]);
    }
    assert.equal(classifyAwsError(Object.assign(new Error('socket hang up'), { name: 'TimeoutError' })).kind, 'transient');
  });

  test('invalid requests and everything unknown are client errors', () => {
    assert.equal(classifyAwsError(new InvalidParameterException({ message: 'No Container Instances were found in your cluster.', ...meta(400) })).kind, 'client');
    assert.equal(classifyAwsError(new ClientException({ message: 'Fargate requires task definition to have execution role ARN to support log driver awslogs.', ...meta(400) })).kind, 'client');
    assert.equal(classifyAwsError(new LimitExceededException({ message: 'The limit for the resource was exceeded.', ...meta(400) })).kind, 'client');
    assert.equal(classifyAwsError(new TypeError('bad')).kind, 'client');
    assert.equal(classifyAwsError('a string').code, 'UnknownError');
  });
});

describe('the error sorter for callers', () => {
  const raw = new ServerException({ message: 'Service unavailable', ...meta(500) });
  const wrapped = new GatewayError('transient', 'RunTask', 'ServerException', 'RunTask: ServerException: Service unavailable', raw, 400);

  test('AWS answers and empty budgets are AWS errors; bugs and plain errors are not', () => {
    assert.equal(isAwsError(raw), true);
    assert.equal(isAwsError(wrapped), true);
    assert.equal(isAwsError(new BudgetExhaustedError('clusterResourceModify', 100)), true);
    assert.equal(isAwsError(new TypeError('undefined is not a function')), false);
    assert.equal(isAwsError(networkError('ECONNRESET')), false);
    assert.equal(isAwsError(null), false);
  });

  test('a gateway error is described with AWS\'s own words and the gateway\'s suggested wait', () => {
    assert.deepEqual(describeError(wrapped), { kind: 'transient', code: 'ServerException', message: 'Service unavailable', retryAfterMs: 400 });
    assert.equal(sdkErrorOf(wrapped), raw);
    assert.equal(wrapped.cause, raw);
  });

  test('a raw SDK error is described by the same classification', () => {
    const conflict = new ConflictException({ message: 'clientToken reused', ...meta(400) });
    assert.deepEqual(describeError(conflict), { kind: 'conflict', code: 'ConflictException', message: 'clientToken reused' });
    assert.equal(sdkErrorOf(conflict), conflict);
  });

  test('only throttled and transient answers are worth the same call again later', () => {
    assert.deepEqual(
      (['throttled', 'transient', 'conflict', 'client', 'notFound'] as const).filter(isRetryableKind),
      ['throttled', 'transient'],
    );
  });
});

describe('task-definition problems', () => {
  test('ECS\'s "not found" words for a task definition sort as notFound, "inactive" stays a client error', () => {
    assert.equal(classifyAwsError(new ClientException({ message: 'TaskDefinition not found.', ...meta(400) })).kind, 'notFound');
    assert.equal(classifyAwsError(new ClientException({ message: 'Unable to describe task definition.', ...meta(400) })).kind, 'notFound');
    assert.equal(classifyAwsError(new InvalidParameterException({ message: 'TaskDefinition is inactive', ...meta(400) })).kind, 'client');
  });

  test('taskDefinitionProblem names missing and inactive revisions by exception name and message', () => {
    assert.equal(taskDefinitionProblem(new ClientException({ message: 'TaskDefinition not found.', ...meta(400) })), 'missing');
    assert.equal(taskDefinitionProblem(new ClientException({ message: 'Unable to describe task definition.', ...meta(400) })), 'missing');
    assert.equal(taskDefinitionProblem(new InvalidParameterException({ message: 'TaskDefinition is inactive', ...meta(400) })), 'inactive');
    const raw = new ClientException({ message: 'TaskDefinition not found.', ...meta(400) });
    assert.equal(taskDefinitionProblem(new GatewayError('notFound', 'RunTask', 'ClientException', 'RunTask: ClientException: TaskDefinition not found.', raw)), 'missing');
  });

  test('anything else is no task-definition problem', () => {
    assert.equal(taskDefinitionProblem(new ClientException({ message: 'Rate exceeded', ...meta(400) })), undefined);
    assert.equal(taskDefinitionProblem(new ClusterNotFoundException({ message: 'Cluster not found.', ...meta(400) })), undefined);
    assert.equal(taskDefinitionProblem(new ECSServiceException({ name: 'AccessDeniedException', $fault: 'client', message: 'TaskDefinition not found.', ...meta(400) })), undefined);
    assert.equal(taskDefinitionProblem(new BudgetExhaustedError('taskDefinitionRead', 10)), undefined);
    assert.equal(taskDefinitionProblem(new Error('TaskDefinition not found.')), undefined);
  });
});

/** A failed name lookup as the SDK throws it (node's getaddrinfo error; the SDK's retry step adds $metadata). */
function dnsError(host: string, code = 'ENOTFOUND'): Error {
  return Object.assign(new Error(`getaddrinfo ${code} ${host}`), {
    errno: code === 'ENOTFOUND' ? -3008 : -3001, code, syscall: 'getaddrinfo', hostname: host, $metadata: { attempts: 1, totalRetryDelay: 0 },
  });
}

/** What the gateway throws for it (gateway.ts wraps every failed call so). */
function gatewayDnsError(host: string, code = 'ENOTFOUND', action = 'RunTask'): GatewayError {
  const raw = dnsError(host, code);
  const c = classifyAwsError(raw);
  return new GatewayError(c.kind, action, c.code, `${action}: ${c.code}: ${c.message}`, raw, 150);
}

describe('an endpoint whose name does not resolve', () => {
  test('ENOTFOUND and EAI_AGAIN are AWS call failures worth retrying', () => {
    for (const code of ['ENOTFOUND', 'EAI_AGAIN']) {
      const c = classifyAwsError(dnsError('ecs.eu-fake-1.amazonaws.com', code));
      assert.deepEqual([c.kind, c.code], ['transient', code]);
      assert.equal(isAwsError(dnsError('ecs.eu-fake-1.amazonaws.com', code)), true);
    }
  });

  test('the Region is read from an AWS regional endpoint, raw or inside a GatewayError', () => {
    assert.deepEqual(unresolvedEndpointOf(dnsError('ecs.eu-fake-1.amazonaws.com')), { host: 'ecs.eu-fake-1.amazonaws.com', region: 'eu-fake-1' });
    assert.deepEqual(unresolvedEndpointOf(gatewayDnsError('sts.xx-nowhere-9.amazonaws.com')), { host: 'sts.xx-nowhere-9.amazonaws.com', region: 'xx-nowhere-9' });
    assert.equal(unresolvedEndpointOf(dnsError('ec2.cn-north-9.amazonaws.com.cn'))?.region, 'cn-north-9');
    // Older errors name the host only in their message.
    assert.deepEqual(unresolvedEndpointOf(Object.assign(new Error('getaddrinfo ENOTFOUND logs.eu-fake-1.amazonaws.com'), { code: 'ENOTFOUND' })),
      { host: 'logs.eu-fake-1.amazonaws.com', region: 'eu-fake-1' });
  });

  test('a name of no AWS form is the configured endpoint: no Region', () => {
    assert.deepEqual(unresolvedEndpointOf(dnsError('simulator.internal')), { host: 'simulator.internal', region: undefined });
  });

  test('only ENOTFOUND says the name does not exist: EAI_AGAIN, refused connections and AWS answers do not', () => {
    assert.equal(unresolvedEndpointOf(dnsError('ecs.eu-west-1.amazonaws.com', 'EAI_AGAIN')), undefined);
    assert.equal(unresolvedEndpointOf(networkError('ECONNREFUSED')), undefined);
    assert.equal(unresolvedEndpointOf(new ServerException({ message: 'getaddrinfo ENOTFOUND x', ...meta(500) })), undefined);
    assert.equal(unresolvedEndpointOf(new BudgetExhaustedError('clusterResourceModify', 10)), undefined);
    assert.equal(unresolvedEndpointOf('ENOTFOUND'), undefined);
  });

  test('the routed gateway names the pool\'s region and spec.region, keeping the error transient', () => {
    const explained = explainWhere(gatewayDnsError('ecs.eu-fake-1.amazonaws.com'), { region: 'eu-fake-1' }, 'us-east-1');
    assert.ok(explained instanceof GatewayError);
    assert.deepEqual([explained.kind, explained.code, explained.action, explained.retryAfterMs], ['transient', 'ENOTFOUND', 'RunTask', 150]);
    const message = "cannot resolve ecs.eu-fake-1.amazonaws.com: the pool's region 'eu-fake-1' may not exist (check spec.region); retried in case DNS itself is failing";
    assert.deepEqual(describeError(explained), { kind: 'transient', code: 'ENOTFOUND', message, retryAfterMs: 150 });
    assert.equal(explained.message, `RunTask: ENOTFOUND: ${message}`);
    assert.equal(isAwsError(explained), true);
    // What a launch makes of it: a failed try to retry (bounded by the launch deadline), with the words above.
    assert.deepEqual(classifyRunTaskError(explained, { region: 'eu-fake-1' }), {
      kind: 'retry', cause: 'transient', reason: 'ENOTFOUND', message: `ENOTFOUND: ${message}`, retryAfterMs: 150,
    });
  });

  test('a role\'s STS endpoint in that Region is explained the same way', () => {
    const explained = explainWhere(gatewayDnsError('sts.eu-fake-1.amazonaws.com'), { region: 'eu-fake-1', roleArn: 'arn:aws:iam::210987654321:role/x' }, 'us-east-1');
    assert.match(describeError(explained).message, /^cannot resolve sts\.eu-fake-1\.amazonaws\.com: the pool's region 'eu-fake-1' may not exist \(check spec\.region\)/);
  });

  test('a pool without a region points at the controller\'s AWS_REGION; another name at AWS_ENDPOINT_URL', () => {
    assert.match(describeError(explainWhere(gatewayDnsError('ecs.us-fake-2.amazonaws.com'), undefined, 'us-fake-2')).message,
      /the controller's Region 'us-fake-2' may not exist \(check AWS_REGION\)/);
    assert.match(describeError(explainWhere(gatewayDnsError('sim.internal'), { region: 'eu-west-1' }, 'us-east-1')).message,
      /^cannot resolve sim\.internal, the host of the configured AWS endpoint \(check AWS_ENDPOINT_URL\)/);
  });

  test('EAI_AGAIN is left as the resolver said it', () => {
    const again = gatewayDnsError('ecs.eu-west-1.amazonaws.com', 'EAI_AGAIN');
    assert.equal(explainWhere(again, { region: 'eu-west-1' }, 'us-east-1'), again);
    assert.equal(describeError(again).message, 'getaddrinfo EAI_AGAIN ecs.eu-west-1.amazonaws.com');
  });
});
