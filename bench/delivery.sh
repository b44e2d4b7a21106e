#!/usr/bin/env bash
# Issue 9 and 17: alerts/s from ingest (POST /, durable inbox) through the pipeline and the durable outbox to a local
# fake sink (bench/Ceiling), and the time until the last alert is delivered; measured twice in one run: to one webhook
# (POST /hook, one alert per request) and to one batched sink (type elasticsearch, POST /_bulk, up to BatchSize per request).
#
#   bench/delivery.sh               # DURATION=20 WARMUP=5 CONNECTIONS=32 THREADS=1 DRAIN_TIMEOUT=300 KEEP=1
#   SINKS=webhook bench/delivery.sh # only one of the two (webhook or batched)
#   BASE=/tmp/base SINKS=webhook bench/delivery.sh  # A/B: a published base and this worktree alternately, ROUNDS=2 times each
#   SERVICE=/tmp/change ...         # use a published service instead of publishing this worktree
#
# Every request carries one distinct alert (the corpus' syscall alert with a unique container.id), so each
# accepted alert must arrive once; dedup and aggregation are off so that the count is exact.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
require
DRAIN_TIMEOUT="${DRAIN_TIMEOUT:-300}"
SINKS="${SINKS:-webhook batched}"

ROUNDS="${ROUNDS:-2}"
if [[ -n "${SERVICE:-}" ]]; then SERVICE_DIR=$SERVICE; else SERVICE_DIR="$WORK/service"; publish FalcoHook.Api "$SERVICE_DIR"; fi
publish bench/Ceiling "$WORK/ceiling"
alert_body | sed 's/"container.id":"[^"]*"/"container.id":"__SEQ__"/' >"$WORK/alert.json"
grep -q __SEQ__ "$WORK/alert.json" || { log "the corpus alert has no container.id to vary"; exit 1; }

HOOK_PORT=$(free_port 28400)
start sink "$WORK/ceiling" Ceiling.dll "$HOOK_PORT" --FloorDirectory="$WORK"
LUA=$(wrk_script "$WORK/alert.json" application/json 0 unique)
now_ms() { date +%s%3N; }

echo "$(machine)"

measure() {  # measure <label> <stats path> <destination settings...>
    local label=$1 stats_path=$2; shift 2
    stat() { curl -fs "http://127.0.0.1:$HOOK_PORT/$stats_path" | tr ' ' '\n' | awk -F= -v k="$1" '$1 == k { print $2 }'; }
    wait_for() {  # until the sink has <count> deliveries or DRAIN_TIMEOUT; returns 1 on timeout
        local deadline=$(( $(date +%s) + DRAIN_TIMEOUT ))
        while (( $(stat count) < $1 )); do
            (( $(date +%s) < deadline )) || return 1
            sleep 0.2
        done
    }
    quiet() {  # until the count has not moved for 2 s (requests in flight when wrk stopped are accepted too)
        local before deadline=$(( $(date +%s) + DRAIN_TIMEOUT ))
        while (( $(date +%s) < deadline )); do
            before=$(stat count); sleep 2
            (( $(stat count) == before )) && return
        done
    }

    local port; port=$(free_port 28500)
    rm -f "$WORK/delivery-$label.db"*
    start "service-$label" "${DIR:-$SERVICE_DIR}" FalcoHook.Api.dll "$port" \
        --FalcoHook:Storage:ConnectionString="Data Source=$WORK/delivery-$label.db" --FalcoHook:Events:File="$WORK/delivery-$label-events.db" \
        --FalcoHook:Pipeline:Dedup:Enabled=false --FalcoHook:Pipeline:Aggregate:Enabled=false \
        "$@" "${EXTRA_ARGS[@]}"
    local service_pid=$LAST_PID

    # Each round starts a new service: load it until its JIT is quiet (lib.sh's settle), then let the sink catch up.
    settle "$label" "http://127.0.0.1:$port/" "$LUA"
    quiet
    log "[$label] warm-up: ${WARMUP}s of load, then until every warm-up alert is delivered"
    local w_n w_bad base
    base=$(stat count)  # before the load: the sink may keep up and count warm-up alerts while wrk still runs
    read -r _ _ _ w_n w_bad < <(run_wrk "http://127.0.0.1:$port/" "$LUA" "$WARMUP" "$CONNECTIONS")
    wait_for $((base + w_n - w_bad)) || { log "[$label] warm-up alerts were not all delivered within ${DRAIN_TIMEOUT}s"; exit 1; }
    quiet
    base=$(stat count)

    log "[$label] measured: ${DURATION}s of load, $CONNECTIONS connections, then until the last alert is delivered"
    : >"$WORK/rss-$label.txt"
    sample_rss "$service_pid" "$WORK/rss-$label.txt" & local sampler=$!
    local start_ms end_ms rps p50 p99 n bad accepted drained=yes last_ms delivered
    start_ms=$(now_ms)
    read -r rps p50 p99 n bad < <(run_wrk "http://127.0.0.1:$port/" "$LUA" "$DURATION" "$CONNECTIONS")
    end_ms=$(now_ms)
    accepted=$((n - bad))
    wait_for $((base + accepted)) || drained=no
    [[ $drained == yes ]] && quiet
    last_ms=$(stat last_ms)
    kill "$sampler" 2>/dev/null || true; wait "$sampler" 2>/dev/null || true
    delivered=$(( $(stat count) - base ))

    awk -v label="$label" -v acc="$accepted" -v del="$delivered" -v s="$start_ms" -v e="$end_ms" -v l="$last_ms" -v rps="$rps" \
        -v p50="$p50" -v p99="$p99" -v bad="$bad" -v conns="$CONNECTIONS" -v drained="$drained" 'BEGIN {
        load = (e - s) / 1000; total = (l - s) / 1000
        printf "\n[%s] POST / -> inbox -> pipeline -> outbox -> sink (127.0.0.1), one distinct alert per request, %d connections\n", label, conns
        printf "  ingest:    %d alerts accepted in %.1f s = %.0f alerts/s (wrk %.0f req/s, p50 %s ms, p99 %s ms, non-2xx %d)\n", acc, load, acc / load, rps, p50, p99, bad
        printf "  delivered: %d (wrk counted %d answered; requests in flight at the stop are delivered too)%s\n", del, acc, drained == "yes" ? "" : "  (NOT all within DRAIN_TIMEOUT)"
        printf "  time to last delivery: %.1f s after the load started, %.1f s after it ended\n", total, (l - e) / 1000
        printf "  backlog drain after the %.0f s storm: %.1f s (target <= 5 s)\n", load, (l - e) / 1000
        printf "  end-to-end rate: %.0f alerts/s delivered (first request to last delivery)\n", del / total
        printf "  ratio delivered/ingested rate: %.0f %% (target >= 90 %%)\n", 100 * (del / total) / (acc / load)
    }'
    echo "  service RSS: max VmRSS $(max_rss_mb "$WORK/rss-$label.txt") MB, VmHWM $(hwm_mb "$service_pid") MB"
    stop "$service_pid"
}

EXTRA_ARGS=("$@")
if [[ -n "${BASE:-}" ]]; then
    # A/B in one run: the base and this build alternate on the webhook sink, ROUNDS times each.
    for ((round = 1; round <= ROUNDS; round++)); do
        DIR=$BASE measure "base-$round" stats \
            --FalcoHook:Destinations:bench:Type=webhook --FalcoHook:Destinations:bench:Url="http://127.0.0.1:$HOOK_PORT/hook"
        measure "change-$round" stats \
            --FalcoHook:Destinations:bench:Type=webhook --FalcoHook:Destinations:bench:Url="http://127.0.0.1:$HOOK_PORT/hook"
    done
    exit 0
fi
for sink in $SINKS; do
    case $sink in
        webhook) measure webhook stats \
            --FalcoHook:Destinations:bench:Type=webhook --FalcoHook:Destinations:bench:Url="http://127.0.0.1:$HOOK_PORT/hook" ;;
        batched) measure batched bulk-stats \
            --FalcoHook:Destinations:bench:Type=elasticsearch --FalcoHook:Destinations:bench:Url="http://127.0.0.1:$HOOK_PORT/" ;;
        *) log "unknown sink '$sink' (webhook or batched)"; exit 1 ;;
    esac
done
