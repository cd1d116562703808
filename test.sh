#!/usr/bin/env bash
# Builds and runs every test project in Release. Extra arguments go to `dotnet test`
# (e.g. --filter ...). TRX results land in artifacts/test-results. The last line printed is
# "N passed, N failed, N skipped", counted from those results; the exit status is non-zero if
# dotnet test failed, any test failed, or no test ran.
# The Postfix integration tests need root and the Debian packages that tests/install-dependencies.sh
# installs when missing (first thing below).
set -euo pipefail
cd "$(dirname "$0")"

bash tests/install-dependencies.sh

results=artifacts/test-results
rm -rf "$results"

dotnet_status=0
dotnet test Milter.sln -c Release --logger "trx;LogFilePrefix=results" --results-directory "$results" "$@" || dotnet_status=$?

# One TRX per test project, each with a line like
# <Counters total="7" executed="7" passed="7" failed="0" error="0" timeout="0" aborted="0" ... notExecuted="0" ... />
counter() { # counter NAME COUNTERS-ELEMENT; 0 when absent (a TRX cut short by a crash)
    local value
    value=$(sed -n "s/.* $1=\"\([0-9]*\)\".*/\1/p" <<<"$2")
    echo "${value:-0}"
}
passed=0 failed=0 skipped=0
shopt -s nullglob
for trx in "$results"/*.trx; do
    counters=$(grep -o '<Counters [^>]*>' "$trx" || true)
    passed=$((passed + $(counter passed "$counters")))
    failed=$((failed + $(counter failed "$counters") + $(counter error "$counters") + $(counter timeout "$counters") + $(counter aborted "$counters")))
    # Skipped tests do not show in the counters: their results have outcome="NotExecuted".
    # (`|| true`: grep fails when there is none, and pipefail would pass that on.)
    skipped=$((skipped + $(grep -o '<UnitTestResult [^>]*outcome="NotExecuted"' "$trx" | wc -l || true)))
done

status=0
if ((dotnet_status != 0)); then
    echo "test.sh: dotnet test exited with status $dotnet_status" >&2
    status=1
fi
if ((failed > 0)); then
    echo "test.sh: $failed test(s) failed" >&2
    status=1
fi
if ((passed + failed == 0)); then
    echo "test.sh: no test ran" >&2
    status=1
fi
echo "$passed passed, $failed failed, $skipped skipped"
exit "$status"
