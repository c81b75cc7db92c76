#!/usr/bin/env bash
# Issue #18: Herald as deployed (deploy/cluster.sh: PostgreSQL, nodes, nginx on 127.0.0.1), measured
# (bench/cluster/bench.mjs, see bench/README.md):
#
#   bench/run-cluster.sh [--quick]
#
#   bus    bytes between nodes per published event at 2, 3 and 4 nodes, 1 and 100 channels
#   crash  300 SDK clients through nginx over 3 nodes, one node SIGKILLed: time until its clients are
#          back and caught up, events missed or duplicated
#
# Cross-node delivery latency (p50/p99 with publisher and subscribers on different nodes vs the same
# node) is the compare bench's cluster scenario: bench/run-compare.sh --scenarios cluster --targets herald.
# Writes bench/results/cluster-<date>-<time>.json (also on stdout); stops every cluster it started,
# whatever happened. About 4 minutes (--quick: 2.5). Needs root or the postgres user able to reach
# TMPDIR (deploy/cluster.sh runs Debian's PostgreSQL as postgres).
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$(pwd)
QUICK=""
for a in "$@"; do [[ "$a" == "--quick" ]] && QUICK=1; done
log() { echo "[run-cluster] $*" >&2; }

WORK=$(mktemp -d "${TMPDIR:-/tmp}/herald-cluster-bench.XXXXXX")
chmod 755 "$WORK"   # the postgres user keeps its data under it
cleanup() {
  local rc=$? d
  for d in "$WORK"/cluster-*; do
    [[ -f "$d/ports" ]] && HERALD_DEPLOY_DIR="$d" bash deploy/cluster.sh stop 2>/dev/null || true
  done
  rm -rf "$WORK"
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

[[ -f target/herald.jar ]] || { log "building target/herald.jar"; mvn -q -B package -DskipTests >&2; }
if [[ ! -d bench/sdk/node_modules ]]; then
  log "installing the clients (npm ci in bench/sdk)"
  (cd bench/sdk && npm ci --no-audit --no-fund --loglevel=error >&2)
fi
mkdir -p bench/results
OUT="bench/results/cluster-$(date +%Y-%m-%d-%H%M%S).json"
log "load average at start: $(cut -d' ' -f1-3 /proc/loadavg) ($(nproc) cores)"
BENCH_WORK="$WORK" BENCH_QUICK="$QUICK" timeout --kill-after=10 900 node bench/cluster/bench.mjs >"$OUT"
log "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
cat "$OUT"
log "report: $OUT"
