import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { endpointFor } from '../../controller/aws/clients.js';

describe('the AWS endpoint of each client', () => {
  test('a plain URL is every client\'s endpoint', () => {
    assert.equal(endpointFor('http://127.0.0.1:4566', 'ec2', 'eu-west-1'), 'http://127.0.0.1:4566');
  });

  test('{service} and {region} become the client\'s endpoint prefix and Region (AWS\'s regional names)', () => {
    const template = 'http://{service}.{region}.amazonaws.com:4566';
    assert.equal(endpointFor(template, 'ecs', 'eu-fake-1'), 'http://ecs.eu-fake-1.amazonaws.com:4566');
    assert.equal(endpointFor(template, 'sts', 'us-east-1'), 'http://sts.us-east-1.amazonaws.com:4566');
  });

  test('{region} without a Region is refused, naming AWS_REGION', () => {
    assert.throws(() => endpointFor('http://{service}.{region}.amazonaws.com', 'ecs', undefined), /names \{region\}, but no Region is configured \(AWS_REGION\)/);
  });
});
