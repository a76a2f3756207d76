#!/usr/bin/env bash
# Debian's chromium for the console's browser tests (playwright-core drives it; no browser download).
# Idempotent and quick when it is already installed.
set -euo pipefail
if command -v chromium >/dev/null 2>&1; then
  echo "chromium: $(chromium --version 2>/dev/null | head -1)"
  exit 0
fi
echo "chromium: not installed; installing with apt-get"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null
echo "chromium: $(chromium --version 2>/dev/null | head -1)"
