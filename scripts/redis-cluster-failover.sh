#!/usr/bin/env bash
# The failover experiment of docs/operations.md ("Redis Cluster"): a local cluster of three masters with
# one replica each (ports 7201-7206, its own directory), then test/e2e/redis-cluster-failover.test.ts,
# which kills the master holding the test namespace mid-burst and prints a "failover report". The cluster
# is left as the test leaves it (one node dead); the next run recreates it.
set -euo pipefail
cd "$(dirname "$0")/.."
export AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED=true
export LONGSHORE_CLUSTER_BASE_PORT=7201 LONGSHORE_CLUSTER_REPLICAS=1 LONGSHORE_CLUSTER_DIR=/tmp/longshore-redis-cluster-failover
REDIS_CLUSTER_NODES="$(bash scripts/ensure-redis-cluster.sh)"
export REDIS_CLUSTER_NODES LONGSHORE_TEST_CLUSTER_DIR="$LONGSHORE_CLUSTER_DIR"
npx tsc -b
node --test dist/test/e2e/redis-cluster-failover.test.js
