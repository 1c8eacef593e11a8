#!/usr/bin/env bash
# Activity task round trips/s (scheduled -> delivered -> completed -> next
# state durable), remote actor workers against HTTP long-poll workers, in
# one run: wrk starts executions of a one-Task machine for DURATION while
# the workers answer; the rate is executions completed / time until the
# last one ended. Remote: 3 stepd-echo-worker processes (concurrency 64
# each). HTTP: a wrk worker (bench/http_worker.lua, 64 connections).
# Usage: bench/worker_bench.sh [build]   (needs wrk)
set -euo pipefail
cd "$(dirname "$0")/.."
B=${1:-build}
DURATION=${DURATION:-6s}
data=$(mktemp -d /tmp/stepd-workerbench-XXXXXX)
log=$data.log
"$B/stepd" serve --port 0 --worker-port 0 --activity-poll-seconds 1 --data "$data" 2>"$log" &
server=$!
pids=()
trap 'kill "${pids[@]}" $server 2>/dev/null; wait $server 2>/dev/null; rm -rf "$data" "$log"' EXIT
for _ in $(seq 100); do grep -q "listening on" "$log" && break; sleep 0.05; done
url=$(grep -o 'http://[0-9.:]*' "$log" | head -1)
wport=$(grep -o 'workers on tcp://[0-9.:]*' "$log" | sed 's|.*tcp://||')
call() { curl -s -X POST "$url/" -H "X-Amz-Target: AWSStepFunctions.$1" -d "$2"; }
acct="arn:aws:states:us-east-1:123456789012"

run_case() {  # name -> prints round trips/s; the workers must be running
  local name=$1 act="$acct:activity:$1"
  call CreateActivity "{\"name\":\"$name\"}" >/dev/null
  local def="{\\\"StartAt\\\":\\\"T\\\",\\\"States\\\":{\\\"T\\\":{\\\"Type\\\":\\\"Task\\\",\\\"Resource\\\":\\\"$act\\\",\\\"End\\\":true}}}"
  local sm
  sm=$(call CreateStateMachine "{\"name\":\"$name\",\"definition\":\"$def\",\"roleArn\":\"arn:aws:iam::1:role/r\"}" |
    grep -o 'arn:aws:states:[^"]*')
  local t0 n
  t0=$(date +%s.%N)
  n=$(SM_ARN=$sm wrk -t1 -c32 -d"$DURATION" -s bench/api_start.lua "$url/" | awk '/requests in/ {print $1}')
  # Wait until none is running.
  while call ListExecutions "{\"stateMachineArn\":\"$sm\",\"statusFilter\":\"RUNNING\",\"maxResults\":1}" |
    grep -q executionArn; do sleep 0.1; done
  local t1
  t1=$(date +%s.%N)
  echo "$name: $n executions in $(echo "$t1 - $t0" | bc) s: $(echo "$n / ($t1 - $t0)" | bc) round trips/s"
}

for i in 1 2 3; do
  "$B/stepd-echo-worker" --connect "$wport" --activity "$acct:activity:remote" --concurrency 64 2>/dev/null &
  pids+=($!)
done
sleep 0.5
run_case remote
kill "${pids[@]}"; pids=()
ACTIVITY_ARN="$acct:activity:http" wrk -t1 -c64 -d60s -s bench/http_worker.lua "$url/" >/dev/null &
pids+=($!)
run_case http
