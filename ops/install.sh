#!/usr/bin/env bash
# Installs the release build into PREFIX (default /usr/local): PREFIX/bin/redactfarm, the
# OpenVINO runtime it loads in PREFIX/lib/openvino (found by its rpath, $ORIGIN/../lib/openvino)
# and the pinned models in PREFIX/share/redactfarm (found beside the binary). Nothing needs an
# environment variable afterwards. Run `make release` first; the container image runs this too.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
prefix="${1:-/usr/local}"
binary="$root/.build/release/redactfarm"
[ -x "$binary" ] || { echo "install: $binary is missing; run make release first" >&2; exit 1; }
install -d "$prefix/bin" "$prefix/lib/openvino" "$prefix/share/redactfarm"
install -m 0755 "$binary" "$prefix/bin/redactfarm"
cp -a "$root/.cache/openvino/lib/." "$prefix/lib/openvino/"
for model in $(grep -v '^#' "$root/ops/assets.lock" | awk '$1 ~ /\.onnx$/ {print $1}'); do
  install -m 0644 "$root/.cache/assets/$model" "$prefix/share/redactfarm/$model"
done
# The int8 face model, where setup could make it (fetch-assets.sh).
for model in centerface-int8.xml centerface-int8.bin; do
  if [ -s "$root/.cache/assets/$model" ]; then install -m 0644 "$root/.cache/assets/$model" "$prefix/share/redactfarm/$model"; fi
done
echo "install: redactfarm $("$prefix/bin/redactfarm" --version) in $prefix"
