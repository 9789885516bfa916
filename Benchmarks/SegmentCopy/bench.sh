#!/bin/bash
# Copying untouched segments (issue 13), measured side by side (pairs.py: A and B in turn, whole
# processes, the kernel's accounting of each run, ratios pair by pair): a CCTV-like
# 1280x720 clip of 60 s (a static scene with sensor noise, a keyframe every second, AAC) in
# which one person (a real face) is in view from 20 s to 23 s. `redactfarm run` as shipped
# (copying) against the same with --reencode-all, against deface 1.5.0 (when installed by
# `make eval`), and a plain ffmpeg transcode as the floor a re-encoding tool cannot beat.
# Then: how many segments were copied, that the copied frames are the source's, and the
# output's size. Then the same zones-only pair on HEVC in MPEG-TS as NVRs write it (x265,
# an IDR each second with its parameter sets in band, MP2), beside ffmpeg decoding it alone,
# and the zones-only and faces pairs on HEVC in MP4 as phones write it (hvc1, sets in the hvcC).
# The faces runs also time full-frame passes thinned on a still picture (the default) against
# every pass (`--unchanged-pass-every 1`).
# Usage: Benchmarks/SegmentCopy/bench.sh  (make release first; ~35 min)
set -euo pipefail
source "$(dirname "$0")/common.sh"
# The scene, once per encoding: clip OUT ENCODER-AND-AUDIO-OPTIONS...
clip() {
  local out="$1"; shift
  [ -s "$out" ] && return
  ffmpeg -nostdin -hide_banner -loglevel error -y -f lavfi -i "smptebars=size=1280x720:rate=25:duration=60,noise=alls=10:allf=t" \
    -loop 1 -i "$root/.cache/assets/grace_hopper.jpg" -f lavfi -i "sine=frequency=440:sample_rate=48000:duration=60" \
    -filter_complex "[1:v]scale=220:-2[f];[0:v][f]overlay=700:120:enable='between(t,20,23)':shortest=1[v]" \
    -map "[v]" -map 2 "$@" -pix_fmt yuv420p -t 60 "$out"
}
clip=cctv720.mp4
clip "$clip" -c:v libx264 -preset veryfast -g 25 -keyint_min 25 -sc_threshold 0 -c:a aac
seg=(--segment-seconds 2 --overwrite)
# Each detection run takes minutes here: one pair each, A and B in turn.
echo "== faces (default profile): copying vs --reencode-all"
pairs -n 1 --a "$RF run $clip -o a.mp4 ${seg[*]}" --b "$RF run $clip -o b.mp4 ${seg[*]} --reencode-all"
echo "== a zone over the 3 s the person is in view, no detection: copying vs --reencode-all"
zone=(--targets none --zone 640,80,400,360@20-23)
pairs -n 3 --warmup 1 --a "$RF run $clip -o za.mp4 ${seg[*]} ${zone[*]}" --b "$RF run $clip -o zb.mp4 ${seg[*]} ${zone[*]} --reencode-all"
echo "== faces, copying vs a plain ffmpeg transcode at redactfarm's x264 settings (-preset veryfast -crf 17), the floor for any tool that re-encodes"
pairs -n 1 --a "$RF run $clip -o a.mp4 ${seg[*]}" --b "ffmpeg -nostdin -y -v error -i $clip -c:v libx264 -preset veryfast -crf 17 -c:a copy t.mp4"
echo "== faces, default 10 s segments: passes thinned on a still picture (the default) vs every pass, and vs the build before copying"
pairs -n 2 --a "$RF run $clip -o h1.mp4 --overwrite --unchanged-pass-every 1" --b "$RF run $clip -o h4.mp4 --overwrite"
pairs -n 1 --a "$RF run $clip -o r1.mp4 --overwrite --unchanged-pass-every 1 --reencode-all" --b "$RF run $clip -o h4.mp4 --overwrite"
if [ -x "$root/.cache/deface-venv/bin/deface" ]; then
  echo "== faces, copying vs deface 1.5.0"
  pairs -n 1 --a "$RF run $clip -o a.mp4 ${seg[*]}" --b "$root/.cache/deface-venv/bin/deface $clip -o d.mp4"
fi
hevc=cctv720_hevc.ts
clip "$hevc" -c:v libx265 -preset veryfast -x265-params "log-level=error:keyint=25:min-keyint=25:scenecut=0:open-gop=0:repeat-headers=1" -c:a mp2
echo "== HEVC in MPEG-TS, a zone over the 3 s the person is in view (default 10 s segments): copying vs --reencode-all"
pairs -n 3 --warmup 1 --a "$RF run $hevc -o ha.ts --overwrite ${zone[*]}" --b "$RF run $hevc -o hb.ts --overwrite ${zone[*]} --reencode-all"
echo "== the same copying run against ffmpeg decoding the file alone (the floor of anything that looks at every frame)"
pairs -n 3 --warmup 1 --a "$RF run $hevc -o ha.ts --overwrite ${zone[*]}" --b "ffmpeg -nostdin -v error -i $hevc -f null -"
echo "== HEVC in MPEG-TS, faces (default profile): copying vs --reencode-all"
pairs -n 1 --a "$RF run $hevc -o hfa.ts --overwrite" --b "$RF run $hevc -o hfb.ts --overwrite --reencode-all"
hvc1=cctv720_hevc.mp4
clip "$hvc1" -c:v libx265 -preset veryfast -x265-params "log-level=error:keyint=25:min-keyint=25:scenecut=0:open-gop=0" -tag:v hvc1 -c:a aac
echo "== HEVC in MP4 (hvc1, parameter sets in the hvcC only, as phones and cameras write it), the zone: copying vs --reencode-all"
pairs -n 3 --warmup 1 --a "$RF run $hvc1 -o ma.mp4 --overwrite ${zone[*]}" --b "$RF run $hvc1 -o mb.mp4 --overwrite ${zone[*]} --reencode-all"
echo "== HEVC in MP4, faces (default profile): copying vs --reencode-all"
pairs -n 1 --a "$RF run $hvc1 -o mfa.mp4 --overwrite" --b "$RF run $hvc1 -o mfb.mp4 --overwrite --reencode-all"
for pair in "a.mp4 b.mp4" "za.mp4 zb.mp4" "ha.ts hb.ts" "hfa.ts hfb.ts" "ma.mp4 mb.mp4" "mfa.mp4 mfb.mp4"; do
python3 - "$clip" $pair <<'PY'
import json, subprocess, sys
src, copied, full = sys.argv[1:]
if copied.endswith(".ts"):
    src = "cctv720_hevc.ts"
elif copied.startswith("m"):
    src = "cctv720_hevc.mp4"
print(f"-- {copied} (copying) and {full} (--reencode-all)")
m = json.load(open(copied + ".manifest.json"))["manifest"]
handled = [s.get("handling") for s in m["segments"]]
print(f"segments: {handled.count('copied')} copied, {handled.count('redacted')} redacted of {len(handled)}")
def md5(p):
    out = subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-i", p, "-map", "0:v", "-f", "framemd5", "-"], capture_output=True, text=True).stdout
    return [l.split(",")[-1].strip() for l in out.splitlines() if not l.startswith("#")]
a, b, c = md5(src), md5(copied), md5(full)
print(f"frames identical to the source: copying {sum(x == y for x, y in zip(a, b))} of {len(a)}, --reencode-all {sum(x == y for x, y in zip(a, c))} of {len(a)}")
import os
print(f"sizes: source {os.path.getsize(src)/1e6:.1f} MB, copying {os.path.getsize(copied)/1e6:.1f} MB, --reencode-all {os.path.getsize(full)/1e6:.1f} MB")
PY
done
 "$RF" verify a.mp4 | tr ',' '\n' | grep -i copied
