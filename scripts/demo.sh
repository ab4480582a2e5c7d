#!/usr/bin/env bash
# The main job on the embedded default: sets everything up, simulates a week of a small city into
# ./demo-data, shows an example of each search, then serves the city on http://127.0.0.1:5080 with a demo
# agency, users and a camera key (printed) until Ctrl+C. Extra arguments go to 'platewatch demo'.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$root/scripts/setup.sh"
exec "$root/scripts/platewatch" demo --serve "$@"
