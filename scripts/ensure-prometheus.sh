#!/usr/bin/env bash
# Make sure Prometheus and promtool are on PATH (the alert rule tests and the live-scrape e2e test run them):
# use them if present, otherwise install Debian's `prometheus` package with apt-get. Quick when present.
# The package's service is never started here: the tests start their own Prometheus on a free port.
set -euo pipefail
if command -v prometheus >/dev/null 2>&1 && command -v promtool >/dev/null 2>&1; then
  echo "prometheus: $(promtool --version 2>&1 | head -n 1)"
  exit 0
fi
echo "prometheus: not installed; installing Debian's prometheus package with apt-get"
export DEBIAN_FRONTEND=noninteractive
# policy-rc.d keeps the package's init script from starting a Prometheus on :9090 during the install.
policy=/usr/sbin/policy-rc.d
created_policy=false
if [[ ! -e "$policy" ]]; then
  printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod +x "$policy" && created_policy=true
fi
remove_policy() { if [[ "$created_policy" == true ]]; then rm -f "$policy"; fi; }
trap remove_policy EXIT
apt-get update -qq
apt-get install -y -qq --no-install-recommends prometheus >/dev/null
command -v promtool >/dev/null 2>&1 || { echo "prometheus: promtool missing after install" >&2; exit 1; }
echo "prometheus: $(promtool --version 2>&1 | head -n 1)"
