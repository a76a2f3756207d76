#!/usr/bin/env bash
# Stamps the build with its git revision: writes dist/build-info.json (read by controller/build-info.ts for
# `longshore version`, the replica registry and build_info). LONGSHORE_REVISION wins (a container build has no
# .git; pass it as a build argument); else `git rev-parse HEAD`, with "-dirty" when the tree has changes.
set -euo pipefail
out="${1:-$(dirname "$0")/../dist/build-info.json}"
revision="${LONGSHORE_REVISION:-}"
if [[ -z "$revision" ]] && git -C "$(dirname "$0")" rev-parse HEAD >/dev/null 2>&1; then
  revision="$(git -C "$(dirname "$0")" rev-parse HEAD)"
  if [[ -n "$(git -C "$(dirname "$0")" status --porcelain --untracked-files=no 2>/dev/null)" ]]; then revision="$revision-dirty"; fi
fi
# Only characters a revision has, so the JSON stays JSON whatever the variable holds.
revision="$(printf %s "$revision" | tr -cd 'A-Za-z0-9._-')"
mkdir -p "$(dirname "$out")"
printf '{"revision":"%s"}\n' "${revision:-unknown}" > "$out"
