/**
 * The gateway every reconciler holds: each call goes to the account-region its `target` names (a pool's
 * Region and role), through that target's clients (AwsClientPool: created on first use, reused) and that
 * account-region's Redis budgets, so one account-region's budget, throttles and adaptive slow-down never
 * touch another's. The per-target gateways themselves are the one gateway (gateway.ts), created lazily.
 */
import type { AwsClientPool } from './clients.js';
import { createAwsGateway, type AwsGateway, type CallOptions, type GatewayDependencies, type GatewayMetrics } from './gateway.js';
import { GatewayError, unresolvedEndpointOf, type UnresolvedEndpoint } from './errors.js';
import type { RedisBudgets } from './redis-budgets.js';
import { scopeOf, type HomeScope } from './budget-keys.js';
import { targetKey, type AwsTarget, type BudgetScope } from './target.js';

export interface RoutedGatewayDependencies extends Omit<GatewayDependencies, 'clients' | 'budgets' | 'metrics'> {
  /** The controller's metrics; each target's calls are labelled with its account-region (ControllerMetrics.awsScopeLabels). */
  metrics?: ScopedMetricsSource;
  clientPool: AwsClientPool;
  /** The budgets of one account-region (one RedisBudgets per scope; see budget-keys.ts). */
  budgetsFor: (scope: BudgetScope) => RedisBudgets;
  /** The controller's own account-region: its Region for targets that name none, its account to know a role into it. */
  home: HomeScope;
}

export function createRoutedGateway(deps: RoutedGatewayDependencies): AwsGateway {
  const { clientPool, budgetsFor, home, metrics, ...shared } = deps;
  const defaultRegion = home.region;
  const gateways = new Map<string, AwsGateway>();
  const budgets = new Map<string, RedisBudgets>();
  const gatewayFor = (target: AwsTarget | undefined): AwsGateway => {
    const key = targetKey(target, defaultRegion);
    let gateway = gateways.get(key);
    if (gateway === undefined) {
      const scope = scopeOf(target, home);
      const scopeKey = `${scope.account}/${scope.region}`;
      let scoped = budgets.get(scopeKey);
      if (scoped === undefined) {
        scoped = budgetsFor(scope);
        budgets.set(scopeKey, scoped);
      }
      gateway = createAwsGateway({
        ...shared, clients: clientPool.clientsFor(target), budgets: scoped, ...(metrics ? { metrics: scopedMetrics(metrics, scope) } : {}),
      });
      gateways.set(key, gateway);
    }
    return gateway;
  };
  const route = <I, O>(call: (gateway: AwsGateway, input: I, o: CallOptions | undefined) => Promise<O>) =>
    async (input: I, o?: CallOptions): Promise<O> => {
      try {
        return await call(gatewayFor(o?.target), input, o);
      } catch (error) {
        throw explainWhere(error, o?.target, defaultRegion);
      }
    };
  return {
    registerTaskDefinition: route((g, i, o) => g.registerTaskDefinition(i, o)),
    deregisterTaskDefinition: route((g, i, o) => g.deregisterTaskDefinition(i, o)),
    describeTaskDefinition: route((g, i, o) => g.describeTaskDefinition(i, o)),
    listTaskDefinitions: route((g, i, o) => g.listTaskDefinitions(i, o)),
    runTask: route((g, i, o) => g.runTask(i, o)),
    stopTask: route((g, i, o) => g.stopTask(i, o)),
    describeTasks: route((g, i, o) => g.describeTasks(i, o)),
    listTasks: route((g, i, o) => g.listTasks(i, o)),
    describeClusters: route((g, i, o) => g.describeClusters(i, o)),
    describeVpcs: route((g, i, o) => g.describeVpcs(i, o)),
    describeSubnets: route((g, i, o) => g.describeSubnets(i, o)),
    getLogEvents: route((g, i, o) => g.getLogEvents(i, o)),
  };
}

/**
 * What AWS answers for a Region the account cannot use (an opt-in Region not enabled in it) or keys it does
 * not know. A Region that does not exist answers nothing: its endpoint's name does not resolve (ENOTFOUND).
 */
const UNKNOWN_CLIENT_CODES = new Set(['UnrecognizedClientException', 'InvalidClientTokenId', 'AuthFailure']);
/** What STS answers when the role cannot be assumed (trust policy, external id, no such role or account). */
const ASSUME_ROLE_CODES = new Set(['AccessDenied', 'CredentialsProviderError', 'ExpiredToken', 'RegionDisabledException']);

/**
 * AWS's words for "not in this Region" and "not this role" name neither, and a Region that does not exist
 * gets no AWS words at all (getaddrinfo ENOTFOUND); the pool's owner needs to know where the call went. The
 * error stays what it was (kind, code, cause's type) with a message that says so.
 */
export function explainWhere(error: unknown, target: AwsTarget | undefined, defaultRegion: string | undefined): unknown {
  if (!(error instanceof GatewayError)) return error;
  const region = target?.region ?? defaultRegion ?? '(the SDK default Region)';
  const aws = error.cause instanceof Error ? error.cause.message : error.message;
  const unresolved = unresolvedEndpointOf(error);
  let explained: string | undefined;
  if (unresolved !== undefined) {
    explained = unresolvedEndpointMessage(unresolved, target, defaultRegion);
  } else if (UNKNOWN_CLIENT_CODES.has(error.code)) {
    explained = `${aws} (AWS answers this for a Region the account cannot use, or for credentials it does not know: `
      + `the call went to Region ${region}${target?.roleArn ? ` as role ${target.roleArn}` : ''}; check the pool's region)`;
  } else if (target?.roleArn !== undefined && ASSUME_ROLE_CODES.has(error.code)) {
    explained = `could not assume role ${target.roleArn}${target.externalId !== undefined ? ' (with its externalId)' : ''} for the pool's calls: ${aws}`;
  }
  if (explained === undefined) return error;
  const cause = Object.assign(new Error(explained), { name: error.code, $metadata: (error.cause as { $metadata?: unknown } | undefined)?.$metadata ?? {} });
  return new GatewayError(error.kind, error.action, error.code, `${error.action}: ${error.code}: ${explained}`, cause, error.retryAfterMs);
}

type ScopeLabels = Partial<Record<'region' | 'account', string>>;

/** The slice of ControllerMetrics the routed gateway labels per account-region. */
export interface ScopedMetricsSource {
  ecsApiCalls: { inc(labels: { action: string; outcome: string } & ScopeLabels): void };
  ecsApiThrottles: { inc(labels: { action: string } & ScopeLabels): void };
  ecsApiCallDuration: { observe(labels: { action: string } & ScopeLabels, seconds: number): void };
  budgetExhausted: { inc(labels: { category: string } & ScopeLabels): void };
  awsScopeLabels(scope: BudgetScope): ScopeLabels;
}

/** The gateway's metrics for one account-region: every series carries its `region` (and `account`). */
export function scopedMetrics(metrics: ScopedMetricsSource, scope: BudgetScope): GatewayMetrics {
  const labels = metrics.awsScopeLabels(scope);
  return {
    ecsApiCalls: { inc: (l) => metrics.ecsApiCalls.inc({ ...l, ...labels }) },
    ecsApiThrottles: { inc: (l) => metrics.ecsApiThrottles.inc({ ...l, ...labels }) },
    ecsApiCallDuration: { observe: (l, seconds) => metrics.ecsApiCallDuration.observe({ ...l, ...labels }, seconds) },
    budgetExhausted: { inc: (l) => metrics.budgetExhausted.inc({ ...l, ...labels }) },
  };
}

/**
 * Why a call's endpoint did not resolve, in words the pool's owner can act on: whose Region it is (the pool's
 * spec.region, or the controller's AWS_REGION for a pool without one) or, for a name of no AWS form, the
 * configured endpoint. The call stays transient (errors.ts says why): the message says it is retried.
 */
export function unresolvedEndpointMessage(unresolved: UnresolvedEndpoint, target: AwsTarget | undefined, defaultRegion: string | undefined): string {
  const { host, region } = unresolved;
  const retried = 'retried in case DNS itself is failing';
  if (region === undefined) return `cannot resolve ${host}, the host of the configured AWS endpoint (check AWS_ENDPOINT_URL); ${retried}`;
  const whose = target?.region === region ? `the pool's region '${region}' may not exist (check spec.region)`
    : target?.region === undefined && defaultRegion === region ? `the controller's Region '${region}' may not exist (check AWS_REGION)`
      : `the Region '${region}' may not exist`;
  return `cannot resolve ${host}: ${whose}; ${retried}`;
}
