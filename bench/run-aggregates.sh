#!/usr/bin/env bash
# Live-aggregate overhead benchmark (issue #5): events/s with 5 aggregates attached vs none, and
# snapshot latency. Two throw-away Heralds, one after the other, each fresh (own data dir, own
# embedded PostgreSQL), both driven by bench/publish/PublishBench.java with the same settings and
# the same payload (--payload agg: amount, user, region in every event):
#   1. "without": the built-in config only. Its one aggregate (sales) watches channel `sales`;
#      the generator publishes to `market:*`, so no aggregate matches any event.
#   2. "with":    HERALD_CONFIG=bench/aggregates/five-aggregates.yaml adds five aggregates over
#      `market:*` (sum/count/goal, distinctCount, max/min, last, groupBy+goal). Its open-loop phase
#      also subscribes to agg:revenue and agg:regions and measures snapshot latency.
# Phases per Herald: jit-warmup, closed loop 128 in flight to 1 and to 100 channels (3 s warm-up,
# 10 s measured), open loop at --rate (default 1500/s, 64 connections; 5 s warm-up, 20 s measured).
# Writes bench/results/aggregates-<date>-<time>.json (both reports + a summary) and prints its path.
# About 3.5 minutes. Extra arguments go to both generator runs. Environment: HERALD_JAR, BENCH_OUT.
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$(pwd)
RESULTS="$ROOT/bench/results"
STAMP=$(date +%Y-%m-%d-%H%M%S)
OUT="${BENCH_OUT:-$RESULTS/aggregates-$STAMP.json}"
TMP=$(mktemp -d "${TMPDIR:-/tmp}/herald-aggbench.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
mkdir -p "$RESULTS"

COMMON=(--phases one,many,rate --payload agg --concurrency 128 --channels 100 --warmup 3 --duration 10
  --rate 1500 --rate-warmup 5 --rate-duration 20 --rate-connections 64
  --jit-warmup 15 --jit-warmup-events 40000)

echo "[run-aggregates] 1/2: Herald without aggregates on the published channels" >&2
env -u HERALD_CONFIG BENCH_OUT="$TMP/without.json" BENCH_LABEL="no aggregate matches" BENCH_TIMEOUT=120 \
  "$ROOT/bench/run-publish.sh" "${COMMON[@]}" "$@" >/dev/null

echo "[run-aggregates] 2/2: Herald with 5 aggregates over market:*" >&2
HERALD_CONFIG="$ROOT/bench/aggregates/five-aggregates.yaml" BENCH_OUT="$TMP/with.json" \
  BENCH_LABEL="5 aggregates over market:*" BENCH_TIMEOUT=150 \
  "$ROOT/bench/run-publish.sh" "${COMMON[@]}" --snapshot-channels agg:revenue,agg:regions "$@" >/dev/null

# Summary: events/s with and without, their ratio, CPU microseconds per event (cores / events/s).
jq -n --slurpfile w "$TMP/with.json" --slurpfile n "$TMP/without.json" \
  --arg config "$(cat "$ROOT/bench/aggregates/five-aggregates.yaml")" '
  def r(x): (x * 1000 | round) / 1000;
  def us(c; eps): if eps > 0 and c != null then r(c / eps * 1e6) else null end;
  def phase(p): {
      events_per_s: p.events_per_s,
      latency_p50_ms: p.latency_ms.p50, latency_p99_ms: p.latency_ms.p99,
      verified: p.verified,
      cpu_cores: p.cpu_cores_used,
      herald_cpu_us_per_event: us(p.cpu_cores_used.herald; p.events_per_s),
      postgres_cpu_us_per_event: us(p.cpu_cores_used.postgres; p.events_per_s) };
  ($n[0]) as $a | ($w[0]) as $b |
  {
    benchmark: "herald-aggregates",
    started_at: $a.started_at,
    question: "events/s with 5 aggregates attached vs none (overhead ratio), and snapshot latency p99",
    summary: {
      throughput: [ range(0; $a.throughput | length) as $i | ($a.throughput[$i]) as $x | ($b.throughput[$i]) as $y | {
        phase: $x.name,
        without: phase($x), with: phase($y),
        ratio_with_over_without: (if $x.events_per_s > 0 then r($y.events_per_s / $x.events_per_s) else null end),
        herald_cpu_per_event_ratio: (if phase($x).herald_cpu_us_per_event then r(phase($y).herald_cpu_us_per_event / phase($x).herald_cpu_us_per_event) else null end),
        postgres_cpu_per_event_ratio: (if phase($x).postgres_cpu_us_per_event then r(phase($y).postgres_cpu_us_per_event / phase($x).postgres_cpu_us_per_event) else null end)
      } ],
      at_rate: {
        offered: $b.latency_at_rate.offered_rate,
        without: { achieved: $a.latency_at_rate.achieved_events_per_s, skipped: $a.latency_at_rate.skipped_over_max_in_flight,
                   publish_ms: $a.latency_at_rate.publish_ms, deliver_ms: $a.latency_at_rate.deliver.deliver_ms,
                   cpu_cores: $a.latency_at_rate.cpu_cores_used },
        with: { achieved: $b.latency_at_rate.achieved_events_per_s, skipped: $b.latency_at_rate.skipped_over_max_in_flight,
                publish_ms: $b.latency_at_rate.publish_ms, deliver_ms: $b.latency_at_rate.deliver.deliver_ms,
                cpu_cores: $b.latency_at_rate.cpu_cores_used }
      },
      snapshots: [ ($b.latency_at_rate.snapshots // [])[] | {
        channel, snapshots_in_window, snapshots_per_s, versions_per_snapshot, versions_not_increasing,
        latency_ms: .latency_from_newest_send_ms, spacing_ms, errors } ]
    },
    aggregates_config: $config,
    without: $a,
    with: $b
  }' > "$OUT"

jq '.summary' "$OUT" >&2
echo "$OUT"
