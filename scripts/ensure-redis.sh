#!/usr/bin/env bash
# Make sure a Redis answers on 127.0.0.1:6379 (or REDIS_URL's host/port): use it if it does, otherwise start
# redis-server, installing it with apt-get when it is missing. Longshore needs noeviction.
set -euo pipefail
host=127.0.0.1
port=6379
ping() {
  if command -v redis-cli >/dev/null 2>&1; then
    redis-cli -h "$host" -p "$port" ping 2>/dev/null | grep -q PONG
  else
    # No redis-cli: speak RESP by hand.
    exec 3<>"/dev/tcp/$host/$port" 2>/dev/null || return 1
    printf 'PING\r\n' >&3
    local reply
    read -r -t 2 reply <&3 || true
    exec 3>&-
    [[ "$reply" == +PONG* ]]
  fi
}
if ping; then echo "redis: answering on $host:$port"; exit 0; fi
if ! command -v redis-server >/dev/null 2>&1; then
  echo "redis: not installed; installing with apt-get"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq redis-server >/dev/null
fi
echo "redis: starting redis-server on $host:$port"
redis-server --daemonize yes --bind "$host" --port "$port" --save "" --appendonly no \
  --maxmemory-policy noeviction --logfile /tmp/longshore-redis.log
for _ in $(seq 1 50); do ping && { echo "redis: answering on $host:$port"; exit 0; }; sleep 0.1; done
echo "redis: did not answer on $host:$port" >&2
exit 1
