#!/usr/bin/env bash
# Issue 20, target 4: POST /k8s-audit with a real-world mix. An audit.k8s.io/v1 EventList of EVENTS events (400) in
# which ALERTING (4, i.e. 1 %) are events of the conformance traces (which raise alerts under the upstream
# k8s_audit_rules.yaml) and the rest are routine get/list/watch requests by system accounts (controllers, kubelets,
# coredns), generated here. Measured in one run: the parse-only ceiling (bench/Ceiling POST /k8s-audit) and the
# service with the upstream rules, both as events/s, and the alerts the service raised per batch.
#
#   bench/audit-mix.sh               # DURATION=20 WARMUP=5 CONNECTIONS=4 EVENTS=400 ALERTING=4 KEEP=1
#   SERVICE=/tmp/published bench/audit-mix.sh   # a published FalcoHook.Api instead of this worktree
#   BASE=/tmp/base bench/audit-mix.sh    # A/B: the ceiling, BASE and the service measured alternately, ROUNDS (2) times
CONNECTIONS="${CONNECTIONS:-4}"
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
require
EVENTS="${EVENTS:-400}"
ALERTING="${ALERTING:-4}"
if [[ -n "${SERVICE:-}" ]]; then SERVICE_DIR=$SERVICE; else SERVICE_DIR="$WORK/service"; publish FalcoHook.Api "$SERVICE_DIR"; fi
publish bench/Ceiling "$WORK/ceiling"

# A routine request: verb, resource, namespace and user cycle through what a cluster's system accounts do all day.
routine_event() {  # routine_event <n>
    local n=$1
    local -a verbs=(get list watch get watch list get)
    local -a resources=(configmaps endpoints pods namespaces leases services endpointslices replicasets)
    local -a groups=("" "" "" "" coordination.k8s.io "" discovery.k8s.io apps)
    local -a namespaces=(kube-system kube-system default monitoring kube-node-lease kube-system default kube-system)
    local -a users=(system:serviceaccount:kube-system:coredns system:kube-controller-manager system:node:node-3
        system:serviceaccount:monitoring:prometheus system:kube-scheduler system:serviceaccount:kube-system:kube-proxy)
    local verb=${verbs[n % 7]} r=$((n % 8)) user=${users[n % 6]}
    local resource=${resources[r]} group=${groups[r]} ns=${namespaces[r]}
    local api=v1; [[ -n $group ]] && api="$group/v1"
    local uri="/api/v1/namespaces/$ns/$resource"; [[ -n $group ]] && uri="/apis/$group/v1/namespaces/$ns/$resource"
    [[ $resource == namespaces ]] && uri="/api/v1/namespaces" && ns=""
    [[ $verb == get ]] && uri="$uri/obj-$((n % 50))"
    [[ $verb == watch ]] && uri="$uri?watch=true&resourceVersion=$((100000 + n))"
    local name=""; [[ $verb == get ]] && name=",\"name\":\"obj-$((n % 50))\""
    local nsfield=""; [[ -n $ns ]] && nsfield=",\"namespace\":\"$ns\""
    printf '{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"00000000-0000-4000-8000-%012d",' "$n"
    printf '"stage":"ResponseComplete","requestURI":"%s","verb":"%s",' "$uri" "$verb"
    printf '"user":{"username":"%s","groups":["system:authenticated"]},"sourceIPs":["10.0.%d.%d"],"userAgent":"kube-controller/v1.31.0",' \
        "$user" $((n % 4)) $((n % 200 + 2))
    printf '"objectRef":{"resource":"%s"%s%s,"apiVersion":"%s"},"responseStatus":{"metadata":{},"code":200},' "$resource" "$nsfield" "$name" "$api"
    printf '"requestReceivedTimestamp":"2026-11-27T10:00:%02d.%06dZ","stageTimestamp":"2026-11-27T10:00:%02d.%06dZ"}' \
        $((n % 60)) $((n * 37 % 1000000)) $((n % 60)) $((n * 37 % 1000000 + 900))
}

mix_list() {  # EVENTS events, ALERTING of them from the traces, spread evenly
    local -a traces
    mapfile -t traces < <(cat "$CORPUS"/traces/*.json | grep -v '^[[:space:]]*$')
    local every=$(( ALERTING > 0 ? EVENTS / ALERTING : EVENTS + 1 )) i t=0
    printf '{"kind":"EventList","apiVersion":"audit.k8s.io/v1","metadata":{},"items":['
    for ((i = 0; i < EVENTS; i++)); do
        ((i > 0)) && printf ','
        if (( ALERTING > 0 && i % every == every / 2 && t < ALERTING )); then printf '%s' "${traces[t % ${#traces[@]}]}"; t=$((t + 1))
        else routine_event "$i"; fi
    done
    printf ']}'
}
log "generating the EventList ($EVENTS events, $ALERTING from the traces)..."
mix_list >"$WORK/mix.json"

CEILING_PORT=$(free_port 28100)
start ceiling "$WORK/ceiling" Ceiling.dll "$CEILING_PORT" --FloorDirectory="$WORK"
PORT=$(free_port 28200)
start service "$SERVICE_DIR" FalcoHook.Api.dll "$PORT" --FalcoHook:Rules:Paths:0="$CORPUS/rules/k8s_audit_rules.yaml" \
    --FalcoHook:Storage:ConnectionString="Data Source=$WORK/audit.db" --FalcoHook:Events:File="$WORK/audit-events.db"
SERVICE_PID=$LAST_PID

# How many alerts one batch raises: post it once and read the rules' match counter.
matches() { curl -fs "http://127.0.0.1:$PORT/metrics" | awk '/^falcohook_rules_matches_total/ { s += $NF } END { print s + 0 }'; }
before=$(matches)
curl -fs -o /dev/null -H 'Content-Type: application/json' --data-binary @"$WORK/mix.json" "http://127.0.0.1:$PORT/k8s-audit"
sleep 1
alerts=$(( $(matches) - before ))

LUA=$(wrk_script "$WORK/mix.json" application/json)
measure() {  # measure <label> <url> -> "rps p50 p99 n non2xx"
    log "  $1: ${WARMUP}s warm-up, ${DURATION}s measured, $CONNECTIONS connections"
    run_wrk "$2" "$LUA" "$WARMUP" "$CONNECTIONS" >/dev/null
    run_wrk "$2" "$LUA" "$DURATION" "$CONNECTIONS"
}
settle ceiling "http://127.0.0.1:$CEILING_PORT/k8s-audit" "$LUA"; settle service "http://127.0.0.1:$PORT/k8s-audit" "$LUA"
echo "$(machine)"
echo "EventList: $EVENTS events ($ALERTING from the conformance traces, the rest routine get/list/watch by system accounts)," \
     "$(wc -c <"$WORK/mix.json") bytes; one batch raised $alerts alerts; ${DURATION}s per measurement, $CONNECTIONS connections"
if [[ -n "${BASE:-}" ]]; then
    [[ -f "$BASE/FalcoHook.Api.dll" ]] || { log "BASE must be a published FalcoHook.Api directory"; exit 2; }
    BASE_PORT=$(free_port 28300)
    start base "$BASE" FalcoHook.Api.dll "$BASE_PORT" --FalcoHook:Rules:Paths:0="$CORPUS/rules/k8s_audit_rules.yaml" \
        --FalcoHook:Storage:ConnectionString="Data Source=$WORK/base.db" --FalcoHook:Events:File="$WORK/base-events.db"
    settle base "http://127.0.0.1:$BASE_PORT/k8s-audit" "$LUA"
    for r in $(seq 1 "${ROUNDS:-2}"); do
        read -r c _ _ _ _ < <(measure "parse-only ceiling" "http://127.0.0.1:$CEILING_PORT/k8s-audit")
        if (( r % 2 )); then read -r a a50 a99 _ abad < <(measure base "http://127.0.0.1:$BASE_PORT/k8s-audit"); read -r b b50 b99 _ bbad < <(measure candidate "http://127.0.0.1:$PORT/k8s-audit")
        else read -r b b50 b99 _ bbad < <(measure candidate "http://127.0.0.1:$PORT/k8s-audit"); read -r a a50 a99 _ abad < <(measure base "http://127.0.0.1:$BASE_PORT/k8s-audit"); fi
        awk -v r="$r" -v e="$EVENTS" -v c="$c" -v a="$a" -v b="$b" -v a99="$a99" -v b99="$b99" -v ab="$abad" -v bb="$bbad" 'BEGIN {
            printf "round %d: ceiling %.0f events/s | base %.0f events/s (%.0f %%, p99 %s ms, non-2xx %d) | candidate %.0f events/s (%.0f %%, p99 %s ms, non-2xx %d) | candidate/base %.2fx\n",
                r, c * e, a * e, (c > 0 ? 100 * a / c : 0), a99, ab, b * e, (c > 0 ? 100 * b / c : 0), b99, bb, (a > 0 ? b / a : 0) }'
    done
    exit 0
fi
read -r c_rps c_p50 c_p99 _ c_bad < <(measure "parse-only ceiling" "http://127.0.0.1:$CEILING_PORT/k8s-audit")
: >"$WORK/rss.txt"
sample_rss "$SERVICE_PID" "$WORK/rss.txt" & SAMPLER=$!
read -r s_rps s_p50 s_p99 _ s_bad < <(measure "service" "http://127.0.0.1:$PORT/k8s-audit")
kill "$SAMPLER" 2>/dev/null || true; wait "$SAMPLER" 2>/dev/null || true
awk -v e="$EVENTS" -v c="$c_rps" -v s="$s_rps" -v c50="$c_p50" -v c99="$c_p99" -v s50="$s_p50" -v s99="$s_p99" -v cb="$c_bad" -v sb="$s_bad" 'BEGIN {
    printf "  parse-only ceiling: %.0f events/s (%.1f req/s, p50 %s ms, p99 %s ms, non-2xx %d)\n", c * e, c, c50, c99, cb
    printf "  service:            %.0f events/s (%.1f req/s, p50 %s ms, p99 %s ms, non-2xx %d)\n", s * e, s, s50, s99, sb
    printf "  ratio service/ceiling: %.0f %% (target >= 40 %%)\n", (c > 0 ? 100 * s / c : 0)
}'
echo "  service RSS: max VmRSS $(max_rss_mb "$WORK/rss.txt") MB, VmHWM $(hwm_mb "$SERVICE_PID") MB"
