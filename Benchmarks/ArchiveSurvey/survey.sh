#!/bin/bash
# The archive survey (issue 12): generates kinds of archive file with ffmpeg into DIR
# (default /tmp/archive-survey), runs a zones-only redaction of each with the release build,
# and prints per kind whether every frame's pts and duration came back (framemd5), the
# video's codec, tag, range, field order and frame count before and after, or why it was
# refused. Usage: Benchmarks/ArchiveSurvey/survey.sh [KIND.ext ...]  (make release first)
root="$(cd "$(dirname "$0")/../.." && pwd)"
dir="${SURVEY_DIR:-/tmp/archive-survey}"
mkdir -p "$dir" && cd "$dir"
export REDACTFARM_MODELS="$root/.cache/assets"
RF="$root/.build/release/redactfarm"
ff() { ffmpeg -nostdin -hide_banner -loglevel error -y "$@"; }
src="testsrc2=size=320x240:rate=25:duration=4"
tone="sine=frequency=440:sample_rate=48000:duration=4"
mk() { local n=$1; shift; [ -s "$n" ] || ff "$@" "$n"; }
mk raw.h264 -f lavfi -i "$src" -c:v libx264 -preset veryfast -bf 3 -g 25 -pix_fmt yuv420p
mk raw.hevc -f lavfi -i "$src" -c:v libx265 -preset ultrafast -x265-params log-level=error:keyint=25 -pix_fmt yuv420p
mk ps.mpg -f lavfi -i "$src" -f lavfi -i "$tone" -c:v mpeg2video -bf 2 -g 12 -c:a mp2 -f mpeg
mk dvd.vob -f lavfi -i "$src" -f lavfi -i "$tone" -c:v mpeg2video -bf 2 -g 12 -c:a ac3 -f vob
mk xvid_b.avi -f lavfi -i "$src" -c:v mpeg4 -vtag XVID -bf 2 -g 25 -q:v 4
mk h264_b.avi -f lavfi -i "$src" -c:v libx264 -preset veryfast -bf 2 -g 25 -pix_fmt yuv420p
mk twovideo.mp4 -f lavfi -i "$src" -f lavfi -i "testsrc=size=320x240:rate=25:duration=4" -map 0 -map 1 -c:v libx264 -preset veryfast -g 25 -pix_fmt yuv420p
mk fourcams.mkv -f lavfi -i "$src" -f lavfi -i "testsrc=size=352x288:rate=15:duration=4" -f lavfi -i "testsrc2=size=640x360:rate=30:duration=4" -f lavfi -i "testsrc=size=176x144:rate=10:duration=4" -f lavfi -i "$tone" -map 0 -map 1 -map 2 -map 3 -map 4 -c:v libx264 -preset veryfast -g 25 -pix_fmt yuv420p -c:a aac
mk hevc10.mp4 -f lavfi -i "$src" -c:v libx265 -preset ultrafast -x265-params log-level=error:keyint=25 -pix_fmt yuv420p10le -tag:v hvc1
mk prores.mov -f lavfi -i "$src" -c:v prores_ks -profile:v 2 -pix_fmt yuv422p10le
mk base.mp4 -f lavfi -i "$src" -f lavfi -i "$tone" -c:v libx264 -preset veryfast -bf 2 -g 25 -pix_fmt yuv420p -c:a aac
mk editlist.mp4 -ss 1.3 -i base.mp4 -c copy
mk vp8.webm -f lavfi -i "$src" -c:v libvpx -deadline realtime -cpu-used 8 -g 25
mk vp9.webm -f lavfi -i "$src" -c:v libvpx-vp9 -deadline realtime -cpu-used 8 -g 25
mk wmv.wmv -f lavfi -i "$src" -f lavfi -i "$tone" -c:v wmv2 -g 25 -c:a wmav2
mk mxf.mxf -f lavfi -i "$src" -f lavfi -i "$tone" -c:v mpeg2video -bf 2 -g 12 -b:v 5M -c:a pcm_s16le -ar 48000
mk tswrap.ts -f lavfi -i "$src" -f lavfi -i "$tone" -c:v libx264 -preset veryfast -bf 2 -g 25 -pix_fmt yuv420p -c:a mp2 -output_ts_offset 95442.5
mk raw.mjpeg -f lavfi -i "$src" -c:v mjpeg -q:v 5 -pix_fmt yuvj420p -f mjpeg
mk frag.mp4 -f lavfi -i "$src" -c:v libx264 -preset veryfast -g 25 -pix_fmt yuv420p -movflags frag_keyframe+empty_moov+default_base_moof
mk interlaced.ts -f lavfi -i "testsrc2=size=720x576:rate=25:duration=4" -c:v libx264 -preset veryfast -flags +ildct+ilme -x264-params tff=1 -g 25 -pix_fmt yuv420p
mk mpeg2.ts -f lavfi -i "$src" -c:v mpeg2video -g 12 -bf 2 -color_range tv -colorspace bt470bg -color_primaries bt470bg -color_trc gamma28
mk ffv1.mkv -f lavfi -i "$src" -c:v ffv1 -g 25
mk flv.flv -f lavfi -i "$src" -f lavfi -i "$tone" -c:v libx264 -preset veryfast -g 25 -pix_fmt yuv420p -c:a aac
mk start10.mp4 -f lavfi -i "$src" -c:v libx264 -preset veryfast -g 25 -pix_fmt yuv420p -output_ts_offset 10
mk mkv_h264.mkv -f lavfi -i "$src" -f lavfi -i "$tone" -c:v libx264 -preset veryfast -bf 3 -g 25 -pix_fmt yuv420p -c:a opus -strict -2
mk raw.m4v -f lavfi -i "$src" -c:v mpeg4 -bf 2 -g 25 -f m4v
mk raw.m2v -f lavfi -i "$src" -c:v mpeg2video -bf 2 -g 12 -f mpeg2video
mk interlaced.vob -f lavfi -i "testsrc2=size=720x576:rate=25:duration=4" -f lavfi -i "$tone" -c:v mpeg2video -flags +ildct+ilme -top 1 -bf 2 -g 12 -c:a ac3 -f vob
mk mjpeg.avi -f lavfi -i "$src" -c:v mjpeg -q:v 3 -pix_fmt yuvj422p
mk notiming.hevc -f lavfi -i "testsrc2=size=320x240:rate=30:duration=2" -c:v libx265 -preset ultrafast -x265-params log-level=error:keyint=30:vui-timing-info=0:bframes=2 -pix_fmt yuv420p
mk h264_10bit.mp4 -f lavfi -i "$src" -c:v libx264 -preset veryfast -pix_fmt yuv420p10le
mk carphone_10bit.mkv -i "$root/.cache/assets/carphone_pristine.mp4" -c:v libx265 -preset ultrafast -x265-params log-level=error:keyint=25 -pix_fmt yuv420p10le
mk odd_422.avi -f lavfi -i "testsrc2=size=721x577:rate=25:duration=1" -c:v mjpeg -pix_fmt yuvj422p
mk raw422.avi -f lavfi -i "testsrc2=size=320x240:rate=25:duration=0.4" -c:v rawvideo -pix_fmt yuv422p
mk coverart.mp4 -f lavfi -i "$src" -i "$root/.cache/assets/grace_hopper.jpg" -map 0 -map 1 -c:v:0 libx264 -preset veryfast -pix_fmt yuv420p -c:v:1 mjpeg -disposition:v:1 attached_pic
mk asf_h264.asf -f lavfi -i "$src" -f lavfi -i "$tone" -c:v libx264 -preset veryfast -bf 0 -g 25 -pix_fmt yuv420p -c:a wmav2
mk msmpeg4.wmv -f lavfi -i "$src" -f lavfi -i "$tone" -c:v msmpeg4 -g 25 -c:a wmav2
mk frag_midgop.mp4 -i base.mp4 -c copy -frag_duration 700000 -movflags empty_moov+default_base_moof
for f in ${@:-asf_h264.asf msmpeg4.wmv frag_midgop.mp4 raw.h264 raw.hevc ps.mpg dvd.vob xvid_b.avi h264_b.avi twovideo.mp4 fourcams.mkv hevc10.mp4 prores.mov editlist.mp4 vp8.webm vp9.webm wmv.wmv mxf.mxf tswrap.ts raw.mjpeg frag.mp4 interlaced.ts mpeg2.ts ffv1.mkv flv.flv start10.mp4 mkv_h264.mkv raw.m4v raw.m2v interlaced.vob mjpeg.avi notiming.hevc h264_10bit.mp4 carphone_10bit.mkv odd_422.avi raw422.avi coverart.mp4}; do
  out=out/$f; mkdir -p out; rm -f $out $out.*
  err=$($RF run $f -o $out --targets none --zone 0,0,32,32 --overwrite 2>&1 >/dev/null | grep -v "^\[" | tail -1); rc=$?
  if [ -s $out ]; then
    # Every video stream's frames (each stream's in order, the streams in turn).
    a=$(ffmpeg -nostdin -v error -copyts -i $f -map 0:v -fps_mode passthrough -f framemd5 - | grep -v "^#" | awk -F, '{print $1,$3,$4}' | sort -s -n -k1,1 | md5sum | cut -c1-8)
    b=$(ffmpeg -nostdin -v error -copyts -i $out -map 0:v -fps_mode passthrough -f framemd5 - | grep -v "^#" | awk -F, '{print $1,$3,$4}' | sort -s -n -k1,1 | md5sum | cut -c1-8)
    na=$(ffprobe -v error -select_streams v:0 -count_frames -show_entries stream=nb_read_frames,codec_name,codec_tag_string,field_order,color_range -of csv=p=0 $f)
    nb=$(ffprobe -v error -select_streams v:0 -count_frames -show_entries stream=nb_read_frames,codec_name,codec_tag_string,field_order,color_range -of csv=p=0 $out)
    dur=$(ffprobe -v error -select_streams v:0 -show_entries packet=duration -of csv=p=0 $out | grep -c "N/A")
    echo "$f | OUT ts $([ $a = $b ] && echo same || echo DIFF) | src $na | out $nb | dur N/A $dur | $err"
  else
    echo "$f | REFUSED | $err"
  fi
done
