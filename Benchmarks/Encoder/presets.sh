#!/bin/bash
# The re-encoder's default preset and CRF, per encoder family: each setting encodes the same
# decoded frames of the four `make eval` clips with plain ffmpeg, one thread (a worker slot
# encodes on one), and is scored against those frames (PSNR, SSIM) with its size and CPU time.
# x265 on the first 100 frames (it is slow). Usage: Benchmarks/Encoder/presets.sh (after
# `make eval` has made the clips in .cache/bench); prints one line per clip and setting.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

measure() {  # codec frames preset crf clip
  local codec=$1 frames=$2 preset=$3 crf=$4 clip=$5
  local name size raw out params=()
  name=$(basename "$clip" .mp4)
  size=$(ffprobe -v error -select_streams v -show_entries stream=width,height -of csv=s=x:p=0 "$clip")
  raw="$work/$name-$frames.yuv"
  [ -s "$raw" ] || ffmpeg -nostdin -v error -y -i "$clip" -frames:v "$frames" -an -f rawvideo -pix_fmt yuv420p "$raw"
  out="$work/$name-$codec-$preset-$crf.mp4"
  if [ "$codec" = libx265 ]; then params=(-x265-params log-level=error:pools=1:frame-threads=1); else params=(-threads 1); fi
  local cpu
  cpu=$( { /usr/bin/time -f "%U" ffmpeg -nostdin -v error -y -f rawvideo -pix_fmt yuv420p -s "$size" -r 25 -i "$raw" \
           -c:v "$codec" -preset "$preset" -crf "$crf" "${params[@]}" "$out"; } 2>&1 )
  local psnr ssim
  psnr=$(ffmpeg -nostdin -f rawvideo -pix_fmt yuv420p -s "$size" -r 25 -i "$raw" -i "$out" -lavfi "[1][0]psnr" -f null - 2>&1 | grep -o "average:[0-9.]*" | cut -d: -f2)
  ssim=$(ffmpeg -nostdin -f rawvideo -pix_fmt yuv420p -s "$size" -r 25 -i "$raw" -i "$out" -lavfi "[1][0]ssim" -f null - 2>&1 | grep -o "All:[0-9.]*" | cut -d: -f2)
  printf "%-24s %-8s %-9s crf %-4s cpu %6.2f s  %10d bytes  PSNR %6.3f dB  SSIM %s\n" "$name" "$codec" "$preset" "$crf" "$cpu" "$(stat -c %s "$out")" "$psnr" "$ssim"
}

for clip in "$root"/.cache/bench/gt_*1280x720_500.mp4; do
  for setting in "faster 18" "veryfast 18" "veryfast 17"; do measure libx264 500 $setting "$clip"; done
  for setting in "faster 18" "veryfast 17"; do measure libx265 100 $setting "$clip"; done
done
