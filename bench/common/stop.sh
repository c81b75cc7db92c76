# Sourced by the bench run scripts: stopping what a run started, and its work dir.
#
# stop_started WORK PID...: stops what a run started, whatever happened to it. SIGTERM to the pids in
# reverse order (the last started first), SIGKILL to any still up 10 s later, then SIGTERM to every
# embedded PostgreSQL postmaster of WORK's data dirs that is still running (they normally stop with
# their Herald; a killed Herald leaves its own behind). Postmasters come from the postmaster.pid
# files under WORK, read before anything is stopped, and from PG_PIDS when the script keeps one;
# only a process whose command line names WORK is stopped (a pid may have been reused).
stop_started() {
  local work="$1"
  shift
  local pids=("$@") pgs=() f pid pg i
  if [[ -n "${PG_PIDS+x}" ]]; then pgs+=("${PG_PIDS[@]}"); fi
  for f in "$work"/*/pg/postmaster.pid; do
    if [[ -f "$f" ]]; then pgs+=("$(head -1 "$f")"); fi
  done
  for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
    kill "${pids[$i]}" 2>/dev/null || true
  done
  for pid in "${pids[@]}"; do
    for _ in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
    kill -9 "$pid" 2>/dev/null || true
  done
  for pg in "${pgs[@]}"; do
    if kill -0 "$pg" 2>/dev/null && grep -q "$work" "/proc/$pg/cmdline" 2>/dev/null; then kill "$pg" 2>/dev/null || true; fi
  done
}

# generator_pids WORK PATTERN: the pids listed in WORK/generator-pids (what a generator started
# itself) that still run with an environment variable matching PATTERN (an extended regex over its
# NAME=value line, naming this run's work dir: a pid may have been reused).
generator_pids() {
  local work="$1" pattern="$2" pid
  [[ -f "$work/generator-pids" ]] || return 0
  while read -r pid; do
    if tr '\0' '\n' 2>/dev/null <"/proc/$pid/environ" | grep -qE "$pattern"; then echo "$pid"; fi
  done <"$work/generator-pids"
}

# remove_work WORK RC: on a failed run (RC not 0), shows the last lines of each log in WORK first.
remove_work() {
  local work="$1" rc="$2" f
  if [[ $rc -ne 0 ]]; then
    for f in "$work"/*.log; do [[ -f "$f" ]] && { log "last lines of $f:"; tail -15 "$f" >&2; }; done
  fi
  rm -rf "$work"
}

# free_port: a TCP port free on 127.0.0.1 right now.
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}
