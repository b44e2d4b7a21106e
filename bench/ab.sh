#!/usr/bin/env bash
# A/B for POST / (one alert per request): the ceiling, a baseline build and a candidate build of FalcoHook.Api,
# measured alternately in the same run (ceiling, A, B, ceiling, B, A ... ROUNDS times), so noise hits both.
#
#   BASE=/path/to/published/baseline bench/ab.sh        # candidate: this worktree, published here
#   DURATION=15 WARMUP=3 ROUNDS=2 CANDIDATE=/path/published  (optional: skip publishing the worktree)
#   PAUSE=10   each connection pauses 10 ms after each response (a paced, roughly fixed rate: compare p99)
#   BASE_ARGS="--Logging:LogLevel:FalcoHook.SecurityEvents=None" CAND_ARGS=...  extra service arguments of each side
#              (BASE=CANDIDATE=<dir> and BASE_ARGS: one build, a setting on vs off)
#
# BASE is a directory holding a published FalcoHook.Api (dotnet publish -c Release -o DIR).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
require
ROUNDS="${ROUNDS:-2}"
[[ -n "${BASE:-}" && -f "$BASE/FalcoHook.Api.dll" ]] || { log "set BASE to a published FalcoHook.Api directory"; exit 2; }
if [[ -z "${CANDIDATE:-}" ]]; then CANDIDATE="$WORK/candidate"; publish FalcoHook.Api "$CANDIDATE"; fi
publish bench/Ceiling "$WORK/ceiling"
alert_body >"$WORK/alert.json"
ARGS=(--FalcoHook:Rules:Paths:0="$CORPUS/rules/k8s_audit_rules.yaml")
CP=$(free_port 28100); start ceiling "$WORK/ceiling" Ceiling.dll "$CP" --FloorDirectory="$WORK"
AP=$(free_port 28200); start base "$BASE" FalcoHook.Api.dll "$AP" "${ARGS[@]}" --FalcoHook:Storage:ConnectionString="Data Source=$WORK/a.db" --FalcoHook:Events:File="$WORK/a-events.db" ${BASE_ARGS:-}
BP=$(free_port 28300); start cand "$CANDIDATE" FalcoHook.Api.dll "$BP" "${ARGS[@]}" --FalcoHook:Storage:ConnectionString="Data Source=$WORK/b.db" --FalcoHook:Events:File="$WORK/b-events.db" ${CAND_ARGS:-}
LUA=$(wrk_script "$WORK/alert.json" application/json "${PAUSE:-0}")
SETTLE_LUA=$(wrk_script "$WORK/alert.json" application/json)
settle ceiling "http://127.0.0.1:$CP/" "$SETTLE_LUA"; settle base "http://127.0.0.1:$AP/" "$SETTLE_LUA"; settle candidate "http://127.0.0.1:$BP/" "$SETTLE_LUA"
m() { run_wrk "$1" "$LUA" "$WARMUP" "$CONNECTIONS" >/dev/null; run_wrk "$1" "$LUA" "$DURATION" "$CONNECTIONS"; }
echo "$(machine)"
for r in $(seq 1 "$ROUNDS"); do
    read -r c _ c99 _ _ < <(m "http://127.0.0.1:$CP/")
    if (( r % 2 )); then read -r a a50 a99 _ abad < <(m "http://127.0.0.1:$AP/"); read -r b b50 b99 _ bbad < <(m "http://127.0.0.1:$BP/")
    else read -r b b50 b99 _ bbad < <(m "http://127.0.0.1:$BP/"); read -r a a50 a99 _ abad < <(m "http://127.0.0.1:$AP/"); fi
    printf 'round %d: ceiling %s | base %s req/s (%s, p50 %s p99 %s ms, non2xx %s) | cand %s req/s (%s, p50 %s p99 %s ms, non2xx %s)\n' \
        "$r" "$c" "$a" "$(ratio "$a" "$c")" "$a50" "$a99" "$abad" "$b" "$(ratio "$b" "$c")" "$b50" "$b99" "$bbad"
done
