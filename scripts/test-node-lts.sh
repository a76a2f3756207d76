#!/usr/bin/env bash
# The unit and integration tests once more under the Node.js LTS the image runs on (ensure-node-lts.sh),
# so the runtime we ship is the runtime we test. The main suite (`npm test`) stays on the machine's node;
# the e2e tests, which start processes and take the longest, run there only. Expects a built dist/.
set -euo pipefail
cd "$(dirname "$0")/.."
node_lts="$(bash scripts/ensure-node-lts.sh)"
mapfile -t files < <(find dist/test/unit dist/test/integration -name '*.test.js' | sort)
echo "node-lts: $("$node_lts" --version) running ${#files[@]} unit and integration test files" >&2
exec "$node_lts" --test --test-concurrency=1 --test-reporter=dot "${files[@]}"
