#!/usr/bin/env bash
# Make sure zsh and fish are installed: the completion test (test/e2e/cli-wait-version.test.ts) loads
# `longshore completion zsh|fish` into the real shells and asks them for completions. Installs whichever is
# missing with apt-get (Debian's zsh and fish packages); quick and silent when both are there.
set -euo pipefail
missing=()
command -v zsh >/dev/null 2>&1 || missing+=(zsh)
command -v fish >/dev/null 2>&1 || missing+=(fish)
if [ ${#missing[@]} -gt 0 ]; then
  echo "shells: installing ${missing[*]} with apt-get"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
echo "shells: $(zsh --version | head -n 1); $(fish --version 2>&1 | head -n 1)"
