#!/usr/bin/env bash
# Fuzzes one target (or all, in turn) with AFL++ through SharpFuzz.
#   tests/Milter.Fuzzing/fuzz.sh TARGET [MINUTES]     (default 5 minutes)
#   tests/Milter.Fuzzing/fuzz.sh all [MINUTES]        every target in turn, MINUTES each
#   tests/Milter.Fuzzing/fuzz.sh --list
# Installs afl++ (apt) and the sharpfuzz tool (dotnet tool) when missing, publishes this project, instruments the
# project's own assemblies (not the framework, not MimeKit or BouncyCastle), runs afl-fuzz with the seed corpus
# in corpus/TARGET, and prints the run's numbers from fuzzer_stats. Everything goes under artifacts/fuzz/ at the
# repository root: publish/ (the instrumented build), TARGET/ (AFL's output: default/crashes, default/hangs,
# default/queue, fuzzer_stats) and TARGET.log. Replay a finding with:
#   dotnet artifacts/fuzz/publish/Milter.Fuzzing.dll TARGET artifacts/fuzz/TARGET/default/crashes/id:...
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
out="$root/artifacts/fuzz"
publish="$out/publish"
tools="$out/tools"
sharpfuzz_version=2.3.0

target="${1:-}"
minutes="${2:-5}"
if [[ -z "$target" ]]; then
    echo "usage: $0 TARGET|all|--list [MINUTES]" >&2
    exit 64
fi

build() {
    if ! command -v afl-fuzz >/dev/null; then
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq afl++ >/dev/null
    fi
    if [[ ! -x "$tools/sharpfuzz" ]]; then
        dotnet tool install --tool-path "$tools" SharpFuzz.CommandLine --version "$sharpfuzz_version" >/dev/null
    fi
    rm -rf "$publish"
    dotnet publish "$here/Milter.Fuzzing.csproj" -c Release -o "$publish" --nologo -v quiet >/dev/null
    # Only our code gets coverage feedback: instrumenting the framework or the libraries would spend AFL's map on
    # code we do not own.
    for assembly in Milter.Protocol Milter.Configuration Milter.Dkim dkim-milter; do
        "$tools/sharpfuzz" "$publish/$assembly.dll" >/dev/null
    done
}

run_one() {
    local name="$1"
    local corpus="$here/corpus/$name"
    local findings="$out/$name"
    if [[ ! -d "$corpus" ]] || [[ -z "$(ls -A "$corpus")" ]]; then
        echo "no seed corpus in $corpus" >&2
        return 1
    fi
    rm -rf "$findings"
    echo "== $name: fuzzing for $minutes minute(s), corpus $(ls "$corpus" | wc -l) file(s)"
    # The repository root is the working directory: the seed configurations name ./samples/local/... files.
    (
        cd "$root"
        AFL_SKIP_BIN_CHECK=1 AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_NO_AFFINITY=1 \
        AFL_NO_UI=1 AFL_AUTORESUME=0 \
            afl-fuzz -i "$corpus" -o "$findings" -t 10000 -m none -V "$((minutes * 60))" \
            -- dotnet "$publish/Milter.Fuzzing.dll" "$name" --afl >"$out/$name.log" 2>&1
    ) || { echo "afl-fuzz failed; see $out/$name.log" >&2; tail -20 "$out/$name.log" >&2; return 1; }
    report "$name"
}

report() {
    local stats="$out/$1/default/fuzzer_stats"
    awk -F' *: *' -v name="$1" '
        { v[$1] = $2 }
        END {
            printf "%s: run_time %s s, execs %s, execs/s %s, corpus %s (found %s), coverage %s, crashes %s, hangs %s\n",
                name, v["run_time"], v["execs_done"], v["execs_per_sec"], v["corpus_count"], v["corpus_found"],
                v["bitmap_cvg"], v["saved_crashes"], v["saved_hangs"]
        }' "$stats"
    ls "$out/$1/default/crashes" "$out/$1/default/hangs" 2>/dev/null | grep -v README | grep -v '^$' | grep -v ':$' | sed 's/^/  finding: /' || true
}

if [[ "$target" == "--list" ]]; then
    dotnet run --project "$here/Milter.Fuzzing.csproj" -c Release -- --list
    exit 0
fi

mkdir -p "$out"
build
if [[ "$target" == "all" ]]; then
    # The program's own list, so this script never misses a target.
    for name in $(dotnet "$publish/Milter.Fuzzing.dll" --list | awk '{print $1}'); do
        run_one "$name"
    done
else
    run_one "$target"
fi
