#!/usr/bin/env bash
# Issue 15: FalcoHook's durable Falco alert ingest (POST /) on PostgreSQL, one replica, against the same two
# references in the same run: the bare ASP.NET Core endpoint (bench/Ceiling, parse and 200) and a bare PostgreSQL
# group commit (bench/Ceiling POST /durable-pg: parse, one multi-row INSERT per group, commit, 200), all Release,
# all loaded with wrk on 127.0.0.1, one PostgreSQL 15 started here for the run. Then the time to fail over: two
# replicas, the leader SIGKILLed, until the other logs that it leads (FalcoHook:Storage:FailoverTimeout as given).
#
#   bench/postgres.sh        # DURATION=20 WARMUP=5 CONNECTIONS=32 THREADS=1 FAILOVERS=3 FAILOVER_TIMEOUT=00:00:10 KEEP=1
#
# Needs what bench/ingest.sh needs, and Debian's postgresql 15 (/usr/lib/postgresql/15/bin; apt-get install -y postgresql).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
require
PG_BIN="${PG_BIN:-/usr/lib/postgresql/15/bin}"
FAILOVERS="${FAILOVERS:-3}"
FAILOVER_TIMEOUT="${FAILOVER_TIMEOUT:-00:00:10}"
[[ -x "$PG_BIN/initdb" ]] || { log "PostgreSQL 15 not found in $PG_BIN: apt-get install -y postgresql"; exit 2; }

# PostgreSQL refuses to run as root: the data directory belongs to the postgres user then.
as_pg() { if [[ $(id -u) -eq 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi; }
PGDATA="$WORK/pgdata"
mkdir -p "$PGDATA"; chmod 700 "$PGDATA"
[[ $(id -u) -eq 0 ]] && chown postgres: "$WORK" "$PGDATA" && chmod 755 "$WORK"
PG_PORT=$(free_port 28400)
as_pg "$PG_BIN/initdb" -D "$PGDATA" -U postgres --auth=trust -E UTF8 >"$WORK/initdb.log" 2>&1 || { cat "$WORK/initdb.log" >&2; exit 1; }
as_pg "$PG_BIN/pg_ctl" -D "$PGDATA" -l "$WORK/postgres.log" -w \
    -o "-p $PG_PORT -k $PGDATA -c listen_addresses=127.0.0.1 -c max_connections=200" start >/dev/null
stop_pg() { as_pg "$PG_BIN/pg_ctl" -D "$PGDATA" -m immediate stop >/dev/null 2>&1 || true; }
trap 'stop_pg; cleanup' EXIT
pg() { as_pg "$PG_BIN/psql" -h 127.0.0.1 -p "$PG_PORT" -U postgres -qAt "$@"; }
pg -c "CREATE DATABASE floor" -c "CREATE DATABASE ingest" -c "CREATE DATABASE failover"
conn() { echo "Host=127.0.0.1;Port=$PG_PORT;Username=postgres;Database=$1"; }

publish FalcoHook.Api "$WORK/service"
publish bench/Ceiling "$WORK/ceiling"
alert_body >"$WORK/alert.json"
[[ -s "$WORK/alert.json" ]] || { log "no syscall alert with output_fields in $CORPUS/alerts"; exit 1; }

QUIET=(--Logging:LogLevel:Default=Warning --Logging:LogLevel:FalcoHook.SecurityEvents=None)
CEILING_PORT=$(free_port 28100)
start ceiling "$WORK/ceiling" Ceiling.dll "$CEILING_PORT" --FloorDirectory="$WORK" --PostgresFloor="$(conn floor)"
PORT=$(free_port 28200)
start service "$WORK/service" FalcoHook.Api.dll "$PORT" --FalcoHook:Rules:Paths:0="$CORPUS/rules/k8s_audit_rules.yaml" \
    --FalcoHook:Storage:Provider=postgres --FalcoHook:Storage:ConnectionString="$(conn ingest)" "${QUIET[@]}"
SERVICE_PID=$LAST_PID
ALERT_LUA=$(wrk_script "$WORK/alert.json" application/json)

measure() {  # measure <label> <url> -> "rps p50 p99 n non2xx"
    log "  $1: ${WARMUP}s warm-up, ${DURATION}s measured, $CONNECTIONS connections"
    run_wrk "$2" "$ALERT_LUA" "$WARMUP" "$CONNECTIONS" >/dev/null
    run_wrk "$2" "$ALERT_LUA" "$DURATION" "$CONNECTIONS"
}

echo "$(machine), PostgreSQL $("$PG_BIN/postgres" --version | awk '{print $3}') (fsync on, synchronous_commit on, one local server)"
echo "alert: $(wc -c <"$WORK/alert.json") bytes; ${DURATION}s per measurement, $CONNECTIONS connections"
log "POST / (one Falco alert per request)"
read -r c_rps c_p50 c_p99 c_n c_bad < <(measure "ceiling" "http://127.0.0.1:$CEILING_PORT/")
read -r f_rps f_p50 f_p99 f_n f_bad < <(measure "PostgreSQL group-commit floor" "http://127.0.0.1:$CEILING_PORT/durable-pg")
read -r s_rps s_p50 s_p99 s_n s_bad < <(measure "service on PostgreSQL, one replica" "http://127.0.0.1:$PORT/")
stop "$SERVICE_PID"
left=$(pg -d ingest -c "SELECT COUNT(*) FROM inbox" 2>/dev/null || echo "?")

printf '%-48s %10s %9s %9s %7s\n' "target" "req/s" "p50 ms" "p99 ms" "non2xx"
printf '%-48s %10s %9s %9s %7s\n' \
    "ceiling (parse, 200)" "$c_rps" "$c_p50" "$c_p99" "$c_bad" \
    "PostgreSQL floor (ceiling + group commit)" "$f_rps" "$f_p50" "$f_p99" "$f_bad" \
    "service, provider postgres, one replica" "$s_rps" "$s_p50" "$s_p99" "$s_bad"
echo "  ratio PostgreSQL floor/ceiling: $(ratio "$f_rps" "$c_rps")   (what a PostgreSQL group commit alone costs)"
echo "  ratio service/PostgreSQL floor: $(ratio "$s_rps" "$f_rps")"
echo "  ratio service/ceiling:          $(ratio "$s_rps" "$c_rps")"
echo "  inbox rows left undrained when the service stopped: $left"

# Failover: two replicas; SIGKILL the one that leads; time until the other logs that it leads.
log "failover: two replicas, FailoverTimeout $FAILOVER_TIMEOUT, $FAILOVERS kills"
replica() {  # replica <name> <port>; sets LAST_PID
    start "$1" "$WORK/service" FalcoHook.Api.dll "$2" --FalcoHook:Rules:Paths:0="$CORPUS/rules/k8s_audit_rules.yaml" \
        --FalcoHook:Storage:Provider=postgres --FalcoHook:Storage:ConnectionString="$(conn failover)" \
        --FalcoHook:Storage:FailoverTimeout="$FAILOVER_TIMEOUT" "${QUIET[@]}" \
        --Logging:LogLevel:FalcoHook.Core.Coordination=Information --Logging:Console:FormatterName=simple \
        --Logging:Console:FormatterOptions:SingleLine=true
}
leads() { grep -c ' leads: ' "$WORK/$1.log" 2>/dev/null || true; }
declare -A PID_OF=()
for name in r1 r2; do replica "$name" "$(free_port $((28500 + ${#PID_OF[@]} * 60)))"; PID_OF[$name]=$LAST_PID; done
times=()
for ((k = 1; k <= FAILOVERS; k++)); do
    leader=""
    for i in $(seq 1 1000); do
        for name in r1 r2; do
            if [[ $(leads "$name") -gt 0 ]] && ! grep -q ' stepped down ' <(tail -n +"$(grep -n ' leads: ' "$WORK/$name.log" | tail -1 | cut -d: -f1)" "$WORK/$name.log"); then leader=$name; fi
        done
        [[ -n "$leader" ]] && break; sleep 0.02
    done
    [[ -n "$leader" ]] || { log "no replica leads"; exit 1; }
    other=$([[ $leader == r1 ]] && echo r2 || echo r1)
    before=$(leads "$other")
    t0=$(date +%s%N)
    kill -9 "${PID_OF[$leader]}"; wait "${PID_OF[$leader]}" 2>/dev/null || true
    until [[ $(leads "$other") -gt $before ]]; do
        (( $(date +%s%N) - t0 > 60000000000 )) && { log "$other did not take over within 60 s"; tail -20 "$WORK/$other.log" >&2; exit 1; }
        sleep 0.005
    done
    ms=$(( ($(date +%s%N) - t0) / 1000000 ))
    times+=("$ms")
    log "  kill $k: $leader killed, $other leads after $ms ms"
    mv "$WORK/$leader.log" "$WORK/$leader-$k.log"
    replica "$leader" "$(free_port $((28700 + k * 20)))"; PID_OF[$leader]=$LAST_PID
done
echo "failover (FailoverTimeout $FAILOVER_TIMEOUT, leader SIGKILLed -> other replica leads): ${times[*]} ms"
