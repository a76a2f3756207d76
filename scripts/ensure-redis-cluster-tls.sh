#!/usr/bin/env bash
# Make sure a local Redis Cluster that speaks only TLS and requires credentials answers: three masters on
# 127.0.0.1 TLS ports BASE..BASE+2 (default 7111-7113), no plain port (`port 0`), TLS on the cluster bus too
# (`tls-cluster yes`, `tls-replication yes`), the ACL user `longshore` with password `secret` and the
# `default` user disabled, so every client must authenticate. These are fixed test credentials: nothing
# outside this machine's loopback can reach the nodes. It is a cluster of its own beside the plain one of
# scripts/ensure-redis-cluster.sh (ports 7101-7103), for test/integration/redis-cluster-tls-auth.test.ts.
#
# The certificates are made here with openssl into the cluster's directory: a self-signed CA and one server
# certificate for every node. ioredis connects to the addresses the cluster announces, which are IPs
# (127.0.0.1), so the certificate names IP 127.0.0.1 (and DNS localhost); a client trusts the CA with
# NODE_EXTRA_CA_CERTS. Clients need no certificate of their own (`tls-auth-clients no`): authentication is
# the ACL user's password, as with ElastiCache or MemoryDB.
#
# Reuses a cluster that reports cluster_state:ok with three masters (and its CA); otherwise stops whatever it
# started before (by the pids it recorded), wipes its directory and creates everything afresh. Prints two
# lines on stdout: the REDIS_CLUSTER_NODES value, then the CA certificate's path (for NODE_EXTRA_CA_CERTS).
# Needs a redis-server built with TLS (Debian's is, linked to libssl; checked below).
set -euo pipefail
base="${LONGSHORE_CLUSTER_TLS_BASE_PORT:-7111}"
dir="${LONGSHORE_CLUSTER_TLS_DIR:-/tmp/longshore-redis-cluster-tls-$base}"
user=longshore
password=secret
host=127.0.0.1
ports=("$base" $((base + 1)) $((base + 2)))
masters="$host:${ports[0]},$host:${ports[1]},$host:${ports[2]}"
ca="$dir/tls/ca.crt"

if ! command -v redis-server >/dev/null 2>&1 || ! command -v redis-cli >/dev/null 2>&1; then
  bash "$(dirname "$0")/ensure-redis.sh" >&2
fi
if ! command -v openssl >/dev/null 2>&1; then
  echo "redis-cluster-tls: openssl is needed for the certificates; installing it with apt-get" >&2
  DEBIAN_FRONTEND=noninteractive apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openssl >/dev/null
fi
# redis-cli authenticates with REDISCLI_AUTH rather than --pass, which would warn on every call.
cli() { REDISCLI_AUTH="$password" redis-cli --tls --cacert "$ca" --user "$user" -h "$host" "$@"; }

healthy() {
  [[ -f "$ca" ]] || return 1
  local info
  info="$(cli -p "$base" cluster info 2>/dev/null)" || return 1
  grep -q 'cluster_state:ok' <<<"$info" && grep -q 'cluster_known_nodes:3' <<<"$info" \
    && [[ "$(cli -p "$base" cluster nodes 2>/dev/null | grep -c master)" == 3 ]]
}
report() { echo "redis-cluster-tls: $1 on $masters (TLS only, user $user; CA $ca)" >&2; echo "$masters"; echo "$ca"; }
if healthy; then report answering; exit 0; fi

# Stop only the nodes this script started (their pid files), then start clean.
for pidfile in "$dir"/*.pid; do
  [[ -e "$pidfile" ]] || continue
  kill "$(cat "$pidfile")" 2>/dev/null || true
done
for port in "${ports[@]}"; do
  for _ in $(seq 1 50); do (exec 3<>"/dev/tcp/$host/$port") 2>/dev/null || break; sleep 0.1; done
done
rm -rf "$dir"; mkdir -p "$dir/tls"

# A CA, and a server certificate it signs for 127.0.0.1 and localhost. clientAuth too: with tls-cluster the
# nodes present the same certificate when they connect to each other's bus.
openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj '/CN=Longshore test Redis CA' \
  -keyout "$dir/tls/ca.key" -out "$ca" 2>/dev/null
openssl req -newkey rsa:2048 -nodes -subj '/CN=localhost' -keyout "$dir/tls/server.key" -out "$dir/tls/server.csr" 2>/dev/null
cat >"$dir/tls/server.ext" <<'EOF'
basicConstraints = CA:FALSE
keyUsage = digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth, clientAuth
subjectAltName = IP:127.0.0.1, DNS:localhost
EOF
openssl x509 -req -in "$dir/tls/server.csr" -CA "$ca" -CAkey "$dir/tls/ca.key" -CAcreateserial -days 3650 \
  -extfile "$dir/tls/server.ext" -out "$dir/tls/server.crt" 2>/dev/null
# redis-server reads the key as the user it runs as; the key is only a test key.
chmod 600 "$dir/tls/server.key" "$dir/tls/ca.key"

for port in "${ports[@]}"; do
  mkdir -p "$dir/$port"
  # The ACL users are written as a config file rather than `--user` arguments: a password starts with '>'.
  cat >"$dir/$port/redis.conf" <<EOF
user default off
user $user on >$password ~* &* +@all
EOF
  # Config errors are printed before daemonizing and make redis-server exit non-zero; a build without TLS
  # (BUILD_TLS=no) fails here on the tls-* options.
  if ! redis-server "$dir/$port/redis.conf" --daemonize yes --bind "$host" --port 0 --tls-port "$port" \
    --tls-cert-file "$dir/tls/server.crt" --tls-key-file "$dir/tls/server.key" --tls-ca-cert-file "$ca" \
    --tls-auth-clients no --tls-cluster yes --tls-replication yes --masteruser "$user" --masterauth "$password" \
    --dir "$dir/$port" --cluster-enabled yes --cluster-config-file nodes.conf --cluster-node-timeout 2000 \
    --appendonly yes --appendfsync everysec --save "" --maxmemory-policy noeviction \
    --pidfile "$dir/$port.pid" --logfile "$dir/$port.log"; then
    echo "redis-cluster-tls: redis-server refused the configuration above ($(redis-server --version | cut -d' ' -f1-3)); it needs TLS support" >&2
    exit 1
  fi
done
for port in "${ports[@]}"; do
  for _ in $(seq 1 50); do cli -p "$port" ping 2>/dev/null | grep -q PONG && break; sleep 0.1; done
done
addresses=(); for port in "${ports[@]}"; do addresses+=("$host:$port"); done
cli --cluster create "${addresses[@]}" --cluster-replicas 0 --cluster-yes >"$dir/create.log" 2>&1
for _ in $(seq 1 100); do
  if healthy; then report started; exit 0; fi
  sleep 0.1
done
echo "redis-cluster-tls: not ok after creation (see $dir/create.log and $dir/<port>.log)" >&2
exit 1
