#!/usr/bin/env bash
# Submit a run to Longshore's HTTP API, print its log while it runs, and exit with its outcome — bash and curl
# only (docs/integrations.md). What an orchestrator's task does: the run's identity in the orchestrator goes
# into the run as environment variables (--env), and the run's name is derived from it, so a retried
# submission of the same work is answered with the run already stored (the API's create is idempotent).
#
#   LONGSHORE_SERVER=https://longshore.example.com LONGSHORE_TOKEN=lst_… \
#     examples/submit-and-follow.sh --pool etl --name flow-run-42 --env FLOW_RUN_ID=42 [--command 'python main.py']
#
# LONGSHORE_NAMESPACE (default "default") picks the installation. Exit status: 0 the run succeeded; 1 it
# ended otherwise (failed, crashed, cancelled, timed-out) or the API failed; 2 the API rejected the run
# (its causes are printed).
set -euo pipefail

server=${LONGSHORE_SERVER:?set LONGSHORE_SERVER to the API URL}
token=${LONGSHORE_TOKEN:?set LONGSHORE_TOKEN to a submitter token}
namespace=${LONGSHORE_NAMESPACE:-default}
# JSON string escaping without jq: backslash, quote and the control characters a shell word can carry.
json_string() {
  local s=${1//\\/\\\\}
  s=${s//\"/\\\"}; s=${s//$'\n'/\\n}; s=${s//$'\r'/\\r}; s=${s//$'\t'/\\t}
  printf '"%s"' "$s"
}
pool='' name='' command='' env_members=''
while [ $# -gt 0 ]; do
  case $1 in
    --pool) pool=$2; shift 2 ;;
    --name) name=$2; shift 2 ;;
    --command) command=$2; shift 2 ;;
    --env) env_members="${env_members:+$env_members, }$(json_string "${2%%=*}"): $(json_string "${2#*=}")"; shift 2 ;;
    *) echo "unknown argument: $1" >&2; exit 2 ;;
  esac
done
[ -n "$pool" ] && [ -n "$name" ] || { echo "usage: $0 --pool POOL --name NAME [--env K=V]... [--command CMD]" >&2; exit 2; }

base="${server%/}/apis/longshore.dev/v1alpha1/namespaces/${namespace}/runs"
auth=(-H "Authorization: Bearer ${token}")
body_file=$(mktemp)
trap 'rm -f "$body_file"' EXIT

command_member=''
if [ -n "$command" ]; then command_member=", \"command\": $(json_string "$command")"; fi
spec="{\"pool\": $(json_string "$pool"), \"env\": {${env_members}}${command_member}}"
document="{\"apiVersion\": \"longshore.dev/v1alpha1\", \"kind\": \"Run\", \"metadata\": {\"name\": $(json_string "$name")}, \"spec\": ${spec}}"

# 201: created; 200: the same run was already stored (a retry); anything else is a Status with a message.
code=$(curl -sS -o "$body_file" -w '%{http_code}' "${auth[@]}" -H 'Content-Type: application/json' -X POST --data-binary "$document" "$base")
case $code in
  201) echo "run/${name} created" >&2 ;;
  200) echo "run/${name} already submitted (same spec): following it" >&2 ;;
  422) echo "run/${name} rejected:" >&2; cat "$body_file" >&2; echo >&2; exit 2 ;;
  *) echo "submitting run/${name} failed (HTTP ${code}):" >&2; cat "$body_file" >&2; echo >&2; exit 1 ;;
esac

# The log, followed until the task stops. Logs can be unavailable (disabled on the pool, not yet written,
# throttled, CloudWatch Logs failing): that is reported and the run is still watched to its end. -N: no buffering.
# A refusal is a Status object (one JSON line), sent to stderr so stdout carries only the run's output.
# The lines go to fd 3 (the script's stdout): inside $(…) stdout is the captured status code.
# curl exits 18 when the server breaks the stream off after some lines (docs/api.md#logs): the output is incomplete.
exec 3>&1
log_exit=0
log_code=$(curl -sS -N -o >(awk 'NR == 1 && /^\{"apiVersion":"v1","kind":"Status"/ { print > "/dev/stderr"; next } { print; fflush() }' >&3) \
  -w '%{http_code}' "${auth[@]}" "${base}/${name}/log?follow=true") || log_exit=$?
if [ "$log_code" != "200" ]; then echo "(log not available: HTTP ${log_code:-none}; watching the run to its end instead)" >&2
elif [ "$log_exit" = 18 ]; then echo "(the log broke off before its end; watching the run to its end instead)" >&2; fi

# The log's last lines are out before the outcome is printed.
wait

# The outcome: poll the run until it has stopped (a watch works too; polling keeps this script short).
while :; do
  code=$(curl -sS -o "$body_file" -w '%{http_code}' "${auth[@]}" "${base}/${name}")
  [ "$code" = 200 ] || { echo "reading run/${name} failed (HTTP ${code}):" >&2; cat "$body_file" >&2; exit 1; }
  # The run's own status is the last "status":{…} object (a condition's "status" is a string); phase and
  # outcome appear once in it.
  body=$(cat "$body_file"); status=${body##*\"status\":\{}
  phase=$(grep -o '"phase":"[a-z-]*"' <<<"$status" | head -1 | cut -d'"' -f4)
  if [ "$phase" = stopped ]; then
    outcome=$(grep -o '"outcome":"[a-z-]*"' <<<"$status" | head -1 | cut -d'"' -f4)
    echo "run/${name} ${outcome}" >&2
    [ "$outcome" = succeeded ] && exit 0 || exit 1
  fi
  sleep 1
done
