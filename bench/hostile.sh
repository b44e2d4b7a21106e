#!/usr/bin/env bash
# Issue 14's hostile mix for N seconds (default 60): good Falco alerts and every hostile request at once against
# the published service (a child process on a free loopback port, a temporary SQLite file, one webhook to a
# receiver in bench/Hostile). Prints per kind of request: count, statuses, p50/max latency, the README's budget,
# pass/fail; then good alerts acknowledged vs delivered and the service's RSS. Exits 1 on any failure.
#   bench/hostile.sh [seconds]
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
SECONDS_OF_MIX="${1:-60}"
[[ "$SECONDS_OF_MIX" =~ ^[0-9]+$ && "$SECONDS_OF_MIX" -ge 1 && "$SECONDS_OF_MIX" -le 3600 ]] || { log "seconds: 1 to 3600"; exit 2; }
command -v dotnet >/dev/null || { log "dotnet not found: install the .NET 10 SDK (see README.md)."; exit 2; }

publish FalcoHook.Api "$WORK/api"
publish bench/Hostile "$WORK/hostile"
mkdir -p "$WORK/run"
cp -r "$REPO/rules" "$WORK/run/rules"
machine_line="machine: $(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo), $(nproc) cores, $(uname -sr), .NET $(dotnet --version), $(date -u +%Y-%m-%dT%H:%MZ)"
echo "$machine_line"
echo "hostile mix: ${SECONDS_OF_MIX} s, 4 good senders, 2 hostile senders, 1 stalled-body sender"
echo
dotnet "$WORK/hostile/Hostile.dll" "$WORK/api/FalcoHook.Api.dll" "$SECONDS_OF_MIX" "$WORK/run"
