/**
 * The slices of the AWS gateway (controller/aws/gateway.ts) that launching uses. Narrow on purpose: the
 * real gateway satisfies them structurally, and unit tests pass small fakes.
 */
import type { RunTaskCommandInput, RunTaskCommandOutput } from '@aws-sdk/client-ecs';
import type { DescribeSubnetsCommandInput, DescribeSubnetsCommandOutput, DescribeVpcsCommandInput, DescribeVpcsCommandOutput } from '@aws-sdk/client-ec2';

export interface CallOptions {
  /** false (default for reconcilers): throw BudgetExhaustedError instead of waiting for a token. */
  wait?: boolean;
  /** For RunTask: the Fargate launch bucket and the number of tasks the call launches. */
  launches?: { category: 'fargateLaunches' | 'fargateSpotLaunches'; count: number };
}

export interface RunTaskGateway {
  runTask(input: RunTaskCommandInput, options?: CallOptions): Promise<RunTaskCommandOutput>;
}

export interface Ec2DescribeGateway {
  describeVpcs(input: DescribeVpcsCommandInput, options?: CallOptions): Promise<DescribeVpcsCommandOutput>;
  describeSubnets(input: DescribeSubnetsCommandInput, options?: CallOptions): Promise<DescribeSubnetsCommandOutput>;
}
