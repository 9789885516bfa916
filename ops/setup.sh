#!/usr/bin/env bash
# Installs what RedactFarm needs on Debian 12 / Ubuntu 22.04+ and fetches pinned assets.
# Idempotent: packages already present are not reinstalled and apt is not refreshed.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
packages=(pkg-config libavformat-dev libavcodec-dev libavutil-dev libswscale-dev libzmq3-dev libsqlite3-dev
          ffmpeg python3-pip python3-numpy iproute2)
# What only the tests use: Chromium loads the review page. A container build passes
# --no-test-tools.
[ "${1:-}" = "--no-test-tools" ] || packages+=(chromium)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "setup: installing ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
if ! command -v swift >/dev/null; then
  echo "setup: swift (6.0 or later) is not on PATH; install the Swift toolchain from swift.org first" >&2
  exit 1
fi
"$root/ops/fetch-assets.sh"
