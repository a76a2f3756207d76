#!/usr/bin/env bash
# The unit and integration tests once more under the Node.js LTS the image runs on (ensure-node-lts.sh),
# so the runtime we ship is the runtime we test. The main suite (`npm test`) stays on the machine's node;
# the e2e tests, which start processes and take the longest, run there only. Builds dist/ first (tsc -b is
# incremental); prints a dot per test and the failures in full.
set -euo pipefail
cd "$(dirname "$0")/.."
export AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED=true
node_lts="$(bash scripts/ensure-node-lts.sh)"
bash scripts/ensure-redis.sh >&2
npx tsc -b
mapfile -t files < <(find dist/test/unit dist/test/integration -name '*.test.js' | sort)
version="$("$node_lts" --version)"
echo "node-lts: running ${#files[@]} unit and integration test files under $version"
# --test-force-exit and --test-timeout: a leaked handle or a hung test fails or ends its file instead of holding CI (scripts/test.sh says why).
if "$node_lts" --test --test-concurrency=1 --test-force-exit --test-timeout=900000 --test-reporter=dot "${files[@]}"; then
  echo "node-lts: unit and integration tests pass under $version"
else
  echo "node-lts: unit or integration tests fail under $version (see above)"
  exit 1
fi
