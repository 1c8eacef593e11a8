#!/usr/bin/env bash
# The API over HTTP under load from wrk (Debian's wrk, a separate process):
#   1. StartExecution/s with keep-alive for a 5-state Pass chain (STANDARD,
#      durable: each answer waits for its fsync'd group commit);
#   2. StartSyncExecution (EXPRESS, 3 states): peak/s, then p50/p99 latency
#      at 50% of that peak.
# Usage: bench/http_api_bench.sh [build/stepd]   (needs wrk: apt-get install wrk)
# ROUNDS=N repeats case 1 N times on the same server (default 1); CASES=start
# runs case 1 only, CASES=sync case 2 only (bench/run_all.py uses them).
set -euo pipefail
cd "$(dirname "$0")/.."
STEPD=${1:-build/stepd}
DURATION=${DURATION:-10s}
CONNS=${CONNS:-128}
ROUNDS=${ROUNDS:-1}
CASES=${CASES:-all}
command -v wrk >/dev/null || { echo "http_api_bench: wrk is not installed (apt-get install wrk)"; exit 1; }
data=$(mktemp -d /tmp/stepd-httpbench-XXXXXX)
log=$data.log
"$STEPD" serve --port 0 --data "$data" 2>"$log" &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null; rm -rf "$data" "$log"' EXIT
for _ in $(seq 100); do grep -q "listening on" "$log" && break; sleep 0.05; done
url=$(grep -o 'http://[0-9.:]*' "$log" | head -1)

call() {  # action body
  curl -s -X POST "$url/" -H "Content-Type: application/x-amz-json-1.0" -H "X-Amz-Target: AWSStepFunctions.$1" -d "$2"
}
pass_chain() {  # n states
  local states="" i
  for i in $(seq 1 "$1"); do
    local next="\\\"Next\\\":\\\"S$((i + 1))\\\""
    [ "$i" = "$1" ] && next="\\\"End\\\":true"
    states="$states\\\"S$i\\\":{\\\"Type\\\":\\\"Pass\\\",$next}"
    [ "$i" != "$1" ] && states="$states,"
  done
  echo "{\\\"StartAt\\\":\\\"S1\\\",\\\"States\\\":{$states}}"
}
role="arn:aws:iam::123456789012:role/bench"
std_arn=$(call CreateStateMachine "{\"name\":\"chain5\",\"definition\":\"$(pass_chain 5)\",\"roleArn\":\"$role\"}" |
  grep -o 'arn:aws:states:[^"]*')
exp_arn=$(call CreateStateMachine "{\"name\":\"sync3\",\"type\":\"EXPRESS\",\"definition\":\"$(pass_chain 3)\",\"roleArn\":\"$role\"}" |
  grep -o 'arn:aws:states:[^"]*')

echo "# http_api_bench: $(nproc) cores, wrk -t1 -c$CONNS -d$DURATION, server with its default 2 threads"
[ "$CASES" = sync ] && ROUNDS=0
for round in $(seq "$ROUNDS"); do
  echo "## StartExecution, STANDARD 5-state Pass chain (durable)$([ "$ROUNDS" -gt 1 ] && echo ", round $round")"
  SM_ARN=$std_arn wrk -t1 -c"$CONNS" -d"$DURATION" --latency -s bench/api_start.lua "$url/" |
    grep -E "Requests/sec|Non-2xx|50%|99%|requests in"
done
[ "$CASES" = start ] && exit 0
echo "## StartSyncExecution, EXPRESS 3-state Pass chain: peak"
peak=$(SM_ARN=$exp_arn TARGET=StartSyncExecution wrk -t1 -c"$CONNS" -d"$DURATION" -s bench/api_start.lua "$url/" |
  tee /dev/stderr | awk '/Requests\/sec/ {print int($2)}')
half=$((peak / 2))
# Paced: each connection pauses 1 ms after each answer, so n connections
# ask for about n / (1 ms + latency) requests/s; n is chosen for half the
# peak at ~0.3 ms latency. The rate achieved is printed: read it.
pconns=$(( half * 13 / 10000 > 1 ? half * 13 / 10000 : 1 ))
echo "## StartSyncExecution at ~50% of peak ($pconns connections, each pausing 1 ms between requests)"
SM_ARN=$exp_arn TARGET=StartSyncExecution PACED=1 wrk -t1 -c"$pconns" -d"$DURATION" --latency \
  -s bench/api_start.lua "$url/" | grep -E "Requests/sec|Non-2xx|50%|75%|90%|99%"
