#!/usr/bin/env bash
# Runs every compiled test file (dist/**/*.test.js) with node's built-in test runner, one file at a time:
# integration tests share one Redis and one machine's two cores, so running files serially keeps them honest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-redis.sh >&2
npx tsc -p tsconfig.json
mapfile -t files < <(find dist/test -name '*.test.js' | sort)
exec node --test --test-concurrency=1 "${files[@]}"
