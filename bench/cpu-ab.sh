#!/usr/bin/env bash
# CPU per accepted alert, A/B: POST / (one alert per request) against a baseline and a candidate build of
# FalcoHook.Api, measured alternately (A, B, B, A ... ROUNDS times). For each measurement it reads the service's CPU
# time (user + system, /proc/<pid>/stat) once the service is idle before the load and again once it is idle after it
# (the drain, the security event log's writer and the history finished), and divides by the requests wrk completed.
# On a machine shared with other work, throughput swings with everyone else's load; CPU per alert moves much less,
# so a cost of a few percent can be seen here when ab.sh cannot. Each service has a history file of its own
# (FalcoHook:Events:File; by default it is events.db beside the database, which in one directory both would share).
#
#   BASE=<dir> CANDIDATE=<dir> bench/cpu-ab.sh        (CANDIDATE unset: this worktree, published)
#   BASE=CANDIDATE=<dir> BASE_ARGS=--Logging:LogLevel:FalcoHook.SecurityEvents=None bench/cpu-ab.sh
#                                                      (one build, a setting on vs off)
#   DURATION=10 WARMUP=3 ROUNDS=3 CONNECTIONS=32
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
require
ROUNDS="${ROUNDS:-3}"
[[ -n "${BASE:-}" && -f "$BASE/FalcoHook.Api.dll" ]] || { log "set BASE to a published FalcoHook.Api directory"; exit 2; }
if [[ -z "${CANDIDATE:-}" ]]; then CANDIDATE="$WORK/candidate"; publish FalcoHook.Api "$CANDIDATE"; fi
alert_body >"$WORK/alert.json"
ARGS=(--FalcoHook:Rules:Paths:0="$CORPUS/rules/k8s_audit_rules.yaml")
AP=$(free_port 28400); start base "$BASE" FalcoHook.Api.dll "$AP" "${ARGS[@]}" --FalcoHook:Storage:ConnectionString="Data Source=$WORK/a.db" \
    --FalcoHook:Events:File="$WORK/a-events.db" ${BASE_ARGS:-}
APID=$LAST_PID
BP=$(free_port 28500); start cand "$CANDIDATE" FalcoHook.Api.dll "$BP" "${ARGS[@]}" --FalcoHook:Storage:ConnectionString="Data Source=$WORK/b.db" \
    --FalcoHook:Events:File="$WORK/b-events.db" ${CAND_ARGS:-}
BPID=$LAST_PID
LUA=$(wrk_script "$WORK/alert.json" application/json 0)
TICK=$(getconf CLK_TCK)

ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
settle() {  # until the process used at most 2 ticks in half a second (at most 60 s)
    local a b i
    a=$(ticks "$1")
    for i in $(seq 1 120); do
        sleep 0.5; b=$(ticks "$1")
        (( b - a <= 2 )) && return
        a=$b
    done
    log "pid $1 did not settle within 60 s"
}
measure() {  # measure <pid> <port> -> "rps requests non2xx cpu_ms_per_1000_alerts"
    local t0 t1 rps n bad
    run_wrk "http://127.0.0.1:$2/" "$LUA" "$WARMUP" "$CONNECTIONS" >/dev/null
    settle "$1"; t0=$(ticks "$1")
    read -r rps _ _ n bad < <(run_wrk "http://127.0.0.1:$2/" "$LUA" "$DURATION" "$CONNECTIONS")
    settle "$1"; t1=$(ticks "$1")
    echo "$rps $n $bad $(awk -v d=$((t1 - t0)) -v t="$TICK" -v n="$n" 'BEGIN { printf "%.1f", (n > 0) ? 1000 * 1000 * d / t / n : 0 }')"
}
echo "$(machine), load $(cut -d' ' -f1-3 /proc/loadavg)"
for r in $(seq 1 "$ROUNDS"); do
    if (( r % 2 )); then read -r a an abad acpu < <(measure "$APID" "$AP"); read -r b bn bbad bcpu < <(measure "$BPID" "$BP")
    else read -r b bn bbad bcpu < <(measure "$BPID" "$BP"); read -r a an abad acpu < <(measure "$APID" "$AP"); fi
    printf 'round %d: base %s req/s, %s ms CPU per 1000 alerts (%s requests, non2xx %s) | cand %s req/s, %s ms CPU per 1000 alerts (%s requests, non2xx %s) | cand/base CPU %s\n' \
        "$r" "$a" "$acpu" "$an" "$abad" "$b" "$bcpu" "$bn" "$bbad" "$(ratio "$bcpu" "$acpu")"
done
