#!/usr/bin/env bash
# Herald vs Socket.IO 4.8 vs a bare Vert.x WebSocket broadcaster, side by side in one run: CPU per
# delivery and publish -> deliver latency at fixed offered loads (bench/compare/, bench/peers/).
#
#   bench/run-compare.sh [--scenarios fanout,channels,cluster,memory,storm] [--targets herald,socketio,raw] [--quick]
#
# Starts every server it needs on free 127.0.0.1 ports with throw-away data dirs (one Herald node
# with its embedded PostgreSQL, the Socket.IO peer, the raw peer; for "cluster" two more Herald
# nodes sharing the first cluster node's PostgreSQL, in a cluster of their own), runs the generator
# under a timeout, writes bench/results/compare-<date>-<time>.json and an SVG chart next to it, and
# stops everything it started, whatever happened. Progress on stderr. The memory and storm scenarios
# need fresh or restarted servers: the generator starts those itself (bench/compare/Servers.java)
# under the same work dir, and writes their pids where the cleanup below finds them.
# Environment: HERALD_JAR (another build), HERALD_JAVA_OPTS (JVM options for the Herald nodes, e.g.
# a flight recording), HERALD_TRANSPORT (raw, the default, or sockjs: the generator's clients use
# SockJS's websocket transport, as browsers on the official client do), BENCH_LABEL (a note in the
# report), BENCH_OUT (report path).
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$(pwd)
JAR="${HERALD_JAR:-$ROOT/target/herald.jar}"
RESULTS="$ROOT/bench/results"
SCENARIOS="fanout,channels,cluster"   # memory and storm run when asked for (--scenarios memory,storm)
TARGETS="herald,socketio,raw"   # the single-node servers of scenarios 1, 2, 3 and 5
QUICK=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --scenarios) SCENARIOS="$2"; shift 2 ;;
    --targets) TARGETS="$2"; shift 2 ;;
    --quick) QUICK="--quick"; shift ;;
    *) echo "usage: bench/run-compare.sh [--scenarios fanout,channels,cluster,memory,storm] [--targets herald,socketio,raw] [--quick]" >&2
       exit 2 ;;
  esac
done
GEN_TIMEOUT=$([[ -n "$QUICK" ]] && echo 900 || echo 3000)
API_KEY="bench-$RANDOM$RANDOM"
JWT_SECRET="bench-secret-$RANDOM$RANDOM$RANDOM"
log() { echo "[run-compare] $*" >&2; }

WORK=$(mktemp -d "${TMPDIR:-/tmp}/herald-compare.XXXXXX")
PIDS=()     # everything we started, stopped in reverse order
PG_PIDS=()  # embedded PostgreSQL postmasters of our Herald nodes (they normally stop with Herald)

# shellcheck source=common/stop.sh
source "$ROOT/bench/common/stop.sh"
cleanup() {
  local rc=$?
  # servers the generator started itself (memory, storm), in case it could not stop them
  mapfile -t -O "${#PIDS[@]}" PIDS < <(generator_pids "$WORK" "^HERALD_DATA_DIR=$WORK/")
  stop_started "$WORK" "${PIDS[@]}"
  remove_work "$WORK" "$rc"
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM


wait_ready() { # url pid name
  for i in $(seq 1 360); do
    if curl -sf "$1" >/dev/null 2>&1; then return 0; fi
    if ! kill -0 "$2" 2>/dev/null; then log "$3 exited during start-up"; return 1; fi
    sleep 0.25
  done
  log "$3 not ready after 90 s"; return 1
}

# Herald node: name port datadir [extra env...]; sets NODE_PID
start_herald() {
  local name=$1 port=$2 data=$3; shift 3
  mkdir -p "$data"
  env HERALD_PORT="$port" HERALD_DATA_DIR="$data" HERALD_API_KEYS="$API_KEY" HERALD_JWT_SECRET="$JWT_SECRET" "$@" \
    java ${HERALD_JAVA_OPTS:-} -jar "$JAR" >"$WORK/$name.log" 2>&1 &
  NODE_PID=$!
  PIDS+=("$NODE_PID")
  wait_ready "http://127.0.0.1:$port/health/ready" "$NODE_PID" "$name"
  if [[ -f "$data/pg/postmaster.pid" ]]; then PG_PIDS+=("$(head -1 "$data/pg/postmaster.pid")"); fi
  log "$name ready on 127.0.0.1:$port (pid $NODE_PID)"
}

[[ -f "$JAR" ]] || { log "building $JAR"; mvn -q -B package -DskipTests >&2; }
if [[ ! -d bench/peers/socketio/node_modules ]]; then
  log "installing the Socket.IO peer (npm ci)"
  (cd bench/peers/socketio && npm ci --no-audit --no-fund --loglevel=error >&2)
fi
# compiled up front, so that neither the generator nor the raw peer JIT-compiles javac while measured
log "compiling the generator and the raw peer"
javac -nowarn -d "$WORK/classes" -cp "$JAR" bench/compare/*.java bench/common/DiskProbe.java bench/peers/raw-vertx/RawBroadcaster.java

LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
log "load average at start: $LOAD_START ($(nproc) cores)"
ARGS=(--api-key "$API_KEY" --jwt-secret "$JWT_SECRET" --scenarios "$SCENARIOS" --herald-transport "${HERALD_TRANSPORT:-raw}" $QUICK
  --jar "$JAR" --classes "$WORK/classes" --work "$WORK" --targets "$TARGETS")

wants() { [[ "$SCENARIOS" =~ fanout|channels && ",$TARGETS," == *",$1,"* ]]; }
if wants herald; then
  P=$(free_port)
  start_herald herald "$P" "$WORK/herald"
  ARGS+=(--herald "port=$P,pid=$NODE_PID,pgpid=$(head -1 "$WORK/herald/pg/postmaster.pid")")
fi
if wants socketio; then
  P=$(free_port)
  PORT=$P node bench/peers/socketio/server.js >"$WORK/socketio.log" 2>&1 &
  PIDS+=($!)
  wait_ready "http://127.0.0.1:$P/health" $! socketio
  ARGS+=(--socketio "port=$P,pid=${PIDS[-1]}")
fi
if wants raw; then
  P=$(free_port)
  PORT=$P java -cp "$WORK/classes:$JAR" RawBroadcaster >"$WORK/raw.log" 2>&1 &
  PIDS+=($!)
  wait_ready "http://127.0.0.1:$P/health" $! raw
  ARGS+=(--raw "port=$P,pid=${PIDS[-1]}")
fi

if [[ "$SCENARIOS" =~ cluster ]]; then
  CLUSTER_NAME="herald-compare-$RANDOM$RANDOM"
  P1=$(free_port)
  start_herald cluster1 "$P1" "$WORK/cluster1" HERALD_CLUSTER=true HERALD_CLUSTER_NAME="$CLUSTER_NAME"
  N1=$NODE_PID
  PG1=$(head -1 "$WORK/cluster1/pg/postmaster.pid")
  PGPORT=$(sed -n 4p "$WORK/cluster1/pg/postmaster.pid")
  P2=$(free_port)
  start_herald cluster2 "$P2" "$WORK/cluster2" HERALD_CLUSTER=true HERALD_CLUSTER_NAME="$CLUSTER_NAME" \
    HERALD_DB_URL="postgresql://postgres:postgres@127.0.0.1:$PGPORT/postgres"
  ARGS+=(--cluster "ports=$P1+$P2,pids=$N1+$NODE_PID,pgpid=$PG1")
fi

mkdir -p "$RESULTS"
STAMP=$(date +%Y-%m-%d-%H%M%S)
OUT="${BENCH_OUT:-$RESULTS/compare-$STAMP.json}"
LABEL="herald $(git rev-parse --short HEAD 2>/dev/null || echo unknown)$(git diff --quiet HEAD -- src 2>/dev/null || echo '+uncommitted')"
[[ -n "${HERALD_JAR:-}" ]] && LABEL="jar $HERALD_JAR"
timeout --kill-after=5 "$GEN_TIMEOUT" \
  java -Xmx2g -cp "$WORK/classes:$JAR" -Dlogback.configurationFile="$ROOT/bench/publish/logback.xml" \
  CompareBench "${ARGS[@]}" --label "$LABEL${BENCH_LABEL:+ ($BENCH_LABEL)}" --out "$OUT" >/dev/null

java -cp "$WORK/classes:$JAR" Chart "$OUT" "${OUT%.json}.svg"
log "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "$OUT"
