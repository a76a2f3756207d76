#!/usr/bin/env bash
# The tests that touch Redis once more against a local Redis Cluster (scripts/ensure-redis-cluster.sh, three
# masters): every integration test file (store, queues, budgets, scripts, leases...), the end-to-end
# burst (two controller replicas, 300 runs), the end-to-end shutdown after work (two replicas must exit 0
# on SIGTERM; issue 11), the API server, the CLI (direct and through the API) and the orchestrator examples. REDIS_CLUSTER_NODES points the test connections, the
# harness and the replicas it starts at the cluster (test/helpers/redis-namespace.ts). Builds dist/ first.
set -euo pipefail
cd "$(dirname "$0")/.."
export AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED=true
REDIS_CLUSTER_NODES="$(bash scripts/ensure-redis-cluster.sh)"
export REDIS_CLUSTER_NODES
npx tsc -b
mapfile -t files < <(find dist/test/integration -name '*.test.js' | sort)
files+=(dist/test/e2e/controller-throughput.test.js dist/test/e2e/controller-shutdown.test.js)
# The API server and the CLI (direct and through the API), and the orchestrator examples, on the cluster too.
files+=(dist/test/e2e/api-process.test.js dist/test/e2e/cli-api.test.js dist/test/e2e/cli-resources.test.js dist/test/e2e/api-examples.test.js)
# The CLI's output (its -A lists namespaces from every master: SCAN walks one node only) and kill through a controller.
files+=(dist/test/e2e/cli-output.test.js dist/test/e2e/cli-kill.test.js)
echo "redis-cluster: running ${#files[@]} test files against the cluster at $REDIS_CLUSTER_NODES"
# --test-force-exit and --test-timeout: a leaked handle or a hung test fails or ends its file instead of holding CI (scripts/test.sh says why).
if node --test --test-concurrency=1 --test-force-exit --test-timeout=900000 --test-reporter=dot "${files[@]}"; then
  echo "redis-cluster: the tests pass on the cluster"
else
  echo "redis-cluster: tests fail on the cluster (see above)"
  exit 1
fi
