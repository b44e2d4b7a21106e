#!/usr/bin/env bash
# Issue 9: FalcoHook's durable Falco alert ingest (POST /) and audit ingest (POST /k8s-audit) against a bare
# ASP.NET Core endpoint that only parses the JSON body and answers 200 (bench/Ceiling), both Release, both
# loaded with wrk on 127.0.0.1 in the same run. Prints requests/s, p50/p99 and service/ceiling ratios.
#
#   bench/ingest.sh                 # DURATION=20 WARMUP=5 CONNECTIONS=32 THREADS=1 KEEP=1 to keep the work dir
#   ROUNDS=2   the durable floor and both services are measured in this many rounds (order reversed every other round),
#              each service once its alert history has caught up; the ratios are of the rounds' means
#   OVERLOAD_CONNECTIONS=128 OVERLOAD_CAPACITY=256   the overload phase (issue 20, target 5): a service whose inbox
#   holds OVERLOAD_CAPACITY alerts and refuses at once when full, driven by that many connections for rounds
#   of DURATION (OVERLOAD_ROUNDS=3); prints the 503s (and how many carried Retry-After), the offered rate against the sustainable one,
#   and VmRSS before, at its peak, and after each round (bounded: no growth with the number of refusals).
#   SKIP_OVERLOAD=1 / SKIP_AUDIT=1 leave those phases out; SERVICE=<dir> takes a published FalcoHook.Api;
#   OVERLOAD_ARGS=... extra arguments of the overload service (e.g. --Logging:LogLevel:FalcoHook.SecurityEvents=None).
#
# Needs the README's prerequisite (.NET 10 SDK), wrk (apt-get install -y wrk; installed when run as root)
# and the conformance corpus at ../shared/conformance (or FALCOHOOK_CONFORMANCE).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
require
AUDIT_EVENTS=400
ROUNDS="${ROUNDS:-2}"

if [[ -n "${SERVICE:-}" ]]; then ln -s "$(cd "$SERVICE" && pwd)" "$WORK/service"; else publish FalcoHook.Api "$WORK/service"; fi
publish bench/Ceiling "$WORK/ceiling"
alert_body >"$WORK/alert.json"
event_list "$AUDIT_EVENTS" >"$WORK/events.json"
[[ -s "$WORK/alert.json" ]] || { log "no syscall alert with output_fields in $CORPUS/alerts"; exit 1; }

SERVICE_ARGS=(--FalcoHook:Rules:Paths:0="$CORPUS/rules/k8s_audit_rules.yaml")
CEILING_PORT=$(free_port 28100)
start ceiling "$WORK/ceiling" Ceiling.dll "$CEILING_PORT" --FloorDirectory="$WORK"
CEILING_PID=$LAST_PID
PORT=$(free_port 28200)
start service "$WORK/service" FalcoHook.Api.dll "$PORT" "${SERVICE_ARGS[@]}" \
    --FalcoHook:Storage:ConnectionString="Data Source=$WORK/default.db" --FalcoHook:Events:File="$WORK/default-events.db"
SERVICE_PID=$LAST_PID
# The same service with logging turned down, security event log included, to show what logging costs.
QUIET_PORT=$(free_port 28300)
start service-quiet "$WORK/service" FalcoHook.Api.dll "$QUIET_PORT" "${SERVICE_ARGS[@]}" \
    --FalcoHook:Storage:ConnectionString="Data Source=$WORK/quiet.db" --FalcoHook:Events:File="$WORK/quiet-events.db" \
    --Logging:LogLevel:Default=Warning --Logging:LogLevel:FalcoHook.SecurityEvents=None
QUIET_PID=$LAST_PID

ALERT_LUA=$(wrk_script "$WORK/alert.json" application/json)
AUDIT_LUA=$(wrk_script "$WORK/events.json" application/json)
settle ceiling "http://127.0.0.1:$CEILING_PORT/" "$ALERT_LUA"; settle "durable floor" "http://127.0.0.1:$CEILING_PORT/durable" "$ALERT_LUA"
settle service "http://127.0.0.1:$PORT/" "$ALERT_LUA"; settle service-quiet "http://127.0.0.1:$QUIET_PORT/" "$ALERT_LUA"

measure() {  # measure <label> <url> <script> <connections> -> "rps p50 p99 n non2xx"
    log "  $1: ${WARMUP}s warm-up, ${DURATION}s measured, $4 connections"
    run_wrk "$2" "$3" "$WARMUP" "$4" >/dev/null
    run_wrk "$2" "$3" "$DURATION" "$4"
}

echo "$(machine)"
alert_bytes=$(wc -c <"$WORK/alert.json")
echo "alert: $alert_bytes bytes (the syscall alert of the corpus, with output_fields)," \
     "audit batch: $AUDIT_EVENTS events, $(wc -c <"$WORK/events.json") bytes; ${DURATION}s per measurement"

log "POST / (one Falco alert per request)"
read -r c_rps c_p50 c_p99 c_n c_bad < <(measure "ceiling" "http://127.0.0.1:$CEILING_PORT/" "$ALERT_LUA" "$CONNECTIONS")
# The floor and both services in ROUNDS rounds, their order reversed every other round, so drift hits each alike; the
# figures below are the rounds' means. Each service is measured once its history has caught up (history_caught_up in
# lib.sh): what follows is ingest, not the history's pace, and each round says how far behind the history was after.
: >"$WORK/rss.txt"; : >"$WORK/rounds.txt"; ROUNDS_OUT=()
measure_floor() { read -r f_rps f_p50 f_p99 f_n f_bad < <(measure "durable floor" "http://127.0.0.1:$CEILING_PORT/durable" "$ALERT_LUA" "$CONNECTIONS"); }
measure_quiet() {
    q_wait=$(history_caught_up "http://127.0.0.1:$QUIET_PORT")
    read -r q_rps q_p50 q_p99 q_n q_bad < <(measure "service (logging at Warning, no security event log)" "http://127.0.0.1:$QUIET_PORT/" "$ALERT_LUA" "$CONNECTIONS")
}
for r in $(seq 1 "$ROUNDS"); do
    if (( r % 2 )); then measure_floor; else measure_quiet; fi
    s_wait=$(history_caught_up "http://127.0.0.1:$PORT")
    sample_rss "$SERVICE_PID" "$WORK/rss.txt" & SAMPLER=$!
    read -r s_rps s_p50 s_p99 s_n s_bad < <(measure "service (default logging)" "http://127.0.0.1:$PORT/" "$ALERT_LUA" "$CONNECTIONS")
    kill "$SAMPLER" 2>/dev/null || true; wait "$SAMPLER" 2>/dev/null || true
    s_behind=$(history_behind "http://127.0.0.1:$PORT")
    if (( r % 2 )); then measure_quiet; else measure_floor; fi
    echo "$f_rps $f_p50 $f_p99 $f_bad $s_rps $s_p50 $s_p99 $s_bad $q_rps $q_p50 $q_p99 $q_bad" >>"$WORK/rounds.txt"
    ROUNDS_OUT+=("$(printf 'round %s: floor %s, service %s (%s of the floor; its history %s before, %s events behind after), quiet service %s (its history %s before; default logging at %s of it)' \
        "$r" "$f_rps" "$s_rps" "$(ratio "$s_rps" "$f_rps")" "$s_wait" "${s_behind:--}" "$q_rps" "$q_wait" "$(ratio "$s_rps" "$q_rps")")")
done
read -r f_rps f_p50 f_p99 f_bad s_rps s_p50 s_p99 s_bad q_rps q_p50 q_p99 q_bad < <(awk '
    { for (i = 1; i <= NF; i++) sum[i] += $i; n++ }
    END { for (i = 1; i <= 12; i++) printf "%s%.*f", (i > 1 ? " " : ""), (i % 4 == 0 ? 0 : (i % 4 == 1 ? 1 : 3)), sum[i] / n; print "" }' "$WORK/rounds.txt")
rss_max=$(max_rss_mb "$WORK/rss.txt"); rss_hwm=$(hwm_mb "$SERVICE_PID")

# Half the service's rate: wrk (Debian) has no -R, so each connection pauses PAUSE ms after each response;
# rate ~= connections x 1000 / (PAUSE + latency). The achieved rate is printed, not assumed.
PAUSE=10
half=$(awk -v r="$s_rps" 'BEGIN { printf "%d", r / 2 }')
half_conns=$(awk -v r="$half" -v p="$PAUSE" -v l="$s_p50" 'BEGIN { c = int(r * (p + (l < 1 ? 1 : l) / 2) / 1000 + 0.5); print (c < 1 ? 1 : c) }')
PACED_LUA=$(wrk_script "$WORK/alert.json" application/json "$PAUSE")
h_wait=$(history_caught_up "http://127.0.0.1:$PORT")
read -r h_rps h_p50 h_p99 h_n h_bad < <(measure "service at ~half rate (target $half req/s)" "http://127.0.0.1:$PORT/" "$PACED_LUA" "$half_conns")
# The same pacing against the ceiling and the durable floor: the latency this machine gives at that rate without FalcoHook.
read -r hc_rps hc_p50 hc_p99 hc_n hc_bad < <(measure "ceiling, same pacing" "http://127.0.0.1:$CEILING_PORT/" "$PACED_LUA" "$half_conns")
read -r hf_rps hf_p50 hf_p99 hf_n hf_bad < <(measure "durable floor, same pacing" "http://127.0.0.1:$CEILING_PORT/durable" "$PACED_LUA" "$half_conns")

echo
echo "POST /  one real Falco alert per request, $CONNECTIONS connections; floor and services: the mean of $ROUNDS rounds"
printf '  %s\n' "${ROUNDS_OUT[@]}"
printf '  %-46s %10s req/s   p50 %8s ms   p99 %8s ms   non-2xx %s\n' \
    "ceiling (parse JSON, 200)" "$c_rps" "$c_p50" "$c_p99" "$c_bad" \
    "durable floor (ceiling + SQLite group commit)" "$f_rps" "$f_p50" "$f_p99" "$f_bad" \
    "service, durable, default logging" "$s_rps" "$s_p50" "$s_p99" "$s_bad" \
    "service, durable, logging Warning/no secevt" "$q_rps" "$q_p50" "$q_p99" "$q_bad"
printf '  %-46s %10s req/s   p50 %8s ms   p99 %8s ms   non-2xx %s   (%s connections, %s ms pause)\n' \
    "service at ~half rate (its history ${h_wait} before)" "$h_rps" "$h_p50" "$h_p99" "$h_bad" "$half_conns" "$PAUSE" \
    "ceiling, same pacing" "$hc_rps" "$hc_p50" "$hc_p99" "$hc_bad" "$half_conns" "$PAUSE" \
    "durable floor, same pacing" "$hf_rps" "$hf_p50" "$hf_p99" "$hf_bad" "$half_conns" "$PAUSE"
echo "  ratio service/ceiling (default logging): $(ratio "$s_rps" "$c_rps")"
echo "  ratio service/ceiling (quiet logging):   $(ratio "$q_rps" "$c_rps")"
echo "  ratio durable floor/ceiling:             $(ratio "$f_rps" "$c_rps")   (what durability alone costs)"
echo "  ratio service/durable floor:             $(ratio "$s_rps" "$f_rps")   [target >= 85 %]"
echo "  logging cost: default logging runs at $(ratio "$s_rps" "$q_rps") of the quiet service's req/s   [target >= 95 %]"
echo "  p99 at ~half rate ($h_rps req/s): $h_p99 ms (same pacing: ceiling $hc_p99 ms, durable floor $hf_p99 ms)"
echo "  ratio p99 service/durable floor at ~half rate: $(awk -v a="$h_p99" -v b="$hf_p99" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }')   [target <= 1.5]"
echo "  service RSS during load: max VmRSS ${rss_max} MB, VmHWM ${rss_hwm} MB   [target < 300 MB]"

if [[ -z "${SKIP_OVERLOAD:-}" ]]; then
    # Overload: a service whose inbox holds OVERLOAD_CAPACITY alerts and does not wait for room (QueueFullWait 0), so
    # what it cannot take is answered 503 + Retry-After at once; driven by many more connections than the measurement.
    stop "$QUIET_PID"  # the two-core machine: no idle service beside the loaded one
    OVERLOAD_CONNECTIONS="${OVERLOAD_CONNECTIONS:-$((4 * CONNECTIONS))}"
    OVERLOAD_PORT=$(free_port 28400)
    start service-overload "$WORK/service" FalcoHook.Api.dll "$OVERLOAD_PORT" "${SERVICE_ARGS[@]}" \
        --FalcoHook:Storage:ConnectionString="Data Source=$WORK/overload.db" --FalcoHook:Events:File="$WORK/overload-events.db" \
        --FalcoHook:Ingest:QueueCapacity="${OVERLOAD_CAPACITY:-256}" --FalcoHook:Ingest:QueueFullWait=00:00:00 ${OVERLOAD_ARGS:-}
    OVERLOAD_PID=$LAST_PID
    OVERLOAD_LUA="$WORK/overload.lua"
    cat >"$OVERLOAD_LUA" <<LUA
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args)
    local f = assert(io.open("$WORK/alert.json", "rb")); wrk.body = f:read("*a"); f:close()
    wrk.method = "POST"; wrk.headers["Content-Type"] = "application/json"
    refused = 0; retry_after = 0; ok = 0
end
function response(status, headers, body)
    if status == 503 then
        refused = refused + 1
        if headers["Retry-After"] then retry_after = retry_after + 1 end
    elseif status >= 200 and status < 300 then ok = ok + 1 end
end
function done(summary, latency, requests)
    local r, a, o = 0, 0, 0
    for _, t in ipairs(threads) do r = r + t:get("refused"); a = a + t:get("retry_after"); o = o + t:get("ok") end
    io.write(string.format("OVERLOAD %d %d %d\\n", o, r, a))
end
LUA
    overload_round() {  # overload_round <n> -> "rps p50 p99 ok refused retry_after"
        local out="$WORK/wrk-overload-$1.txt"
        wrk -t"$THREADS" -c"$OVERLOAD_CONNECTIONS" -d"${DURATION}s" --timeout 10s --latency -s "$OVERLOAD_LUA" \
            "http://127.0.0.1:$OVERLOAD_PORT/" >"$out" 2>&1 || { cat "$out" >&2; exit 1; }
        awk 'function ms(v) { if (v ~ /us$/) return v/1000; if (v ~ /ms$/) return v+0; if (v ~ /s$/) return v*1000; return v }
            /^ +50%/ { p50 = ms($2) }  /^ +99%/ { p99 = ms($2) }  /^Requests\/sec/ { rps = $2 }
            /^OVERLOAD/ { ok = $2; bad = $3; ra = $4 }
            END { printf "%.1f %.3f %.3f %d %d %d\n", rps, p50, p99, ok, bad, ra }' "$out"
    }
    rss_now() { awk '/VmRSS/ {printf "%.0f", $2/1024}' "/proc/$OVERLOAD_PID/status"; }
    log "overload: $OVERLOAD_CONNECTIONS connections, inbox capacity ${OVERLOAD_CAPACITY:-256}, ${OVERLOAD_ROUNDS:-3} rounds of ${DURATION}s"
    run_wrk "http://127.0.0.1:$OVERLOAD_PORT/" "$ALERT_LUA" "$WARMUP" "$CONNECTIONS" >/dev/null
    sleep 2
    o_before=$(rss_now)
    : >"$WORK/rss-overload.txt"
    sample_rss "$OVERLOAD_PID" "$WORK/rss-overload.txt" & SAMPLER=$!
    echo
    echo "Overload: POST / with $OVERLOAD_CONNECTIONS connections against an inbox of ${OVERLOAD_CAPACITY:-256} alerts (QueueFullWait 0), ${OVERLOAD_ROUNDS:-3} rounds of ${DURATION}s"
    refused_total=0; rss_after=()
    for r in $(seq 1 "${OVERLOAD_ROUNDS:-3}"); do
        read -r rps p50 p99 ok bad ra < <(overload_round "$r")
        sleep 2
        refused_total=$((refused_total + bad)); rss_after+=("$(rss_now) MB after $refused_total refused")
        printf '  round %s: %s req/s offered and answered (%s the sustainable %s req/s), %s accepted, %s answered 503 (%s with Retry-After), p50 %s ms, p99 %s ms\n' \
            "$r" "$rps" "$(awk -v a="$rps" -v b="$s_rps" 'BEGIN { if (b > 0) printf "%.1fx", a / b; else print "n/a" }')" "$s_rps" "$ok" "$bad" "$ra" "$p50" "$p99"
    done
    kill "$SAMPLER" 2>/dev/null || true; wait "$SAMPLER" 2>/dev/null || true
    echo "  service VmRSS: before ${o_before} MB, max during $(max_rss_mb "$WORK/rss-overload.txt") MB, VmHWM $(hwm_mb "$OVERLOAD_PID") MB   [target < 300 MB]"
    echo "  service VmRSS after each round: $(IFS=';'; echo "${rss_after[*]}" | sed 's/;/, /g')   [target: no growth with the refusals]"
fi

if [[ -n "${SKIP_AUDIT:-}" ]]; then exit 0; fi
log "POST /k8s-audit ($AUDIT_EVENTS-event EventList per request)"
batch_answer=$(curl -fs -H 'Content-Type: application/json' --data-binary "@$WORK/events.json" "http://127.0.0.1:$PORT/k8s-audit")
read -r ac_rps ac_p50 ac_p99 ac_n ac_bad < <(measure "ceiling" "http://127.0.0.1:$CEILING_PORT/k8s-audit" "$AUDIT_LUA" 4)
: >"$WORK/rss-audit.txt"
sample_rss "$SERVICE_PID" "$WORK/rss-audit.txt" & SAMPLER=$!
read -r as_rps as_p50 as_p99 as_n as_bad < <(measure "service" "http://127.0.0.1:$PORT/k8s-audit" "$AUDIT_LUA" 4)
kill "$SAMPLER" 2>/dev/null || true; wait "$SAMPLER" 2>/dev/null || true
events() { awk -v r="$1" -v n="$AUDIT_EVENTS" 'BEGIN { printf "%.0f", r * n }'; }

echo
echo "POST /k8s-audit  $AUDIT_EVENTS-event EventList per request (conformance trace events), 4 connections, upstream k8s_audit_rules.yaml"
printf '  %-44s %10s events/s (%s req/s)   p50 %8s ms   p99 %8s ms   non-2xx %s\n' \
    "ceiling (parse JSON, 200)" "$(events "$ac_rps")" "$ac_rps" "$ac_p50" "$ac_p99" "$ac_bad" \
    "service (parse, evaluate, durable alerts)" "$(events "$as_rps")" "$as_rps" "$as_p50" "$as_p99" "$as_bad"
echo "  ratio service/ceiling: $(ratio "$as_rps" "$ac_rps")"
echo "  one batch answers $batch_answer (every alert a batch raises is written to the durable inbox before the 200)"
echo "  service RSS during audit load: max VmRSS $(max_rss_mb "$WORK/rss-audit.txt") MB, VmHWM $(hwm_mb "$SERVICE_PID") MB"
