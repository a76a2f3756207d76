#!/usr/bin/env bash
# Make sure a local Redis Cluster answers: three masters on 127.0.0.1 ports BASE..BASE+2 (default 7101-7103)
# and, with LONGSHORE_CLUSTER_REPLICAS=1, one replica each on BASE+3..BASE+5. Reuses a cluster that already
# reports cluster_state:ok with the expected number of nodes; otherwise stops whatever it started before
# (by the pids it recorded), wipes its directory and creates the cluster afresh with
# `redis-cli --cluster create … --cluster-yes`. Nodes run with the settings Longshore needs (noeviction)
# and appendonly, as docs/operations.md asks of a production cluster. Prints the REDIS_CLUSTER_NODES value.
set -euo pipefail
base="${LONGSHORE_CLUSTER_BASE_PORT:-7101}"
replicas="${LONGSHORE_CLUSTER_REPLICAS:-0}"
dir="${LONGSHORE_CLUSTER_DIR:-/tmp/longshore-redis-cluster-$base}"
host=127.0.0.1
count=$((3 * (1 + replicas)))
ports=(); for i in $(seq 0 $((count - 1))); do ports+=($((base + i))); done
masters="$host:${ports[0]},$host:${ports[1]},$host:${ports[2]}"

if ! command -v redis-server >/dev/null 2>&1 || ! command -v redis-cli >/dev/null 2>&1; then
  bash "$(dirname "$0")/ensure-redis.sh" >&2
fi

healthy() {
  local info
  info="$(redis-cli -h "$host" -p "$base" cluster info 2>/dev/null)" || return 1
  grep -q 'cluster_state:ok' <<<"$info" && grep -q "cluster_known_nodes:$count" <<<"$info" \
    && [[ "$(redis-cli -h "$host" -p "$base" cluster nodes 2>/dev/null | grep -c master)" == 3 ]]
}
if healthy; then echo "redis-cluster: answering on $masters" >&2; echo "$masters"; exit 0; fi

# Stop only the nodes this script started (their pid files), then start clean.
for pidfile in "$dir"/*.pid; do
  [[ -e "$pidfile" ]] || continue
  kill "$(cat "$pidfile")" 2>/dev/null || true
done
for port in "${ports[@]}"; do
  for _ in $(seq 1 50); do redis-cli -h "$host" -p "$port" ping >/dev/null 2>&1 || break; sleep 0.1; done
done
rm -rf "$dir"; mkdir -p "$dir"
for port in "${ports[@]}"; do
  mkdir -p "$dir/$port"
  redis-server --daemonize yes --bind "$host" --port "$port" --dir "$dir/$port" \
    --cluster-enabled yes --cluster-config-file nodes.conf --cluster-node-timeout 2000 \
    --appendonly yes --appendfsync everysec --save "" --maxmemory-policy noeviction \
    --pidfile "$dir/$port.pid" --logfile "$dir/$port.log"
done
for port in "${ports[@]}"; do
  for _ in $(seq 1 50); do redis-cli -h "$host" -p "$port" ping 2>/dev/null | grep -q PONG && break; sleep 0.1; done
done
addresses=(); for port in "${ports[@]}"; do addresses+=("$host:$port"); done
redis-cli --cluster create "${addresses[@]}" --cluster-replicas "$replicas" --cluster-yes >"$dir/create.log"
for _ in $(seq 1 100); do
  if healthy; then echo "redis-cluster: started on $masters ($replicas replica(s) each)" >&2; echo "$masters"; exit 0; fi
  sleep 0.1
done
echo "redis-cluster: not ok after creation (see $dir/create.log)" >&2
exit 1
