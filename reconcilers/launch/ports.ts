/**
 * The slices of the AWS gateway (controller/aws/gateway.ts) that launching uses. Narrow on purpose: the
 * real gateway satisfies them structurally, and unit tests pass small fakes.
 */
import type { RunTaskCommandInput, RunTaskCommandOutput } from '@aws-sdk/client-ecs';
import type { DescribeSubnetsCommandInput, DescribeSubnetsCommandOutput, DescribeVpcsCommandInput, DescribeVpcsCommandOutput } from '@aws-sdk/client-ec2';
import type { CallOptions } from '../../controller/aws/gateway.js';

export interface RunTaskGateway {
  runTask(input: RunTaskCommandInput, options?: CallOptions): Promise<RunTaskCommandOutput>;
}

export interface Ec2DescribeGateway {
  describeVpcs(input: DescribeVpcsCommandInput, options?: CallOptions): Promise<DescribeVpcsCommandOutput>;
  describeSubnets(input: DescribeSubnetsCommandInput, options?: CallOptions): Promise<DescribeSubnetsCommandOutput>;
}
