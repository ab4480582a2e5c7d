#!/usr/bin/env bash
# The whole test suite on a fresh machine: set-up, then every test project in Release.
# Tests that need ../shared/datasets skip when it is absent.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
scripts/setup.sh
export PLATEWATCH_MODELS="$root/models"
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
set +e
dotnet test Platewatch.slnx -c Release --no-build -nologo 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e
# One closing line for the whole run, summed over the test assemblies.
awk '/(Passed|Failed)!/ {
       for (i = 1; i <= NF; i++) {
         if ($i == "Failed:") f += $(i+1); if ($i == "Passed:") p += $(i+1); if ($i == "Skipped:") s += $(i+1)
       }
     }
     END { gsub(",", "", p); printf "tests: %d passed, %d failed, %d skipped\n", p, f, s }' "$log"
exit "$status"
