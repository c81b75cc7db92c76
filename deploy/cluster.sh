#!/usr/bin/env bash
# Herald as deployed, on 127.0.0.1: one PostgreSQL, Herald nodes joined through cluster.xml, and
# nginx in front (HTTP, and HTTPS with a self-signed certificate made here). Stops exactly what it
# started, by the pids it wrote down.
#
#   deploy/cluster.sh start [N]   PostgreSQL, N nodes (3), nginx; waits until each answers ready
#   deploy/cluster.sh add         one more node (nginx sends it nothing until `reload`)
#   deploy/cluster.sh reload      nginx's upstream := the nodes running now
#   deploy/cluster.sh stop-node I SIGTERM (drain) node I, or with KILL=1 SIGKILL it
#   deploy/cluster.sh start-node I node I again, on its port
#   deploy/cluster.sh stop-db     PostgreSQL down (fast shutdown: open transactions are cut)
#   deploy/cluster.sh start-db    PostgreSQL up again, same data and port
#   deploy/cluster.sh stop        everything it started
#
# Debian's postgresql and nginx are installed with apt-get when missing (as root). Environment:
# HERALD_DEPLOY_DIR (state: pids, logs, data; /tmp/herald-deploy), HERALD_DEPLOY_HTTP_PORT (8080),
# HERALD_DEPLOY_HTTPS_PORT (8443), HERALD_DEPLOY_NODE_PORT (first node's port, 8081; node I gets
# it + I - 1), HERALD_DEPLOY_PG_PORT (55432), HERALD_JAR (target/herald.jar); the nodes take every
# other HERALD_* variable as usual (HERALD_JWT_SECRET, HERALD_API_KEYS, HERALD_CLUSTER_NAME...).
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$(pwd)
STATE="${HERALD_DEPLOY_DIR:-/tmp/herald-deploy}"
HTTP_PORT="${HERALD_DEPLOY_HTTP_PORT:-8080}"
HTTPS_PORT="${HERALD_DEPLOY_HTTPS_PORT:-8443}"
NODE_PORT="${HERALD_DEPLOY_NODE_PORT:-8081}"
PG_PORT="${HERALD_DEPLOY_PG_PORT:-55432}"
JAR="${HERALD_JAR:-$ROOT/target/herald.jar}"
# later commands use the ports the cluster was started with
[[ -f "$STATE/ports" ]] && source "$STATE/ports"
export HERALD_CLUSTER_NAME="${HERALD_CLUSTER_NAME:-herald-deploy}"

log() { echo "[cluster] $*" >&2; }

install_missing() {
  local need=()
  ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
  command -v nginx >/dev/null || need+=(nginx-light)
  command -v openssl >/dev/null || need+=(openssl)
  if [[ ${#need[@]} -gt 0 ]]; then
    log "installing ${need[*]}"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >&2
  fi
}

pg_bin() { ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1; }
# PostgreSQL will not run as root: as root, its commands run as the postgres user
as_pg() { if [[ $(id -u) -eq 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi; }

start_postgres() {
  local bin
  bin=$(pg_bin)
  mkdir -p "$STATE/pg"
  if [[ $(id -u) -eq 0 ]]; then
    chown postgres "$STATE/pg"
    runuser -u postgres -- test -w "$STATE/pg" || { log "the postgres user cannot reach $STATE/pg: put HERALD_DEPLOY_DIR where it can"; exit 1; }
  fi
  as_pg "$bin/initdb" -D "$STATE/pg/data" -U herald --auth=trust >"$STATE/pg-init.log"
  run_postgres
  as_pg "$bin/createdb" -h 127.0.0.1 -p "$PG_PORT" -U herald herald
}

run_postgres() {
  as_pg "$(pg_bin)/pg_ctl" -D "$STATE/pg/data" -l "$STATE/pg/postgres.log" -w \
    -o "-p $PG_PORT -c listen_addresses=127.0.0.1 -k $STATE/pg -c max_connections=200" start >/dev/null
  head -1 "$STATE/pg/data/postmaster.pid" >"$STATE/pg.pid"
  log "PostgreSQL on 127.0.0.1:$PG_PORT (pid $(cat "$STATE/pg.pid"))"
}

stop_postgres() {
  if [[ -f "$STATE/pg.pid" ]] && kill -0 "$(cat "$STATE/pg.pid")" 2>/dev/null; then
    as_pg "$(pg_bin)/pg_ctl" -D "$STATE/pg/data" -m fast -w stop >/dev/null
    for _ in $(seq 1 60); do kill -0 "$(cat "$STATE/pg.pid")" 2>/dev/null || break; sleep 0.5; done
  fi
}

node_port() { echo $((NODE_PORT + $1 - 1)); }

start_node() {
  local i=$1 port
  port=$(node_port "$i")
  mkdir -p "$STATE/node-$i"
  HERALD_PORT=$port HERALD_CLUSTER=true HERALD_DATA_DIR="$STATE/node-$i" \
    HERALD_DB_URL="postgresql://herald@127.0.0.1:$PG_PORT/herald" \
    nohup java -jar "$JAR" >>"$STATE/node-$i.log" 2>&1 &
  echo $! >"$STATE/node-$i.pid"
}

await_ready() {
  local i=$1 port
  port=$(node_port "$i")
  for _ in $(seq 1 240); do
    if curl -fsS -o /dev/null "http://127.0.0.1:$port/health/ready" 2>/dev/null; then
      log "node $i ready on 127.0.0.1:$port (pid $(cat "$STATE/node-$i.pid"))"
      return 0
    fi
    kill -0 "$(cat "$STATE/node-$i.pid")" 2>/dev/null || { log "node $i exited:"; tail -5 "$STATE/node-$i.log" >&2; return 1; }
    sleep 0.5
  done
  log "node $i not ready after 120 s"
  return 1
}

nodes() { ls "$STATE"/node-*.pid 2>/dev/null | sed 's/.*node-\([0-9]*\)\.pid/\1/' | sort -n; }

running() { kill -0 "$(cat "$1")" 2>/dev/null; }

write_nginx_conf() {
  local servers="" i
  for i in $(nodes); do
    if running "$STATE/node-$i.pid"; then
      servers+="    server 127.0.0.1:$(node_port "$i") max_fails=1 fail_timeout=2s;\n"
    fi
  done
  sed -e "s|@STATE@|$STATE|g" -e "s|@HTTP_PORT@|$HTTP_PORT|g" -e "s|@HTTPS_PORT@|$HTTPS_PORT|g" \
    -e "s|@SERVERS@|${servers%\\n}|g" "$ROOT/deploy/nginx.conf" >"$STATE/nginx.conf"
}

start_nginx() {
  mkdir -p "$STATE/tls" "$STATE/nginx-tmp"
  openssl req -x509 -newkey rsa:2048 -nodes -days 7 -subj /CN=localhost -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" \
    -keyout "$STATE/tls/key.pem" -out "$STATE/tls/cert.pem" 2>/dev/null
  write_nginx_conf
  nginx -p "$STATE" -c "$STATE/nginx.conf" -e "$STATE/nginx-error.log"
  log "nginx on http://127.0.0.1:$HTTP_PORT and https://127.0.0.1:$HTTPS_PORT (pid $(cat "$STATE/nginx.pid"))"
}

stop_pid() { # PIDFILE SIGNAL: signal, then wait up to 30 s, then SIGKILL
  local pid
  [[ -f "$1" ]] || return 0
  pid=$(cat "$1")
  kill "-$2" "$pid" 2>/dev/null || return 0
  for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.5; done
  kill -9 "$pid" 2>/dev/null || true
}

case "${1:-}" in
  start)
    [[ -f "$STATE/pg.pid" ]] && { log "already started in $STATE (deploy/cluster.sh stop first)"; exit 1; }
    [[ -f "$JAR" ]] || (cd "$ROOT" && mvn -B -q package -DskipTests)
    install_missing
    mkdir -p "$STATE"
    printf 'HTTP_PORT=%s\nHTTPS_PORT=%s\nNODE_PORT=%s\nPG_PORT=%s\n' "$HTTP_PORT" "$HTTPS_PORT" "$NODE_PORT" "$PG_PORT" >"$STATE/ports"
    start_postgres
    for i in $(seq 1 "${2:-3}"); do start_node "$i"; done
    for i in $(seq 1 "${2:-3}"); do await_ready "$i"; done
    start_nginx
    ;;
  add)
    i=$(( $(nodes | tail -1) + 1 ))
    start_node "$i"
    await_ready "$i"
    ;;
  reload)
    write_nginx_conf
    nginx -p "$STATE" -c "$STATE/nginx.conf" -e "$STATE/nginx-error.log" -s reload
    ;;
  stop-node)
    stop_pid "$STATE/node-$2.pid" "$([[ -n "${KILL:-}" ]] && echo KILL || echo TERM)"
    ;;
  start-node)
    start_node "$2"
    await_ready "$2"
    ;;
  stop-db)
    stop_postgres
    ;;
  start-db)
    run_postgres
    ;;
  stop)
    stop_pid "$STATE/nginx.pid" QUIT
    for i in $(nodes); do stop_pid "$STATE/node-$i.pid" TERM & done
    wait
    stop_postgres
    rm -rf "$STATE"
    log "stopped"
    ;;
  *)
    sed -n '2,20p' "$0" >&2
    exit 2
    ;;
esac
