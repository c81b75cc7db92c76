#!/usr/bin/env bash
# Issue #17: Herald's JS SDK measured against its peers in the same run (bench/sdk/, see bench/README.md).
#
#   bench/run-sdk.sh [--scenarios cost,storm] [--quick] [generator options, e.g. --clients 1000 --rate 25]
#
#   cost   CPU time per delivered event of one receiving node process: Herald's SDK vs the official
#          @vertx/eventbus-bridge-client.js (SockJS) against Herald vs socket.io-client 4.8 against the
#          Socket.IO 4.8 peer (bench/peers/socketio)
#   storm  1,000 clients (4 node processes) on one channel at a steady publish rate while the server is
#          stopped with SIGTERM, then SIGKILL, and started again on the same port and data dir: time until
#          every client caught up, events missing / duplicated / out of order at the handlers; Herald's SDK
#          vs socket.io-client against the peer with connection state recovery on
#
# Starts one throw-away Herald (embedded PostgreSQL in a fresh temp data dir, random API key and JWT
# secret) and the Socket.IO peer on free 127.0.0.1 ports (the generator, bench/sdk/bench.mjs, starts
# and restarts them itself and writes their pids where the cleanup below finds them), runs it under a
# timeout, writes bench/results/sdk-<date>-<time>.json (also printed on stdout) and stops everything
# it started, whatever happened. Progress on stderr. A full run should take about 5 minutes,
# --quick (200 storm clients, shorter phases, one cost repeat) about 2.5.
# Environment: HERALD_JAR (another build), HERALD_JAVA_OPTS, BENCH_LABEL (a note in the report),
# BENCH_OUT (report path).
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$(pwd)
JAR="${HERALD_JAR:-$ROOT/target/herald.jar}"
RESULTS="$ROOT/bench/results"
QUICK=""
for a in "$@"; do [[ "$a" == "--quick" ]] && QUICK=1; done
GEN_TIMEOUT=$([[ -n "$QUICK" ]] && echo 420 || echo 900)
API_KEY="bench-$RANDOM$RANDOM"
JWT_SECRET="bench-secret-$RANDOM$RANDOM$RANDOM"
log() { echo "[run-sdk] $*" >&2; }

WORK=$(mktemp -d "${TMPDIR:-/tmp}/herald-sdk.XXXXXX")
PIDS=()     # what the generator started (servers, client processes), stopped in reverse order

# shellcheck source=common/stop.sh
source "$ROOT/bench/common/stop.sh"
cleanup() {
  local rc=$?
  [[ -n "${GEN_PID:-}" ]] && PIDS=("$GEN_PID")
  mapfile -t -O "${#PIDS[@]}" PIDS < <(generator_pids "$WORK" "^BENCH_SDK_WORK=$WORK\$")
  stop_started "$WORK" "${PIDS[@]}"
  remove_work "$WORK" "$rc"
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

[[ -f "$JAR" ]] || { log "building $JAR"; mvn -q -B package -DskipTests >&2; }
if [[ ! -d bench/peers/socketio/node_modules ]]; then
  log "installing the Socket.IO peer (npm ci)"
  (cd bench/peers/socketio && npm ci --no-audit --no-fund --loglevel=error >&2)
fi
if [[ ! -d bench/sdk/node_modules ]]; then
  log "installing the clients (npm ci in bench/sdk)"
  (cd bench/sdk && npm ci --no-audit --no-fund --loglevel=error >&2)
fi

# this run's own copies of the jar and the SDK: the tree may be rebuilt or edited while it runs (the
# server is started again mid-run, and every client process imports the SDK when it starts)
cp "$JAR" "$WORK/herald.jar"
mkdir "$WORK/sdk"
cp clients/js/*.js clients/js/package.json "$WORK/sdk/"
ln -s "$ROOT/bench/sdk/node_modules" "$WORK/sdk/node_modules"   # ws, sockjs-client for the SDK's own imports
SDK_STATE="$(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
git diff --quiet HEAD -- clients/js 2>/dev/null || SDK_STATE="$SDK_STATE+uncommitted"
log "load average at start: $(cut -d' ' -f1-3 /proc/loadavg) ($(nproc) cores)"
mkdir -p "$RESULTS"
OUT="${BENCH_OUT:-$RESULTS/sdk-$(date +%Y-%m-%d-%H%M%S).json}"
LABEL="herald $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
git diff --quiet HEAD -- src 2>/dev/null || LABEL="$LABEL+uncommitted src"
git diff --quiet HEAD -- clients/js/herald.js 2>/dev/null || LABEL="$LABEL+uncommitted herald.js"
[[ -n "${HERALD_JAR:-}" ]] && LABEL="$LABEL, jar $HERALD_JAR"
BENCH_SDK_WORK="$WORK" HERALD_SDK_MODULE="$WORK/sdk/herald.js" timeout --kill-after=10 "$GEN_TIMEOUT" \
  node bench/sdk/bench.mjs --work "$WORK" --jar "$WORK/herald.jar" --jar-source "$JAR" --sdk-state "clients/js at $SDK_STATE" \
  --api-key "$API_KEY" --jwt-secret "$JWT_SECRET" \
  --label "$LABEL${BENCH_LABEL:+ ($BENCH_LABEL)}" --out "$OUT" "$@" &
GEN_PID=$!
wait "$GEN_PID"
GEN_PID=""
log "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
log "report: $OUT"
