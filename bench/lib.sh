# Shared by bench/ingest.sh and bench/delivery.sh (sourced, not run). Load goes to 127.0.0.1 only.
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CORPUS="${FALCOHOOK_CONFORMANCE:-$REPO/../shared/conformance}"
DURATION="${DURATION:-20}"          # seconds per measurement
WARMUP="${WARMUP:-5}"               # seconds of load before each measured target
SETTLE_MAX="${SETTLE_MAX:-90}"      # settle: at most this many seconds of load until a service's JIT is quiet
CONNECTIONS="${CONNECTIONS:-32}"    # wrk connections at full load
THREADS="${THREADS:-1}"             # wrk threads (2 shared cores: wrk gets one)
WORK="$(mktemp -d "${TMPDIR:-/tmp}/falcohook-bench.XXXXXX")"
PIDS=()

log() { printf '%s\n' "$*" >&2; }

cleanup() {
    local pid
    for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
    if [[ -z "${KEEP:-}" ]]; then rm -rf "$WORK"; else log "kept $WORK"; fi
}
trap cleanup EXIT

require() {
    command -v dotnet >/dev/null || { log "dotnet not found: install the .NET 10 SDK (see README.md)."; exit 2; }
    command -v curl >/dev/null || { log "curl not found: apt-get install -y curl"; exit 2; }
    if ! command -v wrk >/dev/null; then
        if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null; then
            log "wrk not found; installing the Debian package (apt-get install -y wrk)..."
            apt-get update -qq >/dev/null && apt-get install -y -qq wrk >/dev/null
        else
            log "wrk not found: sudo apt-get install -y wrk"; exit 2
        fi
    fi
    if [[ ! -d "$CORPUS" ]]; then
        log "The conformance corpus was not found at $CORPUS (expected ../shared/conformance beside the repository;"
        log "set FALCOHOOK_CONFORMANCE to its path). The benchmarks load its real alerts, audit traces and rules."
        exit 2
    fi
}

machine() {
    local cpu
    cpu=$(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)
    echo "machine: ${cpu:-unknown cpu}, $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -sr), .NET $(dotnet --version), $(wrk -v 2>&1 | head -1 | awk '{print $1, $2}'), $(date -u +%Y-%m-%dT%H:%MZ)"
}

publish() {  # publish <project> <dir>
    log "publishing $1 (Release)..."
    dotnet publish "$REPO/$1" -c Release -o "$2" -nologo -v quiet >"$WORK/publish-$(basename "$2").log" 2>&1 \
        || { cat "$WORK/publish-$(basename "$2").log" >&2; exit 1; }
}

free_port() {  # a port nobody listens on, from a range unlikely to collide
    local port
    for port in $(seq "$1" $(($1 + 50))); do
        if ! (echo >"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then echo "$port"; return; fi
    done
    log "no free port near $1"; exit 1
}

start() {  # start <name> <dir> <dll> <port> [args...]; sets LAST_PID
    local name=$1 dir=$2 dll=$3 port=$4; shift 4
    (cd "$dir" && exec dotnet "$dll" --urls "http://127.0.0.1:$port" "$@") >"$WORK/$name.log" 2>&1 &
    LAST_PID=$!
    PIDS+=("$LAST_PID")
    local i
    for i in $(seq 1 120); do
        if curl -fs -o /dev/null "http://127.0.0.1:$port/ping"; then return; fi
        if ! kill -0 "$LAST_PID" 2>/dev/null; then log "$name exited:"; tail -30 "$WORK/$name.log" >&2; exit 1; fi
        sleep 0.5
    done
    log "$name did not answer /ping on port $port within 60 s"; tail -30 "$WORK/$name.log" >&2; exit 1
}

stop() {  # stop <pid>
    kill "$1" 2>/dev/null || true
    wait "$1" 2>/dev/null || true
}

# A wrk script that POSTs the file $1 with content type $2. $3: pause in ms after each response per
# connection (0: none; wrk in Debian has no -R, so a fixed rate is approximated by connections x pause).
# $4 = unique: every request replaces __SEQ__ in the body with <thread>-<counter>.
wrk_script() {
    local out="$WORK/post-$RANDOM.lua"
    cat >"$out" <<LUA
local body
local n = 0
local tid = 0
local threads = 0
function setup(thread) threads = threads + 1; thread:set("tid", threads) end
function init(args)
    local f = assert(io.open("$1", "rb")); body = f:read("*a"); f:close()
    wrk.method = "POST"
    wrk.body = body
    wrk.headers["Content-Type"] = "$2"
end
LUA
    if [[ "${3:-0}" != 0 ]]; then echo "function delay() return $3 end" >>"$out"; fi
    if [[ "${4:-}" == unique ]]; then
        cat >>"$out" <<'LUA'
function request()
    n = n + 1
    return wrk.format(nil, nil, nil, (body:gsub("__SEQ__", tostring(tid) .. "-" .. tostring(n))))
end
LUA
    fi
    echo "$out"
}

# run_wrk <url> <script> <seconds> <connections> -> prints "rps p50_ms p99_ms requests non2xx"
run_wrk() {
    local out="$WORK/wrk-$RANDOM.txt"
    wrk -t"$THREADS" -c"$4" -d"${3}s" --timeout 10s --latency -s "$2" "$1" >"$out" 2>&1 || { cat "$out" >&2; exit 1; }
    awk '
        function ms(v) { if (v ~ /us$/) return v/1000; if (v ~ /ms$/) return v+0; if (v ~ /s$/) return v*1000; return v }
        /^ +50%/ { p50 = ms($2) }  /^ +99%/ { p99 = ms($2) }
        /requests in/ { n = $1 }  /Non-2xx/ { bad = $NF }
        /^Requests\/sec/ { rps = $2 }
        END { printf "%.1f %.3f %.3f %d %d\n", rps, p50, p99, n, bad + 0 }' "$out"
    cp "$out" "$WORK/last-wrk.txt"
}

# settle <label> <url> <script> [connections]: loads a freshly started service in 5 s rounds until .NET's tiered
# compilation is done with what the load runs (the JIT's time grew by under 50 ms in a round, read from the service's
# /metrics), for at most SETTLE_MAX seconds; a server without that metric (bench/Ceiling) gets 15 s. A 5 s warm-up
# is not enough for the service: 6–18 s after its start a quarter of its CPU samples were the JIT's (perf, 2026-12-02),
# against none 40 s in, so without settling every figure measured the JIT too, and more of it for the service, with
# far more code to compile, than for the ceiling and the floor.
settle() {
    local label=$1 url=$2 script=$3 connections=${4:-$CONNECTIONS} waited=0 before after
    local metrics; metrics="$(sed -E 's#^(https?://[^/]+).*#\1#' <<<"$url")/metrics"
    jit() { { curl -fs "$metrics" 2>/dev/null || true; } | awk '/^dotnet_jit_compilation_time_seconds_total/ { print $NF; exit }'; }
    before=$(jit)
    if [[ -z "$before" ]]; then
        run_wrk "$url" "$script" 15 "$connections" >/dev/null
        log "  settle $label: 15s of load (no JIT metric at $metrics)"; return
    fi
    while (( waited < SETTLE_MAX )); do
        run_wrk "$url" "$script" 5 "$connections" >/dev/null
        waited=$((waited + 5)); after=$(jit)
        if awk -v a="$after" -v b="$before" 'BEGIN { exit !(a - b < 0.05) }'; then break; fi
        before=$after
    done
    log "  settle $label: ${waited}s of load until its JIT was quiet ($(awk -v a="$after" 'BEGIN { printf "%.1f", a }') s compiling in all)"
}

# The alert history's writer process lags behind a load at the peak by design (it takes only idle CPU), and once its
# spool holds FalcoHook:Events:MaxSpoolBytes the drain waits for it, so ingest runs at the history's pace. A measurement
# should say which of the two it saw: history_behind prints the events spooled and not stored yet (falcohook.events.behind;
# empty without the metric); history_caught_up waits for 0, at most HISTORY_WAIT seconds (180), and says how it went.
history_behind() {  # history_behind <base url>
    { curl -fs "$1/metrics" 2>/dev/null || true; } | awk '/^falcohook_events_behind/ { print $NF; exit }'
}
history_caught_up() {  # history_caught_up <base url> -> "caught up after N s", "still N behind after M s" or "no history metric"
    local waited=0 behind
    behind=$(history_behind "$1")
    [[ -z "$behind" ]] && { echo "no history metric"; return; }
    while [[ "$behind" != 0 ]] && (( waited < ${HISTORY_WAIT:-180} )); do
        sleep 1; waited=$((waited + 1)); behind=$(history_behind "$1")
    done
    if [[ "$behind" == 0 ]]; then echo "caught up after $waited s"; else echo "still $behind behind after $waited s"; fi
}

# Samples VmRSS of $1 every second into $2 until killed.
sample_rss() {
    while kill -0 "$1" 2>/dev/null; do
        awk '/VmRSS/ {print $2}' "/proc/$1/status" 2>/dev/null >>"$2" || true
        sleep 1
    done
}
max_rss_mb() { sort -n "$1" | tail -1 | awk '{printf "%.0f", $1/1024}'; }
hwm_mb() { awk '/VmHWM/ {printf "%.0f", $2/1024}' "/proc/$1/status"; }

# One alert of the corpus as http_output posts it: the syscall alert from the Falco website (with output_fields).
alert_body() {
    grep -h '"source":"syscall"' "$CORPUS"/alerts/*.jsonl | grep '"output_fields"' | head -1
}

# An audit.k8s.io/v1 EventList of $1 events, cycling through the conformance traces.
event_list() {
    local -a events
    mapfile -t events < <(cat "$CORPUS"/traces/*.json | grep -v '^[[:space:]]*$')
    local i
    printf '{"kind":"EventList","apiVersion":"audit.k8s.io/v1","metadata":{},"items":['
    for ((i = 0; i < $1; i++)); do
        ((i > 0)) && printf ','
        printf '%s' "${events[i % ${#events[@]}]}"
    done
    printf ']}'
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.0f %%", 100 * a / b; else print "n/a" }'; }
