#!/usr/bin/env bash
# Generates the media test corpus into $1 (default .cache/corpus) with the ffmpeg CLI.
# Each clip stresses one thing the media core must keep exact. Idempotent: a clip that
# exists is not made again; a version stamp invalidates the lot when this script changes.
set -euo pipefail
out="${1:-.cache/corpus}"
assets="$(cd "${2:-.cache/assets}" && pwd)"
groundtruth="$(cd "$(dirname "$0")/../../Benchmarks/Evaluation" && pwd)/groundtruth.py"
stamp="corpus-v17"
mkdir -p "$out"
if [ ! -f "$out/.$stamp" ]; then rm -f "$out"/*.*; fi
cd "$out"

ff() { ffmpeg -nostdin -hide_banner -loglevel error -y "$@"; }
make() { local name="$1"; shift; [ -s "$name" ] || { ff "$@" "$name.tmp.${name##*.}" && mv "$name.tmp.${name##*.}" "$name"; }; }

src="testsrc2=size=320x240:rate=25"
tone="sine=frequency=440:sample_rate=48000"

# H.264 with B-frames and closed GOPs, AAC, MP4 (edit list from the B-frame delay).
make h264_bframes.mp4 -f lavfi -i "$src:duration=6" -f lavfi -i "$tone:duration=6" \
  -c:v libx264 -preset veryfast -bf 3 -g 25 -pix_fmt yuv420p -c:a aac -b:a 64k -shortest
# H.264 open GOP (non-IDR recovery-point I-frames with leading B-frames) in MPEG-TS, MP2 audio.
make h264_opengop.ts -f lavfi -i "$src:duration=6" -f lavfi -i "$tone:duration=6" \
  -c:v libx264 -preset veryfast -bf 3 -g 25 -x264-params open-gop=1:scenecut=0 -pix_fmt yuv420p -c:a mp2 -shortest
# HEVC with x265's default open GOP (CRA + RASL) in MKV, AAC plus a second, tagged audio track.
make hevc_opengop.mkv -f lavfi -i "$src:duration=6" -f lavfi -i "$tone:duration=6" -f lavfi -i "sine=frequency=880:sample_rate=44100:duration=6" \
  -map 0 -map 1 -map 2 -c:v libx265 -preset medium -x265-params keyint=25:min-keyint=25:log-level=error \
  -pix_fmt yuv420p -c:a aac -b:a 64k -metadata:s:a:0 language=eng -metadata:s:a:1 language=deu \
  -disposition:a:1 comment -shortest
# MPEG-4 Part 2 with AC-3 in AVI.
make mpeg4_ac3.avi -f lavfi -i "$src:duration=6" -f lavfi -i "$tone:duration=6" \
  -c:v mpeg4 -q:v 4 -g 25 -c:a ac3 -b:a 96k -shortest
# Variable frame rate: 3 of every 10 frames dropped, kept with their own timestamps.
make vfr.mp4 -f lavfi -i "testsrc2=size=320x240:rate=30:duration=6" \
  -vf "select='lt(mod(n\,10)\,7)'" -fps_mode vfr -c:v libx264 -preset veryfast -bf 2 -g 30 -pix_fmt yuv420p
# A GOP (4 s) longer than the 1 s segments the tests ask for.
make long_gop.mp4 -f lavfi -i "$src:duration=10" -c:v libx264 -preset veryfast -g 100 -keyint_min 100 -sc_threshold 0 -pix_fmt yuv420p
# 1080p with explicit BT.709 colour metadata.
make h264_1080p.mp4 -f lavfi -i "testsrc2=size=1920x1080:rate=30:duration=3" -f lavfi -i "$tone:duration=3" \
  -c:v libx264 -preset ultrafast -g 30 -pix_fmt yuv420p -color_primaries bt709 -color_trc bt709 -colorspace bt709 -color_range tv \
  -c:a aac -shortest
# MJPEG, all intra, full range, in MOV with PCM audio.
make mjpeg.mov -f lavfi -i "$src:duration=3" -f lavfi -i "$tone:duration=3" \
  -c:v mjpeg -q:v 5 -pix_fmt yuvj422p -c:a pcm_s16le -shortest
# Rotation: a phone-style 90 degree display matrix in the video track header. FFmpeg 5.1's
# CLI has no option that writes one when encoding, so the tkhd matrix is set directly.
if [ ! -s rotated.mp4 ]; then
  ff -f lavfi -i "$src:duration=4" -c:v libx264 -preset veryfast -g 25 -pix_fmt yuv420p rotated.tmp.mp4
  python3 - rotated.tmp.mp4 <<'PY'
import struct, sys
path = sys.argv[1]
data = bytearray(open(path, "rb").read())
i = data.find(b"tkhd")
assert i > 0 and data[i + 4] == 0, "expected a version-0 tkhd"
# a b u / c d v / x y w in 16.16 (w in 2.30): rotate by 90 degrees.
matrix = [0, 0x10000, 0, -0x10000, 0, 0, 0, 0, 0x40000000]
data[i + 44:i + 80] = struct.pack(">9i", *matrix)
open(path, "wb").write(data)
PY
  mv rotated.tmp.mp4 rotated.mp4
fi

# High bit depth: H.264 High 10, ProRes 422 (10-bit 4:2:2) in MOV, and the real face clip as
# HEVC Main10 tagged HDR10 (BT.2020, PQ): redacted on their own planes, written back at depth.
make h264_10bit.mp4 -f lavfi -i "$src:duration=2" -c:v libx264 -preset veryfast -pix_fmt yuv420p10le
make prores.mov -f lavfi -i "$src:duration=2" -f lavfi -i "$tone:duration=2" -c:v prores_ks -profile:v 2 -pix_fmt yuv422p10le \
  -c:a pcm_s24le -shortest
make carphone_10bit.mkv -i "$assets/carphone_pristine.mp4" -c:v libx265 -preset ultrafast \
  -x265-params keyint=25:log-level=error:hdr10=1:master-display="G(13250,34500)B(7500,3000)R(34000,16000)WP(15635,16450)L(10000000,1)":max-cll=1000,400 \
  -pix_fmt yuv420p10le -color_primaries bt2020 -color_trc smpte2084 -colorspace bt2020nc

# Static CCTV-like scene (a frozen test card) with one bright block moving across it: what
# the person target (moving regions) must hide, and only that. The block spans x 20+80t..50+80t, y 100..160.
make mover.mp4 -f lavfi -i "testsrc2=size=320x240:rate=25,trim=end_frame=1,loop=loop=-1:size=1,setpts=N/25/TB" \
  -f lavfi -i "color=c=white:s=30x60:r=25:d=3" -filter_complex "[0][1]overlay=x='20+t*80':y=100:shortest=1" \
  -t 3 -c:v libx264 -preset veryfast -g 25 -pix_fmt yuv420p

# Ground truth for redaction: real faces (pinned wheels) composited into real footage.
if [ ! -s groundtruth.mp4 ]; then
  python3 "$groundtruth" --background "$assets/bikes.mp4" --faces "$assets/grace_hopper.jpg" "$assets/astronaut.png" \
    --size 640x360 --frames 100 --count 4 --seed 3 --out groundtruth.tmp.mp4 --truth groundtruth.json
  mv groundtruth.tmp.mp4 groundtruth.mp4
fi
if [ ! -s plates.mp4 ]; then
  python3 "$groundtruth" --background "$assets/bikes.mp4" --plates \
    --size 640x360 --frames 100 --count 6 --seed 3 --out plates.tmp.mp4 --truth plates.json
  mv plates.tmp.mp4 plates.mp4
fi

# Chapters, a Matroska attachment and G.711 A-law audio: every stream and chapter must survive.
[ -s chapters.ffmeta ] || printf ';FFMETADATA1\n[CHAPTER]\nTIMEBASE=1/1000\nSTART=0\nEND=1500\ntitle=Entrance\n[CHAPTER]\nTIMEBASE=1/1000\nSTART=1500\nEND=3000\ntitle=Corridor\n' > chapters.ffmeta
make chapters_attachment.mkv -f lavfi -i "$src:duration=3" -f lavfi -i "sine=frequency=440:sample_rate=8000:duration=3" -i chapters.ffmeta \
  -map 0 -map 1 -map_chapters 2 -c:v libx264 -preset veryfast -g 25 -pix_fmt yuv420p -c:a pcm_alaw \
  -attach chapters.ffmeta -metadata:s:t mimetype=text/plain
make chapters.mp4 -f lavfi -i "$src:duration=3" -f lavfi -i "$tone:duration=3" -i chapters.ffmeta \
  -map 0 -map 1 -map_chapters 2 -c:v libx264 -preset veryfast -g 25 -pix_fmt yuv420p -c:a aac -b:a 64k
# VP9 in WebM, which stays VP9 in WebM; an odd-sized 4:2:2 MJPEG, which stays MJPEG at its odd size.
make vp9.webm -f lavfi -i "$src:duration=2" -c:v libvpx-vp9 -deadline realtime -cpu-used 8 -pix_fmt yuv420p
make odd_422.avi -f lavfi -i "testsrc2=size=721x577:rate=25:duration=1" -c:v mjpeg -pix_fmt yuvj422p
# An MP4 with cover art (a photo of a face, as an attached picture): the face is hidden in it.
make coverart.mp4 -f lavfi -i "$src:duration=1" -i "$assets/grace_hopper.jpg" -map 0 -map 1 -c:v:0 libx264 -preset veryfast \
  -pix_fmt yuv420p -c:v:1 mjpeg -disposition:v:1 attached_pic
# Two camera views in one file, as NVRs export them: each redacted on its own. Different sizes,
# rates and GOPs, so the streams' segments and packets interleave unevenly.
make twovideo.mkv -f lavfi -i "$src:duration=1" -f lavfi -i "testsrc=size=320x240:rate=25:duration=1" -map 0 -map 1 \
  -c:v libx264 -preset veryfast -g 25 -pix_fmt yuv420p
twocams=(-f lavfi -i "$src:duration=4" -f lavfi -i "testsrc=size=256x144:rate=15:duration=4" -f lavfi -i "$tone:duration=4"
  -map 0 -map 1 -map 2 -c:v libx264 -preset veryfast -pix_fmt yuv420p -g:v:0 25 -bf:v:0 3 -g:v:1 15 -bf:v:1 0
  -metadata:s:v:1 title="camera 2")
make twocams.mp4 "${twocams[@]}" -c:a aac -b:a 64k -shortest
make twocams.ts "${twocams[@]}" -c:a mp2 -shortest
# The same, fragmented (as live recorders write): every track keeps its fragment layout.
make twocams_frag.mp4 -i twocams.mp4 -map 0 -c copy -movflags frag_keyframe+empty_moov+default_base_moof -frag_duration 700000
# Uncompressed 4:2:2 in AVI (capture cards): stays uncompressed.
make raw422.avi -f lavfi -i "$src:duration=0.4" -c:v rawvideo -pix_fmt yuv422p

# Archive kinds (issue 12). Interlaced H.264 (top field first) in MPEG-TS: must stay
# interlaced. MPEG-2 in MXF (OP1a) with PCM: comes back MPEG-2, B-frames and all.
make interlaced.ts -f lavfi -i "testsrc2=size=720x576:rate=25:duration=3" -f lavfi -i "$tone:duration=3" \
  -c:v libx264 -preset veryfast -flags +ildct+ilme -x264-params tff=1 -g 25 -pix_fmt yuv420p -c:a mp2 -shortest
make mpeg2.mxf -f lavfi -i "$src:duration=3" -f lavfi -i "$tone:duration=3" \
  -c:v mpeg2video -bf 2 -g 12 -b:v 5M -c:a pcm_s16le -shortest
# WMV 8 with WMA, and H.264 in ASF as some DVRs write it (FFmpeg's ASF muxer stores decode
# times as presentation times, so neither reorders). An MP4 cut mid-GOP with stream copy: its
# edit list leaves decode-only frames before the first one shown.
make wmv.wmv -f lavfi -i "$src:duration=3" -f lavfi -i "$tone:duration=3" -c:v wmv2 -g 25 -c:a wmav2 -shortest
make h264.asf -f lavfi -i "$src:duration=3" -f lavfi -i "$tone:duration=3" -c:v libx264 -preset veryfast -bf 0 -g 25 -pix_fmt yuv420p \
  -c:a wmav2 -shortest
make editlist.mp4 -ss 1.3 -i h264_bframes.mp4 -c copy
# Edit lists as phones and editors leave them. trimmed.mp4: the clip above trimmed at its end
# too (each track's edit shortened by 1 s, as a phone's trim does): the frames after the end are
# decoded for reference only. cutinside.mp4: a second edit skips 2-3 s of the media, a cut
# inside the file: refused up front. Both rewrite the edit boxes of a file whose moov follows
# its media, so no chunk offset moves.
edits() {
  python3 - "$@" <<'PY'
import struct, sys
src, dst, mode = sys.argv[1], sys.argv[2], sys.argv[3]
data = bytearray(open(src, "rb").read())

def boxes(start, end):
    while start < end:
        size, kind = struct.unpack(">I4s", data[start:start + 8])
        yield start, size, kind
        start += size

moov = next(b for b in boxes(0, len(data)) if b[2] == b"moov")
assert moov[0] + moov[1] == len(data), "moov must follow the media"
scale = struct.unpack(">I", data[moov[0] + 28:moov[0] + 32])[0]  # version-0 mvhd
grown = 0
for trak in [b for b in boxes(moov[0] + 8, moov[0] + moov[1]) if b[2] == b"trak"]:
    start = trak[0] + grown
    edts = next(b for b in boxes(start + 8, start + trak[1]) if b[2] == b"edts")
    elst = edts[0] + 8
    assert data[elst + 4:elst + 8] == b"elst" and data[elst + 8] == 0, "expected a version-0 elst"
    count = struct.unpack(">I", data[elst + 12:elst + 16])[0]
    last = elst + 16 + 12 * (count - 1)
    duration, media = struct.unpack(">Ii", data[last:last + 8])
    if mode == "trim":
        data[last:last + 4] = struct.pack(">I", duration - scale)
        continue
    # Show 0-2 s of the media, then from 3 s on: two edits where there was one.
    mdhd = data.find(b"mdhd", start, start + trak[1])
    tscale = struct.unpack(">I", data[mdhd + 16:mdhd + 20])[0]
    first = struct.pack(">IiI", 2 * scale, media, 0x10000)
    second = struct.pack(">IiI", duration - 3 * scale, media + 3 * tscale, 0x10000)
    data[last:last + 12] = first + second
    struct.pack_into(">I", data, elst + 12, count + 1)
    for at in (elst, edts[0], start, moov[0]):
        struct.pack_into(">I", data, at, struct.unpack(">I", data[at:at + 4])[0] + 12)
    grown += 12
open(dst, "wb").write(data)
PY
}
[ -s trimmed.mp4 ] || { edits editlist.mp4 trimmed.tmp.mp4 trim && mv trimmed.tmp.mp4 trimmed.mp4; }
[ -s cutinside.mp4 ] || { edits h264_bframes.mp4 cutinside.tmp.mp4 cut && mv cutinside.tmp.mp4 cutinside.mp4; }
# An MPEG-TS whose 33-bit PTS wraps 1.2 s in (2^33 / 90 kHz = 95443.7 s; the muxer adds 1.4 s), with audio.
make tswrap.ts -f lavfi -i "$src:duration=3" -f lavfi -i "$tone:duration=3" -c:v libx264 -preset veryfast -bf 2 -g 25 \
  -pix_fmt yuv420p -c:a mp2 -shortest -output_ts_offset 95441.1
# Raw H.264 and HEVC elementary streams as DVRs export them, with no timestamps at all:
# without B-frames (frame n at n frame durations) and with them (PresentationOrder).
make raw.h264 -f lavfi -i "$src:duration=4" -c:v libx264 -preset veryfast -bf 0 -g 25 -pix_fmt yuv420p
make raw_bframes.h264 -f lavfi -i "$src:duration=2" -c:v libx264 -preset veryfast -bf 3 -g 25 -pix_fmt yuv420p
# Raw MPEG-4 Part 2 and MPEG-2 video streams with B-frames (.m4v, .m2v).
make raw_bframes.m4v -f lavfi -i "$src:duration=2" -c:v mpeg4 -bf 2 -g 25 -q:v 4 -f m4v
make raw_bframes.m2v -f lavfi -i "$src:duration=2" -c:v mpeg2video -bf 2 -g 12 -f mpeg2video
# Concatenated JPEG pictures as IP cameras and DVRs dump them (no timing at all): needs --fps.
make raw.mjpeg -f lavfi -i "testsrc2=size=320x240:rate=15:duration=2" -c:v mjpeg -q:v 3 -f mjpeg
# A raw HEVC stream whose VPS/SPS state no timing (x265 vui-timing-info=0), at 30 fps: needs --fps.
make notiming.hevc -f lavfi -i "testsrc2=size=320x240:rate=30:duration=2" -c:v libx265 -preset ultrafast \
  -x265-params keyint=30:bframes=2:vui-timing-info=0:log-level=error -pix_fmt yuv420p
make raw_bframes.hevc -f lavfi -i "$src:duration=2" -c:v libx265 -preset ultrafast -x265-params keyint=25:bframes=3:log-level=error -pix_fmt yuv420p
# Containers that time only some frames, or none: an MPEG-2 program stream (a PES header
# times only the first picture starting in it) with MP2, a DVD VOB with AC-3, and AVI (decode
# order only) with H.264 B-frames and G.711 audio as DVRs write it, and Xvid with B-frames.
make ps.mpg -f lavfi -i "$src:duration=3" -f lavfi -i "$tone:duration=3" -c:v mpeg2video -bf 2 -g 12 -c:a mp2 -shortest -f mpeg
make dvd.vob -f lavfi -i "$src:duration=3" -f lavfi -i "$tone:duration=3" -c:v mpeg2video -bf 2 -g 12 -c:a ac3 -shortest -f vob
make h264_bframes.avi -f lavfi -i "$src:duration=3" -f lavfi -i "sine=frequency=440:sample_rate=8000:duration=3" \
  -c:v libx264 -preset veryfast -bf 2 -g 25 -pix_fmt yuv420p -c:a pcm_mulaw -shortest
make xvid_bframes.avi -f lavfi -i "$src:duration=3" -c:v mpeg4 -vtag XVID -bf 2 -g 25 -q:v 4
# Lossless FFV1 (archive masters): stays FFV1, every pixel outside the zone as it was.
make ffv1.mkv -f lavfi -i "$src:duration=2" -c:v ffv1 -level 3 -g 25 -pix_fmt yuv420p

# Bad inputs.
[ -e empty.mp4 ] || : > empty.mp4
[ -s random.mp4 ] || python3 -c "import random,sys; r=random.Random(7); sys.stdout.buffer.write(bytes(r.getrandbits(8) for _ in range(200000)))" > random.mp4
[ -s truncated_moov_at_end.mp4 ] || head -c "$(( $(stat -c %s h264_bframes.mp4) / 2 ))" h264_bframes.mp4 > truncated_moov_at_end.mp4
make faststart.mp4 -i h264_bframes.mp4 -c copy -movflags +faststart
[ -s truncated_faststart.mp4 ] || head -c "$(( $(stat -c %s faststart.mp4) * 6 / 10 ))" faststart.mp4 > truncated_faststart.mp4
make audio_only.m4a -f lavfi -i "$tone:duration=2" -c:a aac

# CCTV-like: a static scene with sensor noise where one person (a real face) is in view for
# 0.6 s of 8; a keyframe every second. What copying untouched GOPs is for. As a camera writes
# it (Baseline, no B-frames, in MP4), and as an encoder with B-frames does (High) in MP4,
# Matroska and MPEG-TS.
sparse="smptebars=size=640x360:rate=25:duration=8,noise=alls=12:allf=t"
sparse_face="[1:v]scale=160:-2[f];[0:v][f]overlay=240:60:enable='between(t,3.2,3.8)':shortest=1[v]"
make sparse_faces.mp4 -f lavfi -i "$sparse" -loop 1 -i "$assets/grace_hopper.jpg" -f lavfi -i "$tone:duration=8" \
  -filter_complex "$sparse_face" -map "[v]" -map 2 -c:v libx264 -preset veryfast -g 25 -keyint_min 25 -sc_threshold 0 -bf 2 \
  -pix_fmt yuv420p -c:a aac -t 8
make sparse_faces.mkv -i sparse_faces.mp4 -c copy
make sparse_faces.ts -i sparse_faces.mp4 -c copy
make sparse_faces.flv -i sparse_faces.mp4 -c copy
# As DVRs write AVI: Annex B H.264 (parameter sets in band) and G.711 audio.
make sparse_faces.avi -i sparse_faces.mp4 -c:v copy -bsf:v h264_mp4toannexb -c:a pcm_alaw -ar 8000 -ac 1
# AAC in AVI, which FFmpeg 5.1's AVI muxer writes back with every packet at pts 0: refused.
make aac.avi -f lavfi -i "$src:duration=2" -f lavfi -i "$tone:duration=2" -c:v libx264 -preset veryfast -pix_fmt yuv420p -c:a aac -shortest
make sparse_baseline.mp4 -f lavfi -i "$sparse" -loop 1 -i "$assets/grace_hopper.jpg" \
  -filter_complex "$sparse_face" -map "[v]" -c:v libx264 -preset veryfast -profile:v baseline -g 25 -keyint_min 25 -sc_threshold 0 \
  -pix_fmt yuv420p -t 8
make sparse_baseline.h264 -i sparse_baseline.mp4 -c copy -bsf:v h264_mp4toannexb
# HEVC as NVRs write it: closed GOPs (an IDR each second) with the VPS, SPS and PPS in band at
# every one, in MPEG-TS with MP2 audio and as a raw .hevc stream.
make sparse_faces_hevc.ts -f lavfi -i "$sparse" -loop 1 -i "$assets/grace_hopper.jpg" -f lavfi -i "$tone:duration=8" \
  -filter_complex "$sparse_face" -map "[v]" -map 2 -c:v libx265 -preset veryfast \
  -x265-params "log-level=error:keyint=25:min-keyint=25:scenecut=0:open-gop=0:bframes=2:repeat-headers=1" -pix_fmt yuv420p \
  -c:a mp2 -t 8
make sparse_faces.hevc -i sparse_faces_hevc.ts -map 0:v -c copy
# HEVC as phones and cameras write MP4: the parameter sets in the hvcC only (hvc1), and the
# same stream in Matroska.
make sparse_faces_hevc.mp4 -f lavfi -i "$sparse" -loop 1 -i "$assets/grace_hopper.jpg" -f lavfi -i "$tone:duration=8" \
  -filter_complex "$sparse_face" -map "[v]" -map 2 -c:v libx265 -preset veryfast \
  -x265-params "log-level=error:keyint=25:min-keyint=25:scenecut=0:open-gop=0:bframes=2" -tag:v hvc1 -pix_fmt yuv420p \
  -c:a aac -t 8
make sparse_faces_hevc.mkv -i sparse_faces_hevc.mp4 -c copy

touch ".$stamp"
echo "corpus ready in $out"
