#!/usr/bin/env bash
# The main job on the embedded default: sets everything up, then simulates a week of a small city into
# ./demo-data and shows an example of each search. Extra arguments go to 'platewatch demo'.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$root/scripts/setup.sh"
exec "$root/scripts/platewatch" demo "$@"
