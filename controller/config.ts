/**
 * The controller's configuration, compiled once from environment variables (and CLI flags, which the
 * command translates into the same variable names), validated, and frozen. One table (VARIABLES) holds
 * every variable once: its name, its default, its parser and its meaning; validation, defaults, the CLI
 * help and the documentation check all come from it. Names carry their units (resyncIntervalMs ←
 * LONGSHORE_RESYNC_INTERVAL_SECONDS, parsed by positiveSecondsAsMs). AWS credentials are left to the SDK's
 * default provider chain (AWS_PROFILE, AWS_ACCESS_KEY_ID, instance roles…).
 */
import { hostname } from 'node:os';
import { z } from 'zod';
import { BucketSpec, BudgetTable, DEFAULT_BUDGETS, THROTTLE_CATEGORIES, ThrottleCategory, budgetEnvName, scaleBudgets } from './aws/budgets.js';
import { parseClusterNodes, type RedisNodeAddress } from './redis.js';
import { DEFAULT_PRICES, PriceTableOverride, mergePrices, type PriceTable } from './pricing.js';

/** The BullMQ queues. Control messages (cancel, kill) come through the store's durable control stream instead. */
export const QUEUE_NAMES = ['reconcile-run', 'register-taskdef', 'resync'] as const;
export type QueueName = (typeof QUEUE_NAMES)[number];

export interface ControllerConfig {
  readonly redisUrl: string;
  /** Seed nodes of a Redis Cluster; when set, REDIS_URL gives only the scheme (TLS) and the credentials. */
  readonly redisClusterNodes: readonly RedisNodeAddress[] | undefined;
  /** Bounds of one connect (TCP and TLS handshake) and of one command on a non-blocking connection. */
  readonly redisTimeouts: { readonly connectMs: number; readonly commandMs: number };
  /** At start, how long Redis may take to answer before the process gives up and exits 1. */
  readonly redisStartupTimeoutMs: number;
  readonly namespace: string;
  /** Names this process among replicas (BullMQ worker names, stream consumer names, logs). */
  readonly replicaId: string;
  readonly aws: { readonly region: string | undefined; readonly endpointUrl: string | undefined };
  /** SQS queue receiving EventBridge "ECS Task State Change" events; the resync alone observes tasks without it. */
  readonly taskEventsQueueUrl: string | undefined;
  readonly concurrency: Readonly<Record<QueueName, number>>;
  readonly budgets: BudgetTable;
  /** LONGSHORE_BUDGET_TIME_SCALE: the budgets' clock runs this much faster (adaptive recovery follows it). */
  readonly budgetTimeScale: number;
  /** How long a gateway call in `wait` mode may wait for a token before giving up. */
  readonly budgetMaxWaitMs: number;
  readonly resyncIntervalMs: number;
  /** A cached task-definition revision older than this is described again before it is trusted. */
  readonly taskdefRevalidateSeconds: number;
  /** How long a stopped run is kept before the retention sweep deletes it (the store's retention). */
  readonly runRetentionSeconds: number;
  /** Interval of the cluster-wide orphaned-task sweep; 0 disables it. */
  readonly orphanSweepIntervalMs: number;
  readonly metricsPort: number;
  readonly metricsHost: string;
  /** AWS call series carry an `account` label besides `region` (LONGSHORE_METRICS_ACCOUNT_LABEL). */
  readonly metricsAccountLabel: boolean;
  /** After SIGTERM: how long in-flight jobs may run before they are handed back and the process exits. */
  readonly shutdownGraceMs: number;
  /**
   * How long a dead replica's work stays claimed: its jobs' locks and its unacknowledged change-feed and
   * control entries are taken over by a live replica after this long.
   */
  readonly jobLockMs: number;
  readonly logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** Fargate prices per Region, architecture and capacity for cost estimates: the defaults with LONGSHORE_FARGATE_PRICES over them. */
  readonly prices: PriceTable;
  /** The HTTP API (`longshore api`, or inside the controller when `enabled`). */
  readonly api: ApiConfig;
}

export interface ApiConfig {
  /** Also serve the API from inside the controller process (one-process installs). */
  readonly enabled: boolean;
  readonly host: string;
  readonly port: number;
  /** HTTPS when both are set (validated together); plain HTTP when neither is. */
  readonly tls: { readonly certFile: string; readonly keyFile: string } | undefined;
  /** Largest request body accepted; a larger one answers 413. */
  readonly bodyLimitBytes: number;
  /** Each token's request budget, shared by every API process through Redis. */
  readonly rateLimit: BucketSpec;
}

/**
 * How a variable's text becomes a value. `expected` says what a valid text looks like, for the message of
 * an invalid one; the parser's name says the unit of what it returns (secondsAsMs reads seconds, returns ms).
 */
export interface Parser<T> {
  readonly expected: string;
  readonly schema: z.ZodType<T>;
}

const matching = (pattern: RegExp, expected: string): Parser<string> => ({ expected, schema: z.string().regex(pattern) });
const nonEmpty: Parser<string> = { expected: 'a non-empty value', schema: z.string().min(1) };
const integer = (min: number, max: number, expected = `an integer from ${min} to ${max}`): Parser<number> =>
  ({ expected, schema: z.coerce.number().int().min(min).max(max) });
const positiveNumber = (max: number): Parser<number> => ({ expected: `a positive number up to ${max}`, schema: z.coerce.number().positive().max(max) });
const oneOf = <const V extends readonly [string, ...string[]]>(values: V): Parser<V[number]> =>
  ({ expected: `one of ${values.join(', ')}`, schema: z.enum(values) });
const seconds = (min: number, max: number, expected = `a number of seconds from ${min} to ${max}`): Parser<number> =>
  ({ expected, schema: z.coerce.number().min(min).max(max) });
const positiveSecondsAsMs = (max: number): Parser<number> => ({
  expected: `a positive number of seconds up to ${max}`,
  schema: z.coerce.number().positive().max(max).transform((s) => Math.round(s * 1000)),
});
const secondsAsMs = (min: number, max: number, expected?: string): Parser<number> => {
  const inSeconds = seconds(min, max, expected);
  return { expected: inSeconds.expected, schema: inSeconds.schema.transform((s) => Math.round(s * 1000)) };
};
const clusterNodes: Parser<RedisNodeAddress[]> = {
  expected: 'host:port,host:port,… (ports 1-65535)',
  schema: z.string().transform((text, context) => {
    const nodes = parseClusterNodes(text);
    if (!nodes) context.addIssue({ code: z.ZodIssueCode.custom, message: 'not a list of host:port' });
    return nodes ?? [];
  }),
};
const boolean: Parser<boolean> = { expected: 'true or false', schema: z.enum(['true', 'false']).transform((text) => text === 'true') };
const bucketSpec: Parser<BucketSpec> = {
  expected: '<burst>/<refill per second>, burst >= 1 and refill > 0, e.g. 100/40',
  schema: z
    .string()
    .regex(/^\d+(\.\d+)?\/\d+(\.\d+)?$/)
    .transform((text): BucketSpec => {
      const [burst, refill] = text.split('/').map(Number);
      return { burst, refillPerSecond: refill };
    })
    .refine((spec) => spec.burst >= 1 && spec.refillPerSecond > 0),
};

/** A JSON price table laid over the defaults (controller/pricing.ts); a Region it adds needs every rate. */
const priceTable: Parser<PriceTable> = {
  expected: 'a JSON object {"<region>": {"x86_64"|"arm64": {"onDemand"|"spot": {"vcpuHour": n, "gbHour": n}}}} (a new Region needs all four rates)',
  schema: z
    .string()
    .transform((text, ctx) => {
      try {
        return JSON.parse(text) as unknown;
      } catch {
        ctx.addIssue({ code: 'custom', message: 'not JSON' });
        return z.NEVER;
      }
    })
    .pipe(PriceTableOverride)
    .transform((override, ctx) => {
      try {
        return mergePrices(DEFAULT_PRICES, override);
      } catch (error) {
        ctx.addIssue({ code: 'custom', message: (error as Error).message });
        return z.NEVER;
      }
    }),
};

/** One environment variable: its name, its default, how it is parsed and what it means. */
export interface ConfigVariable<T> {
  readonly name: string;
  /** Read when `name` is unset. */
  readonly alias?: string;
  /** The default as documented: a text parsed like a set value, or (in parentheses or brackets) what unset means. */
  readonly default: string;
  readonly description: string;
  readonly parser: Parser<T>;
  /** The value when the variable is unset. */
  readonly unset: T;
}

/** A variable whose default is a text parsed like any set value, so the documented default is the default. */
function variable<T>(name: string, defaultText: string, parser: Parser<T>, description: string): ConfigVariable<T> {
  const parsed = parser.schema.safeParse(defaultText);
  if (!parsed.success) throw new Error(`the default of ${name} (${defaultText}) is not ${parser.expected}`);
  return { name, default: defaultText, description, parser, unset: parsed.data };
}

/** A variable that may stay unset; `whenUnset` documents what that means. */
function optional<T>(name: string, whenUnset: string, parser: Parser<T>, description: string, alias?: string): ConfigVariable<T | undefined> {
  return { name, ...(alias ? { alias } : {}), default: whenUnset, description, parser, unset: undefined };
}

const budgetVariables = Object.fromEntries(
  THROTTLE_CATEGORIES.map((category) => {
    const { burst, refillPerSecond } = DEFAULT_BUDGETS[category];
    return [`budget.${category}`, variable(budgetEnvName(category), `${burst}/${refillPerSecond}`, bucketSpec,
      `ECS budget "${category}" as <burst>/<refill per second>, shared by all replicas.`)];
  }),
) as Record<`budget.${ThrottleCategory}`, ConfigVariable<BucketSpec>>;

/** Every variable the controller reads, in the order of the documentation (docs/operations.md, --help). */
const VARIABLES = {
  redisUrl: variable('REDIS_URL', 'redis://127.0.0.1:6379', matching(/^rediss?:\/\/\S+$/, 'a redis:// or rediss:// URL'),
    'Redis holding state, caches, budgets and queues (maxmemory-policy noeviction).'),
  redisClusterNodes: optional('REDIS_CLUSTER_NODES', '(single node)', clusterNodes,
    'Seed nodes host:port,host:port,… of a Redis Cluster; REDIS_URL then gives only TLS (rediss://) and credentials.'),
  redisConnectTimeoutMs: variable('LONGSHORE_REDIS_CONNECT_TIMEOUT_SECONDS', '5', positiveSecondsAsMs(300),
    'Longest one Redis connect (TCP and TLS handshake) may take before it is retried.'),
  redisCommandTimeoutMs: variable('LONGSHORE_REDIS_COMMAND_TIMEOUT_SECONDS', '10', positiveSecondsAsMs(300),
    'Longest a Redis command waits for its reply (blocking reads excepted).'),
  redisStartupTimeoutMs: variable('LONGSHORE_REDIS_STARTUP_TIMEOUT_SECONDS', '30', positiveSecondsAsMs(3600),
    'At start, how long Redis may take to answer before the controller exits 1.'),
  namespace: variable('LONGSHORE_NAMESPACE', 'default',
    matching(/^[a-z0-9][a-z0-9-]{0,62}$/, 'lower-case letters, digits and dashes, 1-63 characters, starting with a letter or digit'),
    'Key namespace: every key is under longshore:{<namespace>}:.'),
  replicaId: optional('LONGSHORE_REPLICA_ID', '<hostname>-<pid>', matching(/^[A-Za-z0-9._-]{1,128}$/, 'letters, digits, dot, dash or underscore, 1-128 characters'),
    'This replica\'s name in queues, consumer groups and logs.'),
  region: optional('AWS_REGION', '(SDK default chain)', nonEmpty,
    'Region of the ECS clusters (AWS_DEFAULT_REGION when unset); credentials come from the SDK default chain.', 'AWS_DEFAULT_REGION'),
  endpointUrl: optional('AWS_ENDPOINT_URL', '(AWS)', matching(/^https?:\/\/\S+$/, 'an http:// or https:// URL'),
    'Endpoint for ECS, EC2, CloudWatch Logs, SQS and STS, e.g. the simulator; `{service}` and `{region}` in it become the service prefix and Region of each client.'),
  taskEventsQueueUrl: optional('LONGSHORE_TASK_EVENTS_QUEUE_URL', '(none)', matching(/^https?:\/\/\S+$/, 'an http:// or https:// SQS queue URL'),
    'The home SQS queue of EventBridge "ECS Task State Change" events, read with the controller\'s own Region and credentials (optional; speeds up observation; a pool may name a queue of its own account-region, spec.taskEventsQueueUrl).'),
  concurrencyReconcileRun: variable('LONGSHORE_CONCURRENCY_RECONCILE_RUN', '50', integer(1, 1000), 'Concurrent run reconciles per replica.'),
  concurrencyRegisterTaskdef: variable('LONGSHORE_CONCURRENCY_REGISTER_TASKDEF', '5', integer(1, 1000), 'Concurrent task-definition registrations per replica.'),
  concurrencyResync: variable('LONGSHORE_CONCURRENCY_RESYNC', '2', integer(1, 1000), 'Concurrent cluster resyncs per replica.'),
  ...budgetVariables,
  budgetTimeScale: variable('LONGSHORE_BUDGET_TIME_SCALE', '1', positiveNumber(1000), 'Multiplies every refill rate (for a time-scaled simulator).'),
  budgetMaxWaitMs: variable('LONGSHORE_BUDGET_MAX_WAIT_SECONDS', '30', positiveSecondsAsMs(86_400), 'Longest a waiting gateway call waits for a token.'),
  resyncIntervalMs: variable('LONGSHORE_RESYNC_INTERVAL_SECONDS', '10', positiveSecondsAsMs(86_400), 'Interval of the per-cluster task resync.'),
  orphanSweepIntervalMs: variable('LONGSHORE_ORPHAN_SWEEP_INTERVAL_SECONDS', '300', secondsAsMs(0, 86_400, 'a number of seconds from 0 (disabled) to 86400'),
    'Interval of the sweep that adopts or stops orphaned tasks carrying our startedBy (0 disables it).'),
  taskdefRevalidateSeconds: variable('LONGSHORE_TASKDEF_REVALIDATE_SECONDS', '86400', seconds(60, 30 * 86_400, 'a number of seconds from 60 to 2592000 (30 days)'),
    'A cached task-definition revision (or a pool\'s own ARN) older than this is described again before use (1 day).'),
  runRetentionSeconds: variable('LONGSHORE_RUN_RETENTION_SECONDS', '604800', seconds(60, 365 * 86_400, 'a number of seconds from 60 to 31536000 (one year)'),
    'How long a stopped run is kept (7 days) before the retention sweep deletes it.'),
  metricsPort: variable('LONGSHORE_METRICS_PORT', '9464', integer(0, 65535, 'an integer port from 0 to 65535'),
    'Port of /metrics, /healthz and /readyz (0 picks a free port).'),
  metricsAccountLabel: variable('LONGSHORE_METRICS_ACCOUNT_LABEL', 'true', boolean,
    'AWS call metrics carry an `account` label (the pool role\'s account, or `default`) besides `region`; false drops it (fewer series, or account ids kept out of monitoring).'),
  metricsHost: variable('LONGSHORE_METRICS_HOST', '127.0.0.1', nonEmpty, 'Address of /metrics, /healthz and /readyz (no authentication): loopback unless set; the image and the chart set 0.0.0.0, which a pod needs.'),
  shutdownGraceMs: variable('LONGSHORE_SHUTDOWN_GRACE_SECONDS', '25', positiveSecondsAsMs(86_400), 'On SIGTERM/SIGINT, time allowed for in-flight jobs.'),
  jobLockMs: variable('LONGSHORE_JOB_LOCK_SECONDS', '30', secondsAsMs(1, 3600),
    'After this long a dead replica\'s jobs and stream entries are taken over.'),
  logLevel: variable('LONGSHORE_LOG_LEVEL', 'info', oneOf(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']),
    'pino level: fatal, error, warn, info, debug, trace, silent.'),
  prices: variable('LONGSHORE_FARGATE_PRICES', '{}', priceTable,
    'Fargate prices (USD per vCPU-hour and GB-hour) by Region, x86_64/arm64 and onDemand/spot, as JSON over the published defaults, for run cost estimates. The defaults cover us-east-1, us-east-2, us-west-2 and eu-west-1 only and assume Spot at 30 % of on-demand.'),
  apiEnabled: variable('LONGSHORE_API_ENABLED', 'false', boolean,
    'Also serve the HTTP API from inside the controller process (one-process installs); `longshore api` serves it alone.'),
  apiHost: variable('LONGSHORE_API_HOST', '127.0.0.1', nonEmpty, 'Address the HTTP API binds: loopback unless set; the image and the chart set 0.0.0.0.'),
  apiPort: variable('LONGSHORE_API_PORT', '8080', integer(0, 65535, 'an integer port from 0 to 65535'),
    'Port of the HTTP API with its own /healthz, /readyz and /metrics (0 picks a free port).'),
  apiTlsCertFile: optional('LONGSHORE_API_TLS_CERT_FILE', '(plain HTTP)', nonEmpty,
    'PEM certificate (chain) of the HTTP API; with LONGSHORE_API_TLS_KEY_FILE the API serves HTTPS.'),
  apiTlsKeyFile: optional('LONGSHORE_API_TLS_KEY_FILE', '(plain HTTP)', nonEmpty, 'PEM private key of the HTTP API; set together with the certificate.'),
  apiBodyLimitBytes: variable('LONGSHORE_API_BODY_LIMIT_BYTES', '1048576', integer(1024, 64 * 1024 * 1024, 'an integer number of bytes from 1024 to 67108864'),
    'Largest request body the API accepts (413 beyond it).'),
  apiRateLimit: variable('LONGSHORE_API_RATE_LIMIT', '200/100', bucketSpec,
    'Requests per token as <burst>/<refill per second>, shared by every API process through Redis (429 with Retry-After beyond it).'),
};

/** The table as a list: drives validation, CLI help and the documentation check. */
export const CONFIG_VARIABLES: ReadonlyArray<ConfigVariable<unknown>> = Object.values(VARIABLES);

export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`invalid configuration:\n  ${problems.join('\n  ')}`);
    this.name = 'ConfigError';
  }
}

type Source = Readonly<Record<string, string | undefined>>;

/** The variable's text and the name it was read from; empty strings count as unset. */
function textOf(variable: ConfigVariable<unknown>, source: Source): { from: string; text: string } | undefined {
  for (const from of variable.alias ? [variable.name, variable.alias] : [variable.name]) {
    const text = source[from]?.trim();
    if (text !== undefined && text !== '') return { from, text };
  }
  return undefined;
}

function problemOf(variable: ConfigVariable<unknown>, source: Source): string | undefined {
  const set = textOf(variable, source);
  if (set === undefined || variable.parser.schema.safeParse(set.text).success) return undefined;
  return `${set.from}: expected ${variable.parser.expected}, got ${JSON.stringify(set.text)}`;
}

/** The variable's value; only called once every variable is known to be valid. */
function valueOf<T>(variable: ConfigVariable<T>, source: Source): T {
  const set = textOf(variable, source);
  if (set === undefined) return variable.unset;
  const parsed = variable.parser.schema.safeParse(set.text);
  if (!parsed.success) throw new ConfigError([`${set.from}: expected ${variable.parser.expected}`]);
  return parsed.data;
}

/**
 * Compiles the configuration from `source` (normally `{ ...process.env, ...flagsAsVariables }`).
 * Empty strings count as unset. Throws ConfigError listing every invalid variable with what was
 * expected and what was got.
 */
export function compileConfig(source: Source, pid = process.pid): ControllerConfig {
  const problems = CONFIG_VARIABLES.map((variable) => problemOf(variable, source)).filter((p): p is string => p !== undefined);
  const tlsSet = [VARIABLES.apiTlsCertFile, VARIABLES.apiTlsKeyFile].map((v) => textOf(v, source) !== undefined);
  if (tlsSet[0] !== tlsSet[1]) problems.push('LONGSHORE_API_TLS_CERT_FILE and LONGSHORE_API_TLS_KEY_FILE: set both (HTTPS) or neither (plain HTTP)');
  if (problems.length > 0) throw new ConfigError(problems);
  const read = <T>(variable: ConfigVariable<T>): T => valueOf(variable, source);
  const V = VARIABLES;
  const configured = Object.fromEntries(
    THROTTLE_CATEGORIES.map((category): [ThrottleCategory, BucketSpec] => [category, read(V[`budget.${category}`])]),
  ) as Record<ThrottleCategory, BucketSpec>;
  return deepFreeze({
    redisUrl: read(V.redisUrl),
    redisClusterNodes: read(V.redisClusterNodes),
    redisTimeouts: { connectMs: read(V.redisConnectTimeoutMs), commandMs: read(V.redisCommandTimeoutMs) },
    redisStartupTimeoutMs: read(V.redisStartupTimeoutMs),
    namespace: read(V.namespace),
    replicaId: read(V.replicaId) ?? `${hostname().replace(/[^A-Za-z0-9._-]/g, '-')}-${pid}`,
    aws: { region: read(V.region), endpointUrl: read(V.endpointUrl) },
    taskEventsQueueUrl: read(V.taskEventsQueueUrl),
    concurrency: {
      'reconcile-run': read(V.concurrencyReconcileRun),
      'register-taskdef': read(V.concurrencyRegisterTaskdef),
      resync: read(V.concurrencyResync),
    },
    budgets: scaleBudgets(configured, read(V.budgetTimeScale)),
    budgetTimeScale: read(V.budgetTimeScale),
    budgetMaxWaitMs: read(V.budgetMaxWaitMs),
    resyncIntervalMs: read(V.resyncIntervalMs),
    taskdefRevalidateSeconds: read(V.taskdefRevalidateSeconds),
    runRetentionSeconds: read(V.runRetentionSeconds),
    orphanSweepIntervalMs: read(V.orphanSweepIntervalMs),
    metricsPort: read(V.metricsPort),
    metricsHost: read(V.metricsHost),
    metricsAccountLabel: read(V.metricsAccountLabel),
    shutdownGraceMs: read(V.shutdownGraceMs),
    jobLockMs: read(V.jobLockMs),
    logLevel: read(V.logLevel),
    prices: read(V.prices),
    api: {
      enabled: read(V.apiEnabled),
      host: read(V.apiHost),
      port: read(V.apiPort),
      tls: apiTls(read(V.apiTlsCertFile), read(V.apiTlsKeyFile)),
      bodyLimitBytes: read(V.apiBodyLimitBytes),
      rateLimit: read(V.apiRateLimit),
    },
  });
}

function apiTls(certFile: string | undefined, keyFile: string | undefined): ApiConfig['tls'] {
  return certFile !== undefined && keyFile !== undefined ? { certFile, keyFile } : undefined;
}

function deepFreeze<T extends object>(value: T): T {
  for (const inner of Object.values(value)) {
    if (inner !== null && typeof inner === 'object' && !Object.isFrozen(inner)) deepFreeze(inner as object);
  }
  return Object.freeze(value);
}
