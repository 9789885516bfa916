#!/bin/bash
# Issue 13's own file: 10 minutes of the CCTV-like scene of bench.sh (1280x720, 25 fps, sensor
# noise, a keyframe every second, AAC) in which a person (a real face) is in view for 3 s of
# every 30 (10% of the GOPs). `redactfarm run` as shipped against the build before copying
# (every segment re-encoded, every full-frame pass run, f32, x264 `faster` at CRF 18: what
# `run` did then), and against
# ffmpeg decoding the file alone (the floor of anything that looks at every frame).
# pairs.py: A and B in turn, whole processes. Usage: Benchmarks/SegmentCopy/long.sh
# (make release first; ~25 min, most of it the old build's run).
set -euo pipefail
source "$(dirname "$0")/common.sh"
clip=cctv600.mp4
if [ ! -s "$clip" ]; then
  ffmpeg -nostdin -hide_banner -loglevel error -y -f lavfi -i "smptebars=size=1280x720:rate=25:duration=600,noise=alls=10:allf=t" \
    -loop 1 -i "$root/.cache/assets/grace_hopper.jpg" -f lavfi -i "sine=frequency=440:sample_rate=48000:duration=600" \
    -filter_complex "[1:v]scale=220:-2[f];[0:v][f]overlay=700:120:enable='between(mod(t,30),20,23)':shortest=1[v]" \
    -map "[v]" -map 2 -c:v libx264 -preset veryfast -g 25 -keyint_min 25 -sc_threshold 0 -c:a aac -pix_fmt yuv420p -t 600 "$clip"
fi
echo "== faces (default profile): as shipped vs the build before copying"
pairs -n 1 --a "$RF run $clip -o now.mp4 --overwrite" \
  --b "$RF run $clip -o before.mp4 --overwrite --precision f32 --reencode-all --unchanged-pass-every 1 --crf 18 --preset faster"
echo "== as shipped vs ffmpeg decoding the file alone"
pairs -n 1 --a "$RF run $clip -o now.mp4 --overwrite" --b "ffmpeg -nostdin -v error -i $clip -f null -"
python3 - now.mp4 <<'PY'
import json, sys
out = sys.argv[1]
m = json.load(open(out + ".manifest.json"))["manifest"]
segments = m["segments"]
copied = sum(1 for s in segments if s.get("handling") == "copied")
frames = json.load(open(out + ".detections.json"))["perFrame"]
print(f"{out}: {copied} of {len(segments)} segments copied; {sum(1 for f in frames if f['covered'])} of {len(frames)} frames with something hidden")
PY
