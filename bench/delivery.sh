#!/usr/bin/env bash
# Issue 9: alerts/s from ingest (POST /, durable inbox) through the pipeline and the durable outbox to a local
# fake webhook (bench/Ceiling's POST /hook), and the time until the last alert is delivered.
#
#   bench/delivery.sh               # DURATION=20 WARMUP=5 CONNECTIONS=32 THREADS=1 DRAIN_TIMEOUT=300 KEEP=1
#
# Every request carries one distinct alert (the corpus' syscall alert with a unique container.id), so each
# accepted alert must arrive once; dedup and aggregation are off so that the count is exact.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
require
DRAIN_TIMEOUT="${DRAIN_TIMEOUT:-300}"

publish FalcoHook.Api "$WORK/service"
publish bench/Ceiling "$WORK/ceiling"
alert_body | sed 's/"container.id":"[^"]*"/"container.id":"__SEQ__"/' >"$WORK/alert.json"
grep -q __SEQ__ "$WORK/alert.json" || { log "the corpus alert has no container.id to vary"; exit 1; }

HOOK_PORT=$(free_port 28400)
start webhook "$WORK/ceiling" Ceiling.dll "$HOOK_PORT" --FloorDirectory="$WORK"
PORT=$(free_port 28500)
start service "$WORK/service" FalcoHook.Api.dll "$PORT" \
    --FalcoHook:Storage:ConnectionString="Data Source=$WORK/delivery.db" \
    --FalcoHook:Destinations:bench:Type=webhook \
    --FalcoHook:Destinations:bench:Url="http://127.0.0.1:$HOOK_PORT/hook" \
    --FalcoHook:Pipeline:Dedup:Enabled=false --FalcoHook:Pipeline:Aggregate:Enabled=false \
    "$@"
SERVICE_PID=$LAST_PID
LUA=$(wrk_script "$WORK/alert.json" application/json 0 unique)

stat() { curl -fs "http://127.0.0.1:$HOOK_PORT/stats" | tr ' ' '\n' | awk -F= -v k="$1" '$1 == k { print $2 }'; }
now_ms() { date +%s%3N; }
wait_for() {  # wait_for <count>: until the webhook has <count> deliveries or DRAIN_TIMEOUT; returns 1 on timeout
    local deadline=$(( $(date +%s) + DRAIN_TIMEOUT ))
    while (( $(stat count) < $1 )); do
        (( $(date +%s) < deadline )) || return 1
        sleep 0.2
    done
}

settle() {  # until the count has not moved for 2 s (requests in flight when wrk stopped are accepted too)
    local before deadline=$(( $(date +%s) + DRAIN_TIMEOUT ))
    while (( $(date +%s) < deadline )); do
        before=$(stat count); sleep 2
        (( $(stat count) == before )) && return
    done
}

echo "$(machine)"
log "warm-up: ${WARMUP}s of load, then until every warm-up alert is delivered"
read -r _ _ _ w_n w_bad < <(run_wrk "http://127.0.0.1:$PORT/" "$LUA" "$WARMUP" "$CONNECTIONS")
wait_for $((w_n - w_bad)) || { log "warm-up alerts were not all delivered within ${DRAIN_TIMEOUT}s"; exit 1; }
settle
base=$(stat count)

log "measured: ${DURATION}s of load, $CONNECTIONS connections, then until the last alert is delivered"
: >"$WORK/rss.txt"
sample_rss "$SERVICE_PID" "$WORK/rss.txt" & SAMPLER=$!
start_ms=$(now_ms)
read -r rps p50 p99 n bad < <(run_wrk "http://127.0.0.1:$PORT/" "$LUA" "$DURATION" "$CONNECTIONS")
end_ms=$(now_ms)
accepted=$((n - bad))
drained=yes
wait_for $((base + accepted)) || drained=no
[[ $drained == yes ]] && settle
last_ms=$(stat last_ms)
kill "$SAMPLER" 2>/dev/null || true; wait "$SAMPLER" 2>/dev/null || true
delivered=$(( $(stat count) - base ))

awk -v acc="$accepted" -v del="$delivered" -v s="$start_ms" -v e="$end_ms" -v l="$last_ms" -v rps="$rps" \
    -v p50="$p50" -v p99="$p99" -v bad="$bad" -v conns="$CONNECTIONS" -v drained="$drained" 'BEGIN {
    load = (e - s) / 1000; total = (l - s) / 1000
    printf "\nPOST / -> inbox -> pipeline -> outbox -> webhook (127.0.0.1), one distinct alert per request, %d connections\n", conns
    printf "  ingest:    %d alerts accepted in %.1f s = %.0f alerts/s (wrk %.0f req/s, p50 %s ms, p99 %s ms, non-2xx %d)\n", acc, load, acc / load, rps, p50, p99, bad
    printf "  delivered: %d (wrk counted %d answered; requests in flight at the stop are delivered too)%s\n", del, acc, drained == "yes" ? "" : "  (NOT all within DRAIN_TIMEOUT)"
    printf "  time to last delivery: %.1f s after the load started, %.1f s after it ended\n", total, (l - e) / 1000
    printf "  end-to-end rate: %.0f alerts/s delivered (first request to last delivery)\n", del / total
    printf "  ratio delivered/ingested rate: %.0f %%\n", 100 * (del / total) / (acc / load)
}'
echo "  service RSS: max VmRSS $(max_rss_mb "$WORK/rss.txt") MB, VmHWM $(hwm_mb "$SERVICE_PID") MB"
