#!/usr/bin/env bash
# Issue #16's benchmarks, one throw-away Herald (embedded PostgreSQL, fresh data dir, 127.0.0.1):
#   intake: verified chainhook deliveries/s (3 events each) vs POST /api/v1/events of the same 3
#           events per request, closed loop, alternated --rounds times (target: >= 0.7x);
#   inbox:  GET /api/v1/me/notifications p99 at 500 reads/s for a user with 10,000 notifications
#           (half read) and for a user whose role holds 10,000.
# Writes bench/results/notifications-<date>-<time>.json and prints its path. About 3 minutes.
# Extra arguments go to the generator (--scenarios intake|inbox, --rounds 2, --concurrency 64,
# --warmup 5, --duration 10, --inbox-size 10000, --read-rate 500, --read-duration 20).
# Environment: HERALD_JAR, HERALD_JAVA_OPTS, BENCH_OUT, BENCH_LABEL.
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$(pwd)
JAR="${HERALD_JAR:-$ROOT/target/herald.jar}"
RESULTS="$ROOT/bench/results"
API_KEY="bench-$RANDOM$RANDOM"
JWT_SECRET="bench-jwt-$RANDOM$RANDOM$RANDOM"
CHAINHOOK_SECRET="bench-chainhook-$RANDOM$RANDOM"
log() { echo "[run-notifications] $*" >&2; }

WORK=$(mktemp -d "${TMPDIR:-/tmp}/herald-notifications.XXXXXX")
PIDS=()
source "$ROOT/bench/common/stop.sh"
cleanup() {
  local rc=$?
  stop_started "$WORK" "${PIDS[@]}"
  remove_work "$WORK" "$rc"
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if [[ ! -f "$JAR" ]]; then
  log "building $JAR"
  mvn -q -B package -DskipTests >&2
fi
log "compiling the generator"
javac -nowarn -d "$WORK/classes" -cp "$JAR" bench/notifications/NotificationsBench.java bench/compare/Cpu.java \
  bench/compare/Stats.java bench/compare/Jwt.java bench/compare/Frames.java

PORT=$(free_port)
mkdir -p "$WORK/node"
HERALD_PORT=$PORT HERALD_DATA_DIR="$WORK/node" HERALD_API_KEYS="$API_KEY" HERALD_JWT_SECRET="$JWT_SECRET" \
  HERALD_WEBHOOK_CHAINHOOK_SECRET="$CHAINHOOK_SECRET" java ${HERALD_JAVA_OPTS:-} -jar "$JAR" >"$WORK/node.log" 2>&1 &
PIDS+=("$!")
for i in $(seq 1 360); do
  curl -sf "http://127.0.0.1:$PORT/health/ready" >/dev/null 2>&1 && break
  kill -0 "${PIDS[0]}" 2>/dev/null || { log "Herald exited during start-up"; exit 1; }
  [[ $i -eq 360 ]] && { log "Herald not ready after 90 s"; exit 1; }
  sleep 0.25
done
PG_PID=$(head -1 "$WORK/node/pg/postmaster.pid")
log "Herald ready on 127.0.0.1:$PORT (pid ${PIDS[0]}, PostgreSQL $PG_PID)"

mkdir -p "$RESULTS"
OUT="${BENCH_OUT:-$RESULTS/notifications-$(date +%Y-%m-%d-%H%M%S).json}"
LABEL="herald $(git rev-parse --short HEAD 2>/dev/null || echo unknown)$(git diff --quiet HEAD -- src 2>/dev/null || echo '+uncommitted')"
timeout --kill-after=5 600 java -Xmx1g -cp "$WORK/classes:$JAR" -Dlogback.configurationFile="$ROOT/bench/publish/logback.xml" \
  NotificationsBench --url "http://127.0.0.1:$PORT" --api-key "$API_KEY" --jwt-secret "$JWT_SECRET" \
  --chainhook-secret "$CHAINHOOK_SECRET" --herald-pid "${PIDS[0]}" --pg-pid "$PG_PID" \
  --label "$LABEL${BENCH_LABEL:+ ($BENCH_LABEL)}" --out "$OUT" "$@"
echo "$OUT"
