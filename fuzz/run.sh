#!/usr/bin/env bash
# Fuzzes FalcoHook's input readers with afl-fuzz (Debian's afl++) and SharpFuzz.
#
#   fuzz/run.sh [seconds] [target ...]     seconds per target (default 60); targets: alerts audit rules condition
#
# Publishes fuzz/FalcoHook.Fuzz, instruments FalcoHook.Core.dll with the sharpfuzz tool (a local dotnet tool:
# .config/dotnet-tools.json), builds each target's seed corpus in a temporary folder from ../shared/conformance
# (or $FALCOHOOK_CONFORMANCE) and fuzz/seeds, and runs afl-fuzz on each target for the given time. Findings land in
# fuzz/out/<UTC time>/<target>/default/{crashes,hangs} (or under $FUZZ_OUT). Every crash and hang is replayed outside
# afl-fuzz and printed with what it threw. Exit status: 0 nothing found, 1 crashes or hangs found, 2 could not fuzz.
set -uo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

seconds=${1:-60}
if ! [[ "$seconds" =~ ^[1-9][0-9]*$ ]]; then echo "usage: fuzz/run.sh [seconds] [alerts|audit|rules|condition ...]" >&2; exit 2; fi
shift $(($# > 0 ? 1 : 0))
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=(alerts audit rules condition)
for t in "${targets[@]}"; do
  case "$t" in alerts|audit|rules|condition) ;; *) echo "unknown target '$t' (alerts, audit, rules, condition)" >&2; exit 2 ;; esac
done

if ! command -v afl-fuzz >/dev/null; then
  echo "afl-fuzz not found: install Debian's afl++ (apt-get install -y afl++)" >&2
  exit 2
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/falcohook-fuzz.XXXXXX")
trap 'rm -rf "$work"' EXIT
out=${FUZZ_OUT:-$repo/fuzz/out/$(date -u +%Y%m%dT%H%M%SZ)}
mkdir -p "$out"

echo "== restoring the sharpfuzz tool and publishing the harness"
dotnet tool restore >/dev/null || { echo "dotnet tool restore failed" >&2; exit 2; }
dotnet publish fuzz/FalcoHook.Fuzz/FalcoHook.Fuzz.csproj -c Release -o "$work/plain" --nologo -v quiet >"$work/publish.log" 2>&1 \
  || { cat "$work/publish.log" >&2; exit 2; }
# afl-fuzz runs an instrumented copy; seeds and replays use the plain one (instrumented code needs afl's shared memory).
cp -r "$work/plain" "$work/bin"
dotnet tool run sharpfuzz "$work/bin/FalcoHook.Core.dll" || { echo "instrumenting FalcoHook.Core.dll failed" >&2; exit 2; }
fuzzed=("$(command -v dotnet)" "$work/bin/FalcoHook.Fuzz.dll")
harness=(dotnet "$work/plain/FalcoHook.Fuzz.dll")

# The audit target evaluates the events it reads against FalcoHook's own audit rules (rules/k8s_audit).
conformance=${FALCOHOOK_CONFORMANCE:-$repo/../shared/conformance}
FALCOHOOK_FUZZ_RULES=$(printf '%s:' "$repo"/rules/k8s_audit/*.yaml)
export FALCOHOOK_FUZZ_RULES
if [ ! -d "$conformance" ]; then
  echo "warning: no conformance corpus at $conformance; seeding from fuzz/seeds only" >&2
fi

echo "== building seed corpora in $work/seeds"
for t in alerts audit rules condition; do mkdir -p "$work/seeds/$t"; cp fuzz/seeds/$t/* "$work/seeds/$t/"; done
if [ -d "$conformance" ]; then
  for f in "$conformance"/alerts/*.jsonl; do
    cp "$f" "$work/seeds/alerts/"
    split -l 1 -d -a 3 "$f" "$work/seeds/alerts/$(basename "$f" .jsonl)-line-"
  done
  for f in "$conformance"/traces/*.json; do
    if [ "$(stat -c %s "$f")" -le 16384 ]; then cp "$f" "$work/seeds/audit/"; fi
    head -n 1 "$f" >"$work/seeds/audit/$(basename "$f" .json)-first.json"
  done
  while IFS= read -r f; do
    name=$(echo "${f#"$conformance"/rules/}" | tr '/' '_')
    if [ "$(stat -c %s "$f")" -le 16384 ]; then cp "$f" "$work/seeds/rules/$name"; continue; fi
    # A large file gives its first items one seed each (small seeds fuzz faster).
    awk -v dir="$work/seeds/rules" -v base="${name%.yaml}" '
      /^- / { n++ } n > 0 && n <= 15 { print > sprintf("%s/%s-item-%03d.yaml", dir, base, n) }' "$f"
  done < <(find "$conformance/rules" -name '*.yaml' | sort)
  "${harness[@]}" condition-seeds "$work/seeds/condition" "$conformance/rules/k8s_audit_rules.yaml" \
    "$conformance/rules/falco_rules.yaml" >/dev/null || { echo "writing condition seeds failed" >&2; exit 2; }
  # Keep the condition corpus small: afl-fuzz spends its first minutes calibrating every seed.
  ls "$work/seeds/condition" | sort | awk 'NR > 60' | sed "s|^|$work/seeds/condition/|" | xargs -r rm -f
fi
for t in alerts audit rules condition; do echo "   $t: $(ls "$work/seeds/$t" | wc -l) seeds"; done

export AFL_SKIP_BIN_CHECK=1                     # the target is the dotnet host; SharpFuzz instruments the IL instead
export AFL_SKIP_CPUFREQ=1                       # no control over the CPU governor here
export AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1  # core_pattern may pipe to a handler; crashes are reported by SharpFuzz
export AFL_NO_AFFINITY=1                        # the cores are shared; do not pin
export AFL_NO_UI=1 AFL_QUIET=1                  # plain status lines instead of the curses screen
export AFL_FORKSRV_INIT_TMOUT=60000             # starting the .NET runtime can take a while on a busy machine
export AFL_SKIP_CRASHES=1                       # a seed that crashes is skipped, not fatal
export AFL_SHUFFLE_QUEUE=1

# Replays the given inputs of target $1 in as few processes as possible and prints "input<TAB>outcome" per input:
# a process that dies (a stack overflow) or runs past 60 s is blamed on the input it had not answered yet.
replay() {
  local target=$1; shift
  local inputs=("$@") answered status
  while [ ${#inputs[@]} -gt 0 ]; do
    timeout 60 "${harness[@]}" replay "$target" "${inputs[@]}" >"$work/replay.out" 2>"$work/replay.err"
    status=$?
    cat "$work/replay.out"
    answered=$(wc -l <"$work/replay.out")
    inputs=("${inputs[@]:$answered}")
    [ ${#inputs[@]} -eq 0 ] && break
    if [ $status -eq 124 ]; then printf '%s\tstill running after 60 s\n' "${inputs[0]}"
    else printf '%s\tthe process died (exit %s): %s\n' "${inputs[0]}" "$status" "$(grep -v '^\s*$' "$work/replay.err" | head -n 1)"; fi
    inputs=("${inputs[@]:1}")
  done
}

found=0; failed=0
for t in "${targets[@]}"; do
  echo "== fuzzing $t for ${seconds} s (findings: $out/$t)"
  # -t 5000: an input running over 5 s is a hang; -m none: .NET reserves much address space.
  timeout --kill-after=30 $((seconds * 2 + 600)) \
    afl-fuzz -i "$work/seeds/$t" -o "$out/$t" -x "fuzz/dict/$t.dict" -t 5000 -m none -V "$seconds" \
      -- "${fuzzed[@]}" "$t" >"$out/$t.log" 2>&1
  status=$?
  stats="$out/$t/default/fuzzer_stats"
  if [ ! -f "$stats" ]; then
    echo "   afl-fuzz did not start fuzzing $t (exit $status); the end of its log ($out/$t.log):" >&2
    tail -n 25 "$out/$t.log" >&2
    failed=1; continue
  fi
  execs=$(sed -n 's/^execs_done *: *//p' "$stats"); paths=$(sed -n 's/^corpus_count *: *//p' "$stats")
  echo "   $execs runs, $paths inputs in the queue (afl-fuzz exit $status)"
  for kind in crashes hangs; do
    inputs=("$out/$t/default/$kind"/id:*)
    [ -f "${inputs[0]}" ] || continue
    found=1
    echo "   ${#inputs[@]} $kind, each replayed outside afl-fuzz (input<TAB>outcome in $out/$t.$kind.txt):"
    replay "$t" "${inputs[@]}" >"$out/$t.$kind.txt"
    head -n 20 "$out/$t.$kind.txt" | sed 's/^/      /'
    [ ${#inputs[@]} -gt 20 ] && echo "      … $((${#inputs[@]} - 20)) more in $out/$t.$kind.txt"
    echo "   $kind by kind:"
    cut -f 2 "$out/$t.$kind.txt" | sed 's/: .*//; s/ (.*//' | sort | uniq -c | sort -rn | sed 's/^/      /'
  done
done

if [ $failed -ne 0 ]; then echo "fuzzing could not run for every target" >&2; exit 2; fi
if [ $found -ne 0 ]; then echo "crashes or hangs found: the inputs are listed above" >&2; exit 1; fi
echo "no crash and no hang in ${seconds} s per target"
