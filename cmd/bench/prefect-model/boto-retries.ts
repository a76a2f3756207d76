/**
 * MODEL, not product code: botocore's default ("legacy") retry behaviour, which boto3 clients use unless
 * configured otherwise, so the Prefect worker model's AWS calls retry as the real worker's do.
 *
 * botocore/data/_retry.json, "retry" → "__default__": max_attempts 5 (the first try and 4 retries), delay
 * `rand * 2 ** (attempts - 1)` seconds ("base": "rand", "growth_factor": 2), on the general throttling error
 * codes and on HTTP 500, 502, 503, 504 (and connection errors).
 */
export const BOTO_LEGACY_MAX_ATTEMPTS = 5;

const THROTTLING_CODES = new Set([
  'Throttling', 'ThrottlingException', 'ThrottledException', 'RequestThrottledException', 'TooManyRequestsException',
  'ProvisionedThroughputExceededException', 'TransactionInProgressException', 'RequestLimitExceeded', 'BandwidthLimitExceeded',
  'LimitExceededException', 'RequestThrottled', 'SlowDown', 'PriorRequestNotComplete', 'EC2ThrottledException',
]);

interface SdkError { name?: string; Code?: string; $metadata?: { httpStatusCode?: number } }

export function isThrottle(error: unknown): boolean {
  const e = error as SdkError;
  return THROTTLING_CODES.has(e.name ?? '') || THROTTLING_CODES.has(e.Code ?? '');
}

export function isRetryable(error: unknown): boolean {
  const status = (error as SdkError).$metadata?.httpStatusCode;
  return isThrottle(error) || status === 500 || status === 502 || status === 503 || status === 504 ||
    (status === undefined && error instanceof Error && /ECONNRESET|ECONNREFUSED|socket hang up|ETIMEDOUT/.test(error.message));
}

export interface RetryCounters { retries: number; throttles: number }

/**
 * `call` with botocore's legacy retries; `sleepSimulated(seconds)` waits simulated seconds (the model runs on
 * the simulator's clock), `random` is the model's seeded generator.
 */
export async function withBotoRetries<T>(
  call: () => Promise<T>, sleepSimulated: (seconds: number) => Promise<void>, random: () => number, counters: RetryCounters,
): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await call();
    } catch (error) {
      if (isThrottle(error)) counters.throttles += 1;
      if (attempt >= BOTO_LEGACY_MAX_ATTEMPTS || !isRetryable(error)) throw error;
      counters.retries += 1;
      await sleepSimulated(random() * 2 ** (attempt - 1));
    }
  }
}
