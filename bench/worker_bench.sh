#!/usr/bin/env bash
# Activity task round trips/s (scheduled -> delivered -> completed -> next
# state durable): remote actor workers against HTTP long-poll workers, in
# one run, on the same server and the same load.
#
# Load: EXECUTIONS executions of a loop machine (Task on the activity ->
# Pass that counts -> Choice back to the Task, LOOPS times), all started
# before any worker connects, so a task is always waiting and the workers
# and the broker are the bottleneck, not the starts. Rate = EXECUTIONS *
# LOOPS / time from the workers' start until the last execution ended.
# Remote: WORKERS stepd-echo-worker processes (concurrency CONC each).
# HTTP: a wrk long-poll worker (bench/http_worker.lua, HTTP_CONNS connections).
# Usage: bench/worker_bench.sh [build]   (needs wrk, bc)
set -euo pipefail
cd "$(dirname "$0")/.."
B=${1:-build}
EXECUTIONS=${EXECUTIONS:-256}
LOOPS=${LOOPS:-200}
WORKERS=${WORKERS:-2}
CONC=${CONC:-128}
HTTP_CONNS=${HTTP_CONNS:-64}
data=$(mktemp -d /tmp/stepd-workerbench-XXXXXX)
log=$data.log
${PRELOAD:+env LD_PRELOAD=$PRELOAD} "$B/stepd" serve --port 0 --worker-port 0 --activity-poll-seconds 1 --data "$data" 2>"$log" &
server=$!
pids=()
trap 'kill "${pids[@]}" $server 2>/dev/null; wait $server 2>/dev/null; rm -rf "$data" "$log"' EXIT
for _ in $(seq 100); do grep -q "listening on" "$log" && break; sleep 0.05; done
url=$(grep -o 'http://[0-9.:]*' "$log" | head -1)
wport=$(grep -o 'workers on tcp://[0-9.:]*' "$log" | sed 's|.*tcp://||')
call() { curl -s -X POST "$url/" -H "X-Amz-Target: AWSStepFunctions.$1" -d "$2"; }
acct="arn:aws:states:us-east-1:123456789012"

running() {  # state machine ARN -> 0 while any execution runs
  call ListExecutions "{\"stateMachineArn\":\"$1\",\"statusFilter\":\"RUNNING\",\"maxResults\":1}" |
    grep -q executionArn
}

setup() {  # name -> state machine ARN, with EXECUTIONS executions started and waiting
  local name=$1 act="$acct:activity:$1"
  call CreateActivity "{\"name\":\"$name\"}" >/dev/null
  local def
  def=$(printf '{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"%s","ResultPath":null,"Next":"Count"},"Count":{"Type":"Pass","Parameters":{"i.$":"States.MathAdd($.i, 1)"},"Next":"Again"},"Again":{"Type":"Choice","Choices":[{"Variable":"$.i","NumericLessThan":%d,"Next":"T"}],"Default":"Done"},"Done":{"Type":"Succeed"}}}' "$act" "$LOOPS" |
    sed 's/"/\\"/g')
  local sm
  sm=$(call CreateStateMachine "{\"name\":\"$name\",\"definition\":\"$def\",\"roleArn\":\"arn:aws:iam::1:role/r\"}" |
    grep -o 'arn:aws:states:[^"]*')
  seq "$EXECUTIONS" | xargs -P 8 -I{} curl -s -o /dev/null -X POST "$url/" \
    -H "X-Amz-Target: AWSStepFunctions.StartExecution" \
    -d "{\"stateMachineArn\":\"$sm\",\"name\":\"e{}\",\"input\":\"{\\\"i\\\":0}\"}"
  echo "$sm"
}

cpu_ticks() {  # pids... -> user+system clock ticks used so far
  local sum=0 p
  for p in "$@"; do
    [ -r "/proc/$p/stat" ] || continue
    sum=$((sum + $(awk '{print $14 + $15}' "/proc/$p/stat")))
  done
  echo "$sum"
}

finish() {  # label sm t0 server_ticks0 -> prints the rate and CPU per round trip
  local label=$1 sm=$2 t0=$3 s0=$4
  while running "$sm"; do sleep 0.05; done
  local t1 n hz s1 w1
  t1=$(date +%s.%N)
  s1=$(cpu_ticks "$server")
  w1=$(cpu_ticks "${pids[@]}")
  hz=$(getconf CLK_TCK)
  n=$((EXECUTIONS * LOOPS))
  printf '%s: %d round trips in %.2f s: %.0f round trips/s; CPU per round trip: server %.0f us, workers %.0f us\n' \
    "$label" "$n" "$(echo "$t1 - $t0" | bc)" "$(echo "$n / ($t1 - $t0)" | bc -l)" \
    "$(echo "($s1 - $s0) * 1000000 / $hz / $n" | bc -l)" "$(echo "$w1 * 1000000 / $hz / $n" | bc -l)"
}

sm=$(setup remote)
t0=$(date +%s.%N)
s0=$(cpu_ticks "$server")
for _ in $(seq "$WORKERS"); do
  ${PRELOAD:+env LD_PRELOAD=$PRELOAD} "$B/stepd-echo-worker" --connect "$wport" --activity "$acct:activity:remote" --concurrency "$CONC" 2>/dev/null &
  pids+=($!)
done
finish "remote actor workers ($WORKERS x $CONC)" "$sm" "$t0" "$s0"
kill "${pids[@]}"; pids=()

sm=$(setup http)
t0=$(date +%s.%N)
s0=$(cpu_ticks "$server")
ACTIVITY_ARN="$acct:activity:http" wrk -t1 -c"$HTTP_CONNS" -d600s -s bench/http_worker.lua "$url/" >/dev/null &
pids+=($!)
finish "HTTP long-poll worker (wrk, $HTTP_CONNS connections)" "$sm" "$t0" "$s0"
