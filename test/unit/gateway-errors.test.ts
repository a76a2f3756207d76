import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ClientException, ClusterNotFoundException, ConflictException, ECSServiceException, InvalidParameterException,
  LimitExceededException, ResourceNotFoundException, ServerException,
} from '@aws-sdk/client-ecs';
import { EC2ServiceException } from '@aws-sdk/client-ec2';
import { ResourceNotFoundException as LogsResourceNotFound } from '@aws-sdk/client-cloudwatch-logs';
import { BudgetExhaustedError, GatewayError, classifyAwsError, describeError, isAwsError, isRetryableKind, sdkErrorOf, taskDefinitionProblem } from '../../controller/aws/errors.js';

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
