/**
 * What an SQS queue URL says about where the queue lives, pure. AWS names a queue
 * `https://sqs.<region>.amazonaws.com/<account>/<name>` (Amazon SQS Developer Guide, "Amazon SQS queue and
 * message identifiers"; the legacy form `https://<region>.queue.amazonaws.com/<account>/<name>` still
 * answers). Any other host (the simulator, a VPC endpoint's own DNS name) says nothing about the Region.
 */

const REGIONAL_HOST = /^sqs\.([a-z]{2}(?:-[a-z]+)+-\d{1,2})\.amazonaws\.com(?:\.cn)?$/;
const LEGACY_HOST = /^([a-z]{2}(?:-[a-z]+)+-\d{1,2})\.queue\.amazonaws\.com(?:\.cn)?$/;

/** The Region an AWS queue URL's host names, or undefined when its host is not one of AWS's SQS names. */
export function regionOfQueueUrl(queueUrl: string): string | undefined {
  let host: string;
  try {
    host = new URL(queueUrl).hostname.toLowerCase();
  } catch {
    return undefined;
  }
  return REGIONAL_HOST.exec(host)?.[1] ?? LEGACY_HOST.exec(host)?.[1];
}
