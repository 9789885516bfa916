import CFFmpeg
import RedactSupport

/// Which libavcodec encoder writes a source's redacted frames back, decided before any work:
/// the source's own codec wherever this FFmpeg has an encoder for it that takes the source's
/// pixel format (an MPEG-2 DVD stays MPEG-2, an Xvid AVI stays MPEG-4 Part 2, FFV1 stays
/// lossless), otherwise H.264 with libx264, said in a note that probe, `run` and the manifest
/// carry.
package struct EncoderChoice: Sendable, Equatable {
    package enum Family: Sendable, Equatable {
        case x264, x265
        /// libavcodec's MPEG-1, MPEG-2 and MPEG-4 Part 2 encoders: quantiser-driven, B-frames
        /// without a pyramid.
        case mpegVideo
        /// Intra-only: MJPEG, ProRes, the lossless capture codecs, and FFV1 coded with a
        /// keyframe at every frame.
        case intra
        /// libvpx's VP8 and VP9, without alternate reference frames (nothing reordered).
        case vpx
    }

    /// The libavcodec encoder's name.
    package let encoder: String
    package let family: Family
    /// The reorder delay, in frames, the output must have: an AVI's timing is its decode order
    /// shifted by its decoder's delay, so the output's must be the source's. nil: any.
    package let requiredReorderDelay: Int?
    /// Why the output's codec differs from the source's; nil when it is the same.
    package let note: String?

    private static let ownEncoders: [String: (String, Family)] = [
        "h264": ("libx264", .x264), "hevc": ("libx265", .x265),
        "mpeg1video": ("mpeg1video", .mpegVideo), "mpeg2video": ("mpeg2video", .mpegVideo), "mpeg4": ("mpeg4", .mpegVideo),
        "mjpeg": ("mjpeg", .intra), "ffv1": ("ffv1", .intra), "prores": ("prores_ks", .intra),
        "vp8": ("libvpx", .vpx), "vp9": ("libvpx-vp9", .vpx),
        // Windows Media Video 7 and 8 and the MS-MPEG-4 before them (WMV 9 / VC-1 has no
        // encoder in libavcodec: it becomes H.264).
        "wmv1": ("wmv1", .mpegVideo), "wmv2": ("wmv2", .mpegVideo), "msmpeg4v2": ("msmpeg4v2", .mpegVideo),
        "msmpeg4v3": ("msmpeg4", .mpegVideo),
        // Lossless and uncompressed capture formats stay what they are.
        "rawvideo": ("rawvideo", .intra), "huffyuv": ("huffyuv", .intra), "ffvhuff": ("ffvhuff", .intra),
        "utvideo": ("utvideo", .intra), "magicyuv": ("magicyuv", .intra), "v210": ("v210", .intra),
    ]

    /// Codecs whose sources are lossless: re-encoded as anything but themselves, they stop
    /// being so.
    static let losslessCodecs: Set<String> = ["ffv1", "huffyuv", "ffvhuff", "utvideo", "rawvideo", "png", "qtrle", "magicyuv", "v210", "r210"]

    package static func choose(source: CodecParameters, muxer: String, settings: EncoderSettings) throws(MediaError) -> EncoderChoice {
        let sourceCodec = source.codecName
        var (encoder, family) = ("libx264", Family.x264)
        var note: String?
        if let (own, ownFamily) = ownEncoders[sourceCodec] {
            if let why = unusable(own, format: source.format) {
                note = "the \(sourceCodec) video is re-encoded as h264 (libx264, CRF \(settings.x264.crf)): \(why)"
            } else {
                (encoder, family) = (own, ownFamily)
            }
        } else {
            note = "the \(sourceCodec) video is re-encoded as h264 (libx264, CRF \(settings.x264.crf)): this build has no \(sourceCodec) encoder"
        }
        if let n = note, losslessCodecs.contains(sourceCodec) { note = n + ", so the output is no longer lossless" }

        let required: Int?
        switch muxer {
        case "avi":
            required = Int(max(0, source.videoDelay))
        case "mxf", "mxf_d10", "mxf_opatom":
            // FFmpeg's MXF muxer indexes reordering for MPEG-2 only: an H.264 with B-frames
            // came back with pts == dts, decoded frames going backwards.
            required = encoder == "mpeg2video" ? nil : 0
        case "asf", "asf_stream":
            // FFmpeg's ASF muxer stores each packet's decode time as its presentation time:
            // reordered frames would lose their own, and the muxer would shift every stream by
            // the first negative decode time (an H.264 with B-frames moved all by 37 ms).
            required = 0
        default:
            // Never reorder deeper than the source: a stream shown as decoded (most CCTV
            // cameras') re-encoded with B-frames decodes them before their pts, ahead of the
            // source's decode times, which a fragmented MP4 (no edit list to shift them back)
            // cannot hold: every timestamp after moved.
            required = source.videoDelay < 2 ? delays(family).filter { $0 <= source.videoDelay }.max() : nil
        }
        if let required, !delays(family).contains(required) {
            throw MediaError(path: "", reason: "a\(muxer == "avi" ? "n AVI" : " \(muxer)") file's frames are shown \(required) frame(s) behind their decode order here, which \(encoder) cannot reproduce (it reorders by \(delays(family).map(String.init).joined(separator: " or ")))")
        }
        return EncoderChoice(encoder: encoder, family: family, requiredReorderDelay: required, note: note)
    }

    /// What the manifest says when the output's video codec is not the source's: from the
    /// stream as written, not as planned.
    package static func codecChangeNote(source: String, written: String) -> String? {
        guard source != written else { return nil }
        return "the \(source) video was re-encoded as \(written)" + (losslessCodecs.contains(source) && !losslessCodecs.contains(written) ? ", so the output is no longer lossless" : "")
    }

    /// The reorder delays each family can be set to give.
    private static func delays(_ family: Family) -> [Int] {
        switch family {
        case .x264: [0, 1, 2]
        case .mpegVideo: [0, 1]
        case .x265, .intra, .vpx: [0]
        }
    }

    /// Why `name` cannot write frames of `format`, or nil if it can.
    private static func unusable(_ name: String, format: Int32) -> String? {
        guard let codec = avcodec_find_encoder_by_name(name) else { return "this build has no \(name) encoder" }
        guard let formats = codec.pointee.pix_fmts else { return nil }
        var i = 0
        while formats[i] != AV_PIX_FMT_NONE {
            if formats[i].rawValue == format { return nil }
            i += 1
        }
        return "\(name) cannot write \(VideoEncoder.pixelFormatName(format)) frames"
    }
}
