#!/usr/bin/env bash
# Runs every compiled test file with node's built-in test runner, one file at a time: the product's
# (dist/test/**) and the simulator package's (simulator/dist/test/**). Integration tests share one Redis and one
# machine's two cores, so running files serially keeps them honest. One invocation, so one summary at the end.
set -euo pipefail
# The AWS SDK prints a "node >= 22" notice into test output otherwise; tests of our own never need it.
export AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED=true
cd "$(dirname "$0")/.."
bash scripts/ensure-redis.sh >&2
# The TLS-only Redis Cluster with an ACL user (ports 7111-7113; about 3 s to create, reused when healthy) for
# test/integration/redis-cluster-tls-auth.test.ts, which skips without it. Its CA is trusted as an operator
# trusts a private CA, with NODE_EXTRA_CA_CERTS, which Node reads at start: hence exported for every test
# process (it only adds a CA) and inherited by the controllers and CLIs they start.
tls_cluster="$(bash scripts/ensure-redis-cluster-tls.sh)"
export LONGSHORE_TEST_REDIS_CLUSTER_TLS_NODES="${tls_cluster%%$'\n'*}"
export NODE_EXTRA_CA_CERTS="${tls_cluster#*$'\n'}"
bash scripts/ensure-prometheus.sh >&2
# Debian's chromium for the console's browser tests (test/e2e/console-*.test.ts).
bash scripts/ensure-chromium.sh >&2
# A clean build, so a test file that was moved or deleted does not keep running from a stale dist/ (test/sim/
# became simulator/test/). -b builds the simulator package (a project reference) before the code importing it.
rm -rf dist simulator/dist client/dist
npx tsc -b
# The console's assets (console/dist), which the API serves at /ui/ and the browser tests load.
npm run build --silent -w @longshore/console
mapfile -t files < <(find dist/test simulator/dist/test client/dist/test -name '*.test.js' | sort)
# --test-force-exit: a file whose tests have all finished is ended even if a leaked handle (a socket of some
# test's Redis client, say) would keep its process alive; otherwise one such file holds the whole run until
# CI's own time limit. That a controller, API or CLI process exits by itself is asserted where it matters, by the
# e2e tests that start those processes and check their exit codes. --test-timeout (15 min) fails a test
# that hangs instead of waiting for it forever.
# The reporter is node's TAP one plus a list of the failed tests just before the closing summary
# (scripts/tap-failures-reporter.mjs), so a log that keeps only its tail still names them.
exec node --test --test-concurrency=1 --test-force-exit --test-timeout=900000 --test-reporter=./scripts/tap-failures-reporter.mjs "${files[@]}"
