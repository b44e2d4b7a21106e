#!/usr/bin/env bash
# Issue 18: the alert history at 1,000,000 events. Loads them straight into a history file (FalcoHook.Benchmarks
# events-load: one hour through the store, copied by SQL into the 167 hours before in one transaction without a journal,
# the time and fingerprint indexes made after the rows; the tables, search tokens and counts are the store's), starts the service (Release) on
# it and reports p50/p95 of events queries with filters and free text and of the stats call; then the ingest rate of
# POST / with the history on (recording into that million-event file) and off, in the same run, as bench/ingest.sh does.
#
#   bench/events.sh          # EVENTS=1000000 QUERIES=200 DURATION=15 WARMUP=5 CONNECTIONS=32; KEEP=1 keeps the work dir
#   EVENTS_DB=<kept work dir>/events.db SERVICE_DIR=<kept work dir>/service bench/events.sh   # measure a history loaded before
#
# Needs the README's prerequisite (.NET 10 SDK), wrk and curl, and the conformance corpus (for the posted alert).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
require
EVENTS="${EVENTS:-1000000}"
QUERIES="${QUERIES:-200}"
DURATION="${DURATION:-15}"

if [[ -n "${SERVICE_DIR:-}" ]]; then cp -r "$SERVICE_DIR" "$WORK/service"; else publish FalcoHook.Api "$WORK/service"; fi
alert_body >"$WORK/alert.json"
if [[ -n "${EVENTS_DB:-}" ]]; then
    # A copy: the service's fresh inbox numbers its rows from 1 again, and its events would replace a previous run's.
    log "using a copy of the history loaded before in $EVENTS_DB"
    EVENTS_FILE="$WORK/events.db"; cp --reflink=auto "$EVENTS_DB" "$EVENTS_FILE"
    loaded="$(sqlite3 "$EVENTS_FILE" 'SELECT COUNT(*) FROM events' 2>/dev/null || echo "$EVENTS")"; load_s="(loaded before)"
else
    publish FalcoHook.Benchmarks "$WORK/loader"
    log "loading $EVENTS events into $WORK/events.db ..."
    EVENTS_FILE="$WORK/events.db"
    read -r loaded load_s < <(cd "$WORK/loader" && dotnet FalcoHook.Benchmarks.dll events-load "$EVENTS_FILE" "$EVENTS")
fi
db_bytes=$(stat -c %s "$EVENTS_FILE")

SERVICE_ARGS=(--FalcoHook:Rules:Paths:0="$CORPUS/rules/k8s_audit_rules.yaml" --Logging:LogLevel:Default=Warning)
PORT=$(free_port 28400)
start service-on "$WORK/service" FalcoHook.Api.dll "$PORT" "${SERVICE_ARGS[@]}" \
    --FalcoHook:Storage:ConnectionString="Data Source=$WORK/on.db" --FalcoHook:Events:File="$EVENTS_FILE"
ON_PID=$LAST_PID
OFF_PORT=$(free_port 28500)
start service-off "$WORK/service" FalcoHook.Api.dll "$OFF_PORT" "${SERVICE_ARGS[@]}" \
    --FalcoHook:Storage:ConnectionString="Data Source=$WORK/off.db" --FalcoHook:Events:Enabled=false
OFF_PID=$LAST_PID
BASE="http://127.0.0.1:$PORT"

# timings <label> <path?query>: QUERIES sequential GETs on one connection after 3 warm-up ones -> "p50 p95 max" (ms)
timings() {
    local url="$BASE$1" args=() i
    for ((i = 0; i < 3; i++)); do args+=(-o /dev/null "$url"); done
    curl -fs "${args[@]}"
    args=()
    for ((i = 0; i < QUERIES; i++)); do args+=(-o /dev/null -w '%{time_total}\n' "$url"); done
    curl -fs "${args[@]}" | sort -n | awk '{ t[NR] = $1 * 1000 } END {
        p50 = t[int(NR * 0.50 + 0.5)]; p95 = t[int(NR * 0.95 + 0.5)]; printf "%.1f %.1f %.1f\n", p50, p95, t[NR] }'
}
count() { curl -fs "$BASE$1" | grep -o '"total":[0-9]*' | head -1 | cut -d: -f2; }
matches() { count "/api/v1/events/stats?${1#*\?}"; }

Q1="/api/v1/events?priority=warning&field.k8s.ns.name=payments&q=shadow&limit=50"
Q2="/api/v1/events?rule=Terminal%20shell%20in%20container&q=curl&since=24h&limit=50"
Q3="/api/v1/events?q=sudoers&hostname=node-03&limit=50"
Q4="/api/v1/events?q=bash&limit=50"
S1="/api/v1/events/stats"
S2="/api/v1/events/stats?since=24h"
S3="/api/v1/events/stats?priority=error&since=24h"
S4="/api/v1/events/stats?priority=warning"

echo "$(machine), load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "history: $loaded events loaded in ${load_s} s; events.db $(awk -v b="$db_bytes" 'BEGIN { printf "%.0f MB (%.0f bytes/event)", b / 1e6, b / '"$loaded"' }')"
echo "stats total: $(count "$S1")"
echo
printf '%-84s %8s %8s %8s %9s\n' "GET (sequential, one connection, $QUERIES each)" "p50 ms" "p95 ms" "max ms" "matches"
for q in "$Q1" "$Q2" "$Q3" "$Q4"; do
    log "  $q"
    read -r p50 p95 max < <(timings "$q")
    printf '%-84s %8s %8s %8s %9s\n' "$q" "$p50" "$p95" "$max" "$(matches "$q")"
done
for q in "$S1" "$S2" "$S3" "$S4"; do
    log "  $q"
    read -r p50 p95 max < <(timings "$q")
    printf '%-84s %8s %8s %8s %9s\n' "$q" "$p50" "$p95" "$max" "$(count "$q")"
done
echo "  [targets: query p95 < 200 ms, stats p95 < 500 ms]"

ALERT_LUA=$(wrk_script "$WORK/alert.json" application/json)
measure() {  # measure <label> <url> -> "rps p50 p99 n non2xx"
    log "  $1: ${WARMUP}s warm-up, ${DURATION}s measured, $CONNECTIONS connections"
    run_wrk "$2" "$ALERT_LUA" "$WARMUP" "$CONNECTIONS" >/dev/null
    run_wrk "$2" "$ALERT_LUA" "$DURATION" "$CONNECTIONS"
}
settle "history on" "http://127.0.0.1:$PORT/" "$ALERT_LUA"; settle "history off" "http://127.0.0.1:$OFF_PORT/" "$ALERT_LUA"
# The settling load's alerts are in the history before the measured ones are counted.
before=$(count "$S1"); while sleep 2; now=$(count "$S1"); (( now != before )); do before=$now; done
# Off first: the history's writer may still be catching up after the load with it on, and would share the machine with
# a measurement after it.
read -r off_rps off_p50 off_p99 off_n off_bad < <(measure "history off" "http://127.0.0.1:$OFF_PORT/")
read -r on_rps on_p50 on_p99 on_n on_bad < <(measure "history on" "http://127.0.0.1:$PORT/")
# The history records behind the 200s (the pipeline's drain, and its writer process at idle priority): wait until every
# accepted alert is in it.
accepted=$((on_n - on_bad)); waited=0
log "  waiting for the history to hold the accepted alerts..."
while (( waited < 300 )); do
    now=$(count "$S1"); (( now - before >= accepted )) && break
    sleep 1; waited=$((waited + 1))
done
echo
echo "POST /  one Falco alert per request, $CONNECTIONS connections, ${DURATION}s each (after ${WARMUP}s warm-up)"
printf '  %-44s %10s req/s   p50 %8s ms   p99 %8s ms   non-2xx %s\n' \
    "history on (recording into $loaded events)" "$on_rps" "$on_p50" "$on_p99" "$on_bad" \
    "history off" "$off_rps" "$off_p50" "$off_p99" "$off_bad"
echo "  ingest with the history: $(ratio "$on_rps" "$off_rps") of the rate without   [target: cost < 10 %]"
echo "  history after the run: $(( $(count "$S1") - before )) new events (warm-up and measured requests); caught up ${waited} s after the load"
