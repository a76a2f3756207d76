/**
 * The AWS SDK v3 clients the gateway drives. `maxAttempts: 1` turns the SDK's own retries off: the gateway
 * alone decides when to retry, so a throttle is seen once, counted once, and paced by the shared budgets.
 * Region and credentials follow the SDK's default chain unless given; `endpointUrl` points every client at
 * one endpoint (the simulator serves ECS, EC2 and CloudWatch Logs on one port).
 */
import { ECSClient } from '@aws-sdk/client-ecs';
import { EC2Client } from '@aws-sdk/client-ec2';
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { SQSClient } from '@aws-sdk/client-sqs';

export interface AwsClients {
  ecs: ECSClient;
  ec2: EC2Client;
  logs: CloudWatchLogsClient;
  /** For the optional task-state event queue; SQS is not an ECS budget, so it bypasses the gateway. */
  sqs: SQSClient;
  /** Closes the clients' sockets. */
  destroy(): void;
}

export interface AwsClientOptions {
  region?: string | undefined;
  endpointUrl?: string | undefined;
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string } | undefined;
  /** Per-request socket timeout, so a hung connection becomes a transient error. */
  requestTimeoutMs?: number;
}

export function createAwsClients(options: AwsClientOptions = {}): AwsClients {
  const config = {
    maxAttempts: 1,
    ...(options.region ? { region: options.region } : {}),
    ...(options.endpointUrl ? { endpoint: options.endpointUrl } : {}),
    ...(options.credentials ? { credentials: options.credentials } : {}),
    requestHandler: { requestTimeout: options.requestTimeoutMs ?? 30_000 },
  };
  const ecs = new ECSClient(config);
  const ec2 = new EC2Client(config);
  // Logs and SQS are built on first use: most replicas never read logs or poll a queue.
  let logs: CloudWatchLogsClient | undefined;
  let sqs: SQSClient | undefined;
  return {
    ecs,
    ec2,
    get logs() {
      logs ??= new CloudWatchLogsClient(config);
      return logs;
    },
    get sqs() {
      sqs ??= new SQSClient(config);
      return sqs;
    },
    destroy() {
      ecs.destroy();
      ec2.destroy();
      logs?.destroy();
      sqs?.destroy();
    },
  };
}
