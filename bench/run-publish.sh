#!/usr/bin/env bash
# Durable publish benchmark, one node, embedded PostgreSQL. Starts a throw-away Herald on a free
# 127.0.0.1 port with a fresh data dir and an API key, runs bench/publish/PublishBench.java against
# it, stops it, and prints the path of the JSON report. Extra arguments go to the generator
# (e.g. --duration 5 --concurrency 256). The whole run is bounded (about 2 minutes by default).
# Environment: HERALD_JAR (another build to measure), BENCH_OUT (report path), BENCH_LABEL (a note
# stored in the report), HERALD_JAVA_OPTS (JVM options for Herald), BENCH_TIMEOUT (generator limit, s),
# BENCH_HERALD_LOG (copy Herald's log there at the end).
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$(pwd)
JAR="${HERALD_JAR:-$ROOT/target/herald.jar}"   # HERALD_JAR=... compares another build
RESULTS="$ROOT/bench/results"
API_KEY="bench-$RANDOM$RANDOM"
GEN_TIMEOUT=${BENCH_TIMEOUT:-150}   # seconds the generator may run before it is stopped

if [[ ! -f "$JAR" ]]; then
  echo "[run-publish] building $JAR" >&2
  mvn -q -B package -DskipTests >&2
fi

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()' 2>/dev/null && return
  local p
  for _ in $(seq 1 50); do
    p=$((20000 + RANDOM % 20000))
    if ! (exec 3<>/dev/tcp/127.0.0.1/$p) 2>/dev/null; then echo "$p"; return; fi
  done
  echo "no free port found" >&2; return 1
}

LOAD=$(cut -d' ' -f1 /proc/loadavg 2>/dev/null || echo 0)
CORES=$(nproc 2>/dev/null || echo 1)
if awk -v l="$LOAD" -v c="$CORES" 'BEGIN { exit !(l > c) }'; then
  echo "[run-publish] note: load average $LOAD on $CORES cores before starting; other work will share the CPU" >&2
fi

PORT=$(free_port)
DATA=$(mktemp -d "${TMPDIR:-/tmp}/herald-bench.XXXXXX")
HERALD_PID=""

cleanup() {
  local rc=$?
  if [[ -n "$HERALD_PID" ]] && kill -0 "$HERALD_PID" 2>/dev/null; then
    kill "$HERALD_PID" 2>/dev/null || true
    for _ in $(seq 1 60); do kill -0 "$HERALD_PID" 2>/dev/null || break; sleep 0.25; done
    kill -9 "$HERALD_PID" 2>/dev/null || true
  fi
  # the embedded PostgreSQL normally stops with Herald; if Herald had to be killed, stop ours
  if [[ -f "$DATA/pg/postmaster.pid" ]]; then
    local pg; pg=$(head -1 "$DATA/pg/postmaster.pid" || true)
    if [[ -n "$pg" ]] && kill -0 "$pg" 2>/dev/null && grep -q "$DATA" "/proc/$pg/cmdline" 2>/dev/null; then
      kill "$pg" 2>/dev/null || true
      sleep 1
    fi
  fi
  if [[ $rc -ne 0 && -f "$DATA/herald.log" ]]; then
    echo "[run-publish] failed (exit $rc); last lines of the Herald log:" >&2
    tail -20 "$DATA/herald.log" >&2 || true
  fi
  if [[ -n "${BENCH_HERALD_LOG:-}" && -f "$DATA/herald.log" ]]; then cp "$DATA/herald.log" "$BENCH_HERALD_LOG"; fi
  rm -rf "$DATA"
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Compile the generator up front: the single-file launcher would run javac inside the measuring
# JVM, and the JIT then spends a core compiling javac during the first phases.
echo "[run-publish] compiling the load generator" >&2
javac -nowarn -d "$DATA/generator" -cp "$JAR" "$ROOT/bench/publish/PublishBench.java" "$ROOT/bench/common/DiskProbe.java"

echo "[run-publish] starting Herald on 127.0.0.1:$PORT, data in $DATA" >&2
HERALD_PORT=$PORT HERALD_DATA_DIR="$DATA" HERALD_API_KEYS="$API_KEY" \
  java ${HERALD_JAVA_OPTS:-} -jar "$JAR" >"$DATA/herald.log" 2>&1 &
HERALD_PID=$!

for i in $(seq 1 240); do
  if curl -sf "http://127.0.0.1:$PORT/health/ready" >/dev/null 2>&1; then break; fi
  if ! kill -0 "$HERALD_PID" 2>/dev/null; then echo "[run-publish] Herald exited during start-up" >&2; exit 1; fi
  if [[ $i -eq 240 ]]; then echo "[run-publish] Herald not ready after 60 s" >&2; exit 1; fi
  sleep 0.25
done
echo "[run-publish] Herald ready (pid $HERALD_PID)" >&2

mkdir -p "$RESULTS"
OUT="${BENCH_OUT:-$RESULTS/publish-$(date +%Y-%m-%d-%H%M%S).json}"
if [[ -n "${HERALD_JAR:-}" ]]; then
  LABEL="jar $HERALD_JAR"
else
  LABEL="herald $(git rev-parse --short HEAD 2>/dev/null || echo unknown)$(git diff --quiet HEAD -- src 2>/dev/null || echo '+uncommitted')"
fi
LABEL="$LABEL${BENCH_LABEL:+ ($BENCH_LABEL)}"

timeout --kill-after=5 "$GEN_TIMEOUT" \
  java -Xmx1g -Dlogback.configurationFile="$ROOT/bench/publish/logback.xml" -cp "$DATA/generator:$JAR" \
  PublishBench \
  --url "http://127.0.0.1:$PORT" --api-key "$API_KEY" --data-dir "$DATA" --herald-pid "$HERALD_PID" \
  --label "$LABEL" --out "$OUT" "$@"

echo "$OUT"
