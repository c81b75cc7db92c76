#!/usr/bin/env bash
# Live queries (bench/livequery/): change latency across nodes next to a plain channel publish, and
# what evaluating a write costs with 100 vs 10,000 live queries next to re-running them in SQL.
#
#   bench/run-livequery.sh [--scenarios latency,evaluation] [--quick] [extra generator options...]
#
# latency:    two clustered Heralds (node B uses node A's embedded PostgreSQL, a random cluster name),
#             HERALD_CONFIG=bench/livequery/livequery.yaml (collection lqbench, read: anyone). Stopped
#             before the next scenario starts.
# evaluation: one fresh Herald with the same config.
# Each on free 127.0.0.1 ports with throw-away data dirs; the generator runs under a timeout; the
# report goes to bench/results/livequery-<date>-<time>.json and stdout, progress to stderr; whatever
# happens, everything started here is stopped and the data dirs deleted. --quick: a smoke run
# (short windows, 20/1,000 queries). Extra arguments go to every generator run (see
# bench/livequery/LiveQueryBench.java). Environment: HERALD_JAR, HERALD_JAVA_OPTS, BENCH_LABEL, BENCH_OUT.
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$(pwd)
JAR="${HERALD_JAR:-$ROOT/target/herald.jar}"
RESULTS="$ROOT/bench/results"
SCENARIOS="latency,evaluation"
QUICK=()
EXTRA=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --scenarios) SCENARIOS="$2"; shift 2 ;;
    --quick) QUICK=(--warmup 3 --duration 5 --counts 20+1000 --writes 500 --repeats 1 --naive-s 3); shift ;;
    *) EXTRA+=("$1"); shift ;;
  esac
done
API_KEY="bench-$RANDOM$RANDOM"
log() { echo "[run-livequery] $*" >&2; }

WORK=$(mktemp -d "${TMPDIR:-/tmp}/herald-livequery.XXXXXX")
PIDS=()     # Herald nodes running now, stopped in reverse order

# shellcheck source=common/stop.sh
source "$ROOT/bench/common/stop.sh"
stop_nodes() {
  stop_started "$WORK" "${PIDS[@]}"
  PIDS=()
}

cleanup() {
  local rc=$?
  stop_nodes
  remove_work "$WORK" "$rc"
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM


# Herald node: name port [extra env...]; data in $WORK/name; sets NODE_PID
start_herald() {
  local name=$1 port=$2; shift 2
  mkdir -p "$WORK/$name"
  env HERALD_PORT="$port" HERALD_DATA_DIR="$WORK/$name" HERALD_API_KEYS="$API_KEY" \
    HERALD_CONFIG="$ROOT/bench/livequery/livequery.yaml" "$@" \
    java ${HERALD_JAVA_OPTS:-} -jar "$JAR" >"$WORK/$name.log" 2>&1 &
  NODE_PID=$!
  PIDS+=("$NODE_PID")
  for _ in $(seq 1 360); do
    if curl -sf "http://127.0.0.1:$port/health/ready" >/dev/null 2>&1; then
      log "$name ready on 127.0.0.1:$port (pid $NODE_PID)"
      return 0
    fi
    kill -0 "$NODE_PID" 2>/dev/null || { log "$name exited during start-up"; return 1; }
    sleep 0.25
  done
  log "$name not ready after 90 s"; return 1
}

generate() { # out-file generator-args...
  local out=$1; shift
  timeout --kill-after=5 300 java -Xmx1g -cp "$WORK/classes:$JAR" -Dlogback.configurationFile="$ROOT/bench/publish/logback.xml" \
    LiveQueryBench --api-key "$API_KEY" --label "$LABEL${BENCH_LABEL:+ ($BENCH_LABEL)}" --out "$out" \
    "$@" "${QUICK[@]}" "${EXTRA[@]}" >/dev/null
}

[[ -f "$JAR" ]] || { log "building $JAR"; mvn -o -q package -DskipTests >&2; }
log "compiling the generator"
javac -nowarn -d "$WORK/classes" -cp "$JAR" bench/compare/*.java bench/common/DiskProbe.java bench/livequery/*.java
LABEL="herald $(git rev-parse --short HEAD 2>/dev/null || echo unknown)$(git diff --quiet HEAD -- src 2>/dev/null || echo '+uncommitted')"
[[ -n "${HERALD_JAR:-}" ]] && LABEL="jar $HERALD_JAR"
log "load average at start: $(cut -d' ' -f1-3 /proc/loadavg) ($(nproc) cores)"

if [[ ",$SCENARIOS," == *",latency,"* ]]; then
  CLUSTER_NAME="herald-livequery-$RANDOM$RANDOM"
  PA=$(free_port)
  start_herald nodeA "$PA" HERALD_CLUSTER=true HERALD_CLUSTER_NAME="$CLUSTER_NAME"
  NA=$NODE_PID
  PG=$(head -1 "$WORK/nodeA/pg/postmaster.pid")
  PGPORT=$(sed -n 4p "$WORK/nodeA/pg/postmaster.pid")
  PB=$(free_port)
  start_herald nodeB "$PB" HERALD_CLUSTER=true HERALD_CLUSTER_NAME="$CLUSTER_NAME" \
    HERALD_DB_URL="postgresql://postgres:postgres@127.0.0.1:$PGPORT/postgres"
  generate "$WORK/latency.json" --scenario latency --ports "$PA+$PB" --pids "$NA+$NODE_PID" --pgpid "$PG" --pgport "$PGPORT"
  stop_nodes
fi

if [[ ",$SCENARIOS," == *",evaluation,"* ]]; then
  P=$(free_port)
  start_herald single "$P"
  PG=$(head -1 "$WORK/single/pg/postmaster.pid")
  PGPORT=$(sed -n 4p "$WORK/single/pg/postmaster.pid")
  generate "$WORK/evaluation.json" --scenario evaluation --ports "$P" --pids "$NODE_PID" --pgpid "$PG" --pgport "$PGPORT"
  stop_nodes
fi

mkdir -p "$RESULTS"
OUT="${BENCH_OUT:-$RESULTS/livequery-$(date +%Y-%m-%d-%H%M%S).json}"
part() { if [[ -f "$WORK/$1.json" ]]; then echo "$WORK/$1.json"; else echo /dev/null; fi; }
jq -n --slurpfile l "$(part latency)" --slurpfile e "$(part evaluation)" --arg config "$(cat bench/livequery/livequery.yaml)" '{
    benchmark: "herald-livequery",
    questions: [
      "live-query change latency p99 (write acknowledged -> appear at a subscriber on another node) at 2,000 writes/s <= 1.5x the plain channel publish -> deliver p99, same run",
      "evaluation cost per write with 10,000 live queries with distinct equality filters <= 2x the cost with 100; against re-running every query in SQL per write"
    ],
    summary: {
      latency: ($l[0].result.summary // null),
      evaluation: ($e[0].result.summary // null)
    },
    config: $config,
    latency: ($l[0] // null),
    evaluation: ($e[0] // null)
  }' >"$OUT"
jq '.summary' "$OUT" >&2
log "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "$OUT"
