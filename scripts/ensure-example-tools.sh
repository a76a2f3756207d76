#!/usr/bin/env bash
# The orchestrator examples (examples/) are tested with Debian's curl and python3 (test/e2e/api-examples.test.ts):
# install whichever is missing with apt-get; nothing to do (and quick) when both are present.
set -euo pipefail
missing=()
command -v curl >/dev/null 2>&1 || missing+=(curl)
command -v python3 >/dev/null 2>&1 || missing+=(python3)
if [ ${#missing[@]} -eq 0 ]; then echo "example tools: curl and python3 present"; exit 0; fi
echo "example tools: installing ${missing[*]} with apt-get"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq "${missing[@]}" >/dev/null
