#!/usr/bin/env bash
# Presence churn benchmark (issue #4): one PostgreSQL, 3 clustered Herald nodes on 127.0.0.1, the
# generator in bench/presence/PresenceChurnBench.java. Everything it starts is stopped on exit.
# Result: bench/results/presence-<date>.json. Extra arguments go to the generator, e.g.
#   bench/run-presence.sh --rate=1000 --duration=25 --rooms=40 --users=800
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$(pwd)
JAR="$ROOT/target/herald.jar"
if [[ ! -f "$JAR" ]]; then
  echo "[run] building $JAR" >&2
  mvn -q -B package -DskipTests
fi

WORK=$(mktemp -d /tmp/herald-bench-presence.XXXXXX)
PIDS=()
KEEP_WORK=0
cleanup() {
  local rc=$?
  for pid in "${PIDS[@]}"; do
    kill "$pid" 2>/dev/null || true
  done
  for pid in "${PIDS[@]}"; do
    for _ in $(seq 1 100); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    kill -9 "$pid" 2>/dev/null || true
  done
  if [[ $rc -ne 0 || $KEEP_WORK -eq 1 ]]; then
    echo "[run] logs kept in $WORK" >&2
  else
    rm -rf "$WORK"
  fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() {
  local p
  for _ in $(seq 1 200); do
    p=$((20000 + RANDOM % 20000))
    if [[ -z "$(ss -tanH "( sport = :$p or dport = :$p )")" ]]; then
      echo "$p"
      return
    fi
  done
  echo "no free port" >&2
  return 1
}

wait_ready() { # port pid log
  for _ in $(seq 1 600); do
    if ! kill -0 "$2" 2>/dev/null; then
      echo "[run] node on port $1 exited; log:" >&2
      tail -40 "$3" >&2
      return 1
    fi
    if curl -fsS "http://127.0.0.1:$1/health/ready" >/dev/null 2>&1; then
      return 0
    fi
    sleep 0.2
  done
  echo "[run] node on port $1 not ready in 120 s" >&2
  tail -40 "$3" >&2
  return 1
}

SECONDS=0
# ---- the shared database ----
java -Xmx128m -cp "$JAR" bench/presence/BenchDb.java "$WORK" >"$WORK/db.out" 2>"$WORK/db.err" &
PIDS+=($!)
DB_URL=""
for _ in $(seq 1 600); do
  DB_URL=$(sed -n 's/^DB_URL=//p' "$WORK/db.out")
  [[ -n "$DB_URL" ]] && break
  kill -0 "${PIDS[0]}" 2>/dev/null || { cat "$WORK/db.err" >&2; exit 1; }
  sleep 0.2
done
[[ -n "$DB_URL" ]] || { echo "[run] database did not start" >&2; exit 1; }
echo "[run] database $DB_URL (${SECONDS}s)" >&2

# ---- 3 nodes, one after the other (so they join one Hazelcast cluster instead of merging later) ----
SECRET="bench-secret-$(date +%s%N)-0123456789abcdef"
API_KEY="bench-key-$RANDOM$RANDOM"
CLUSTER="herald-bench-presence-$$-$(date +%s)"
PORTS=()
NODE_PIDS=()
for n in 0 1 2; do
  port=$(free_port)
  mkdir -p "$WORK/node$n"
  (
    export HERALD_PORT=$port HERALD_DB_URL=$DB_URL HERALD_JWT_SECRET=$SECRET HERALD_API_KEYS=$API_KEY \
      HERALD_CLUSTER_NAME=$CLUSTER HERALD_DATA_DIR=$WORK/node$n
    exec java -Xms256m -Xmx512m -Xlog:gc:file=$WORK/node$n-gc.log -jar "$JAR" --cluster
  ) >"$WORK/node$n.log" 2>&1 &
  pid=$!
  PIDS+=("$pid")
  NODE_PIDS+=("$pid")
  PORTS+=("$port")
  wait_ready "$port" "$pid" "$WORK/node$n.log"
  echo "[run] node $n ready on port $port, pid $pid (${SECONDS}s)" >&2
done

mkdir -p bench/results
OUT="bench/results/presence-$(date -u +%Y%m%dT%H%M%SZ).json"
set +e
java -Xmx768m -cp "$JAR" bench/presence/PresenceChurnBench.java \
  --ports="$(IFS=,; echo "${PORTS[*]}")" --pids="$(IFS=,; echo "${NODE_PIDS[*]}")" \
  --secret="$SECRET" --api-key="$API_KEY" --out="$OUT" "$@" >/dev/null
rc=$?
set -e
for n in 0 1 2; do
  if grep -qE "ERROR|Exception" "$WORK/node$n.log"; then
    echo "[run] node $n logged errors (first lines):" >&2
    grep -E "ERROR|Exception" "$WORK/node$n.log" | head -5 >&2
    KEEP_WORK=1
  fi
done
if [[ -f "$OUT" ]]; then
  echo "[run] wrote $OUT (${SECONDS}s in all)" >&2
  jq '{ok, convergenceMs: .herald.convergenceMs, missingEvents: .herald.missingEvents,
       heraldBytesPerJoinOrLeave, peerBytesPerChange: .peerFullSnapshot.bytesPerChange,
       unbatchedDeltaBytesPerChange: .ablationUnbatchedDelta.bytesPerChange}' "$OUT" >&2 || true
fi
exit $rc
