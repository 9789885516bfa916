import CFFmpeg
import RedactSupport

/// Settings every worker must share so that segments encoded apart join into one stream.
public struct EncoderSettings: Codable, Equatable, Sendable {
    /// Constant-rate-factor quality; lower is better. 18 is close to visually lossless.
    public var crf: Int = 18
    /// x264/x265 speed preset. `faster` rather than `fast`: on the 720p ground truth at CRF 18
    /// it encodes in 25% less time for 0.3 dB less PSNR (48.0 against 48.3) at the same size.
    public var preset: String = "faster"
    public init(crf: Int = 18, preset: String = "faster") {
        self.crf = crf
        self.preset = preset
    }
}

/// A libavcodec encoder fed frames with their source timestamps, in the source's codec family:
/// H.264 → libx264, HEVC → libx265, anything else → libx264. Keeps size, pixel format, colour
/// properties and sample aspect ratio, and every frame's pts (variable frame rate included).
/// x265 writes the average rate into the VUI whatever it is given (it has no variable-rate
/// mode); x264 writes a constant one as fixed and otherwise only the clock tick.
package final class VideoEncoder {
    private let context: UnsafeMutablePointer<AVCodecContext>
    private let packet = PacketBuffer()
    private let label: String
    /// The libavcodec encoder: libx264 or libx265.
    package let name: String

    /// `globalHeader`: parameter sets in extradata (MP4, MOV, MKV) rather than in-band (TS).
    /// `allowReordering`: false for containers without separate pts (AVI): no B-frames.
    package init(source: CodecParameters, timeBase: Rational, frameRate: SourceFrameRate?, settings: EncoderSettings,
         globalHeader: Bool, allowReordering: Bool, label: String) throws(MediaError) {
        self.label = label
        let sourceID = AVCodecID(rawValue: numericCast(source.codecID))
        let name = sourceID == AV_CODEC_ID_HEVC ? "libx265" : "libx264"
        self.name = name
        guard let codec = avcodec_find_encoder_by_name(name) else {
            throw MediaError(path: label, reason: "encoder \(name) is not available in this FFmpeg build")
        }
        guard let ctx = avcodec_alloc_context3(codec) else { throw MediaError(path: label, reason: "out of memory", transient: true) }
        context = ctx
        ctx.pointee.width = source.width
        ctx.pointee.height = source.height
        ctx.pointee.pix_fmt = AVPixelFormat(rawValue: source.format)
        ctx.pointee.time_base = timeBase.avRational
        if let frameRate, frameRate.average.num > 0 { ctx.pointee.framerate = frameRate.average.avRational }
        ctx.pointee.sample_aspect_ratio = source.sampleAspectRatio.avRational
        ctx.pointee.color_range = AVColorRange(rawValue: numericCast(source.colorRange))
        ctx.pointee.color_primaries = AVColorPrimaries(rawValue: numericCast(source.colorPrimaries))
        ctx.pointee.color_trc = AVColorTransferCharacteristic(rawValue: numericCast(source.colorTransfer))
        ctx.pointee.colorspace = AVColorSpace(rawValue: numericCast(source.colorSpace))
        ctx.pointee.chroma_sample_location = AVChromaLocation(rawValue: numericCast(source.chromaLocation))
        ctx.pointee.field_order = AVFieldOrder(rawValue: numericCast(source.fieldOrder))
        // Interlaced stays interlaced: x264 codes fields (its field order follows each
        // decoded frame's), or a deinterlacing player would show the fields combed together.
        if name == "libx264", [AV_FIELD_TT, AV_FIELD_BB, AV_FIELD_TB, AV_FIELD_BT].contains(ctx.pointee.field_order) {
            ctx.pointee.flags |= AV_CODEC_FLAG_INTERLACED_DCT | AV_CODEC_FLAG_INTERLACED_ME
        }
        if globalHeader { ctx.pointee.flags |= AV_CODEC_FLAG_GLOBAL_HEADER }
        // One thread per encoder: parallelism comes from running segments side by side, and
        // frame threading would make output depend on timing.
        ctx.pointee.thread_count = 1
        if !allowReordering { ctx.pointee.max_b_frames = 0 }
        var options: OpaquePointer? = nil
        defer { av_dict_free(&options) }
        av_dict_set(&options, "crf", String(settings.crf), 0)
        av_dict_set(&options, "preset", settings.preset, 0)
        // Keyframes exactly where the source has them (`encode(_:keyframe:)` forces each, as
        // an IDR), and nowhere else: no scene cuts, no interval of the encoder's own, so seeking
        // and NVR players behave as they did with the source.
        if name == "libx265" {
            av_dict_set(&options, "x265-params", "log-level=error:open-gop=0:scenecut=0:keyint=-1\(allowReordering ? "" : ":bframes=0")", 0)
        } else {
            // Closed GOPs: every segment starts with an IDR and needs nothing before it.
            // force-cfr: x264 otherwise writes the time base as the VUI's frame rate (a 25 fps
            // MP4 in 1/12800 declared 12800 fps); timestamps pass through unchanged either way.
            av_dict_set(&options, "x264-params", "open-gop=0:scenecut=0:keyint=infinite" + (frameRate?.isConstant == true ? ":force-cfr=1" : ""), 0)
        }
        av_dict_set(&options, "forced-idr", "1", 0)
        let opened = avcodec_open2(ctx, codec, &options)
        if opened < 0 {
            // `context` is set, so deinit runs and frees it: freeing it here as well was a
            // double free (a SIGSEGV on an encoder that refuses its settings).
            throw MediaError(path: label, reason: "cannot open \(name) for \(source.width)x\(source.height) \(Self.pixelFormatName(source.format)): \(AVError.message(opened))")
        }
    }

    deinit {
        var ctx: UnsafeMutablePointer<AVCodecContext>? = context
        avcodec_free_context(&ctx)
    }

    /// The stream parameters of what this encoder produces (extradata included).
    package func parameters() throws(MediaError) -> CodecParameters {
        let par = avcodec_parameters_alloc()!
        var owned: UnsafeMutablePointer<AVCodecParameters>? = par
        defer { avcodec_parameters_free(&owned) }
        try AVError.check(avcodec_parameters_from_context(par, context), label, "cannot read encoder parameters")
        return CodecParameters(par)
    }

    /// Encodes a frame (nil drains) and hands back every packet it frees. `keyframe`: the
    /// source's frame at this time was a keyframe, so this one is coded as an IDR.
    package func encode(_ frame: UnsafeMutablePointer<AVFrame>?, keyframe: Bool = false, _ body: (EncodedPacket) -> Void) throws(MediaError) {
        if let frame {
            frame.pointee.pict_type = keyframe ? AV_PICTURE_TYPE_I : AV_PICTURE_TYPE_NONE
        }
        let sent = avcodec_send_frame(context, frame)
        if sent < 0, sent != AVError.eof { throw MediaError(path: label, reason: "cannot encode a frame: \(AVError.message(sent))") }
        while true {
            packet.unref()
            let got = avcodec_receive_packet(context, packet.pointer)
            if got == AVError.again || got == AVError.eof { return }
            try AVError.check(got, label, "cannot encode a frame")
            body(EncodedPacket(packet.pointer))
        }
    }

    /// Codecs whose sources are lossless: re-encoded, they stop being so.
    static let losslessCodecs: Set<String> = ["ffv1", "huffyuv", "ffvhuff", "utvideo", "rawvideo", "png", "qtrle", "magicyuv", "v210", "r210"]

    /// What the operator should know when the redacted video leaves the source's codec (only
    /// H.264 and HEVC are written back in their own): nil when it stays. Said by probe and
    /// `run` before any work, and kept in the manifest's notes.
    package static func reencodingNote(sourceCodec: String, settings: EncoderSettings) -> String? {
        guard !["h264", "hevc"].contains(sourceCodec) else { return nil }
        let lossless = losslessCodecs.contains(sourceCodec) ? ", so the output is no longer lossless" : ""
        return "the \(sourceCodec) video is re-encoded as h264 (libx264, CRF \(settings.crf)): only H.264 and HEVC are written back in their own codec\(lossless)"
    }

    package static func pixelFormatName(_ format: Int32) -> String {
        av_get_pix_fmt_name(AVPixelFormat(rawValue: format)).map { String(cString: $0) } ?? "format \(format)"
    }
}
