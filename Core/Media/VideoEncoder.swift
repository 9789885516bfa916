import CFFmpeg
import RedactSupport

/// Settings every worker must share so that segments encoded apart join into one stream.
/// Unset, each encoder family uses its own measured default (`x264Default`, `x265Default`):
/// one preset is not the best trade for both.
public struct EncoderSettings: Codable, Equatable, Sendable {
    /// Constant-rate-factor quality; lower is better. nil: the family's default.
    public var crf: Int?
    /// x264/x265 speed preset. nil: the family's default.
    public var preset: String?
    /// The `fast` profile's x264 setting where no preset is given: `superfast` without CABAC
    /// (`x264SpeedFirst`). nil or false: the family's default. x265 and the other families
    /// are the same either way.
    public var speedFirst: Bool?
    public init(crf: Int? = nil, preset: String? = nil, speedFirst: Bool? = nil) {
        self.crf = crf
        self.preset = preset
        self.speedFirst = speedFirst
    }

    /// x264: `veryfast` at CRF 17 rather than `faster` at 18. On the four 720p evaluation
    /// clips, one thread: 37-45% less encoding time, the same SSIM against the source
    /// (within 0.0001; +0.012 on the noisy CCTV clip), PSNR within 0.2 dB (+1.2 dB on
    /// CCTV), 4-8% more bytes (Benchmarks/README.md, "The re-encoder's preset").
    public static let x264Default = (crf: 17, preset: "veryfast")
    /// x265: `faster` at CRF 18. Its `veryfast` is no faster here (100 frames of the same
    /// clips at CRF 17: as fast on two, 19-26% slower on two), so x265 keeps the setting
    /// both families had.
    public static let x265Default = (crf: 18, preset: "faster")

    /// x264 for speed first: `superfast` at the same CRF, and CAVLC rather than CABAC, whose
    /// arithmetic coding costs most where the picture is noisy. 250 frames of each 720p
    /// evaluation clip, one thread, against `veryfast` at CRF 17 (Benchmarks/README.md,
    /// "`balanced` and `fast` remade"): CCTV look 4.8 against 13.5 cpu-s, SSIM 0.9691 against
    /// 0.9677, 1.27 times the bytes; in-car 3.1 against 6.6 cpu-s, SSIM 0.9943 against 0.9939,
    /// 1.69 times the bytes. `ultrafast` was faster still but lost SSIM on clean pictures
    /// (0.991 against 0.994) at 2.2-2.5 times the bytes.
    public static let x264SpeedFirst = (preset: "superfast", cabac: false)

    public var x264: (crf: Int, preset: String, cabac: Bool) {
        let fast = preset == nil && speedFirst == true
        return (crf ?? Self.x264Default.crf, preset ?? (fast ? Self.x264SpeedFirst.preset : Self.x264Default.preset), !fast)
    }
    public var x265: (crf: Int, preset: String) { (crf ?? Self.x265Default.crf, preset ?? Self.x265Default.preset) }
    /// libvpx's constant quality derives from CRF 18 unless one is given (below).
    public var vpxCRF: Int { min(63, max(4, (crf ?? 18) * 5 / 3)) }
}

/// A libavcodec encoder fed frames with their source timestamps, in the source's codec where
/// `EncoderChoice` finds one (H.264 → libx264, HEVC → libx265, MPEG-1/2/4 → libavcodec's
/// own, MJPEG, FFV1, ProRes, VP8/VP9 → libvpx), else libx264. Keeps size, pixel format,
/// colour properties, field order and sample aspect ratio, and every frame's pts (variable
/// frame rate included). x265 writes the average rate into the VUI whatever it is given (it
/// has no variable-rate mode); x264 writes a constant one as fixed and otherwise only the
/// clock tick.
package final class VideoEncoder {
    private let context: UnsafeMutablePointer<AVCodecContext>
    private let packet = PacketBuffer()
    private let label: String
    /// The libavcodec encoder's name.
    package let name: String
    package let choice: EncoderChoice
    /// Set for the encoders that count frames (`FrameCountClock`).
    private var clock: FrameCountClock?
    /// Set where x265's parameter sets must be numbered apart from the source's.
    private let renumbering: HEVCRenumbering?

    /// `globalHeader`: parameter sets in extradata (MP4, MOV, MKV) rather than in-band (TS).
    /// `muxer`: the output container, which limits how frames may be reordered.
    /// `hdr`: the source frames' HDR10 metadata, written into the H.264/HEVC bitstream.
    /// `streamOrigin`: the pts of the stream's first frame, from which encoders that count
    /// frames count (`FrameCountClock`). `parameterSetID`: the parameter set id to write when
    /// copied source GOPs share the stream (`SegmentCopying`): for H.264 one the source does
    /// not use, given to x264; for HEVC 0 (x265's own, in band) or `HEVCRenumbering.id`, which
    /// x265's output is rewritten to.
    package init(source: CodecParameters, timeBase: Rational, frameRate: SourceFrameRate?, settings: EncoderSettings,
                 globalHeader: Bool, muxer: String, hdr: HDRMetadata = HDRMetadata(), streamOrigin: Int64 = 0,
                 parameterSetID: Int? = nil, label: String) throws(MediaError) {
        self.label = label
        let choice: EncoderChoice
        do throws(MediaError) { choice = try EncoderChoice.choose(source: source, muxer: muxer, settings: settings) } catch {
            throw MediaError(path: label, reason: error.reason)
        }
        self.choice = choice
        renumbering = choice.family == .x265 && parameterSetID == HEVCRenumbering.id ? HEVCRenumbering(label: label) : nil
        let name = choice.encoder
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
        if choice.family == .mpegVideo {
            guard let rate = frameRate?.average, rate.num > 0, rate.den > 0 else {
                throw MediaError(path: label, reason: "\(name) needs the video's frame rate, which the source does not state")
            }
            ctx.pointee.time_base = av_inv_q(rate.avRational)
            clock = FrameCountClock(frameDuration: av_rescale_q(1, av_inv_q(rate.avRational), timeBase.avRational), origin: streamOrigin)
        }
        if let frameRate, frameRate.average.num > 0 { ctx.pointee.framerate = frameRate.average.avRational }
        ctx.pointee.sample_aspect_ratio = source.sampleAspectRatio.avRational
        ctx.pointee.color_range = AVColorRange(rawValue: numericCast(source.colorRange))
        ctx.pointee.color_primaries = AVColorPrimaries(rawValue: numericCast(source.colorPrimaries))
        ctx.pointee.color_trc = AVColorTransferCharacteristic(rawValue: numericCast(source.colorTransfer))
        ctx.pointee.colorspace = AVColorSpace(rawValue: numericCast(source.colorSpace))
        ctx.pointee.chroma_sample_location = AVChromaLocation(rawValue: numericCast(source.chromaLocation))
        ctx.pointee.field_order = AVFieldOrder(rawValue: numericCast(source.fieldOrder))
        // Interlaced stays interlaced: the encoder codes fields (their order follows each
        // decoded frame's), or a deinterlacing player would show the fields combed together.
        if [.x264, .mpegVideo].contains(choice.family), [AV_FIELD_TT, AV_FIELD_BB, AV_FIELD_TB, AV_FIELD_BT].contains(ctx.pointee.field_order) {
            ctx.pointee.flags |= AV_CODEC_FLAG_INTERLACED_DCT | AV_CODEC_FLAG_INTERLACED_ME
        }
        if globalHeader { ctx.pointee.flags |= AV_CODEC_FLAG_GLOBAL_HEADER }
        ctx.pointee.thread_count = Int32(Self.threads(for: choice.family))
        var options: OpaquePointer? = nil
        defer { av_dict_free(&options) }
        Self.configure(ctx, &options, choice: choice, source: source, frameRate: frameRate, settings: settings, hdr: hdr,
                       parameterSetID: parameterSetID)
        let opened = avcodec_open2(ctx, codec, &options)
        if opened < 0 {
            // `context` is set, so deinit runs and frees it: freeing it here as well was a
            // double free (a SIGSEGV on an encoder that refuses its settings).
            throw MediaError(path: label, reason: "cannot open \(name) for \(source.width)x\(source.height) \(Self.pixelFormatName(source.format)): \(AVError.message(opened))")
        }
    }

    /// Encoding threads per encoder. Parallelism comes from running segments side by side,
    /// but a file's last segment encodes while its neighbours' slots stand idle: x264 gets two
    /// frame threads so that encode can take a core the others have finished with (short
    /// clips finish 2-4% sooner; while every slot is busy the two share a core). x264's
    /// frame threads are deterministic (same bytes whatever the timing, checked under load),
    /// and the count is fixed, not the machine's, so every worker encodes a segment alike.
    /// Other encoders keep one thread: their threaded output is not known to be repeatable.
    static func threads(for family: EncoderChoice.Family) -> Int { family == .x264 ? ThreadBudget.x264EncoderThreads : 1 }

    /// Rate control, frame types and reordering per encoder family. Keyframes come exactly
    /// where the source has them (`encode(_:keyframe:)` forces each) and nowhere else: no scene
    /// cuts, no interval of the encoder's own, so seeking and NVR players behave as with the
    /// source.
    private static func configure(_ ctx: UnsafeMutablePointer<AVCodecContext>, _ options: inout OpaquePointer?, choice: EncoderChoice,
                                  source: CodecParameters, frameRate: SourceFrameRate?, settings: EncoderSettings, hdr: HDRMetadata,
                                  parameterSetID: Int?) {
        let delay = choice.requiredReorderDelay
        switch choice.family {
        case .x264:
            av_dict_set(&options, "crf", String(settings.x264.crf), 0)
            av_dict_set(&options, "preset", settings.x264.preset, 0)
            // Closed GOPs: every segment starts with an IDR and needs nothing before it.
            // force-cfr: x264 otherwise writes the time base as the VUI's frame rate (a 25 fps
            // MP4 in 1/12800 declared 12800 fps); timestamps pass through unchanged either way.
            // A required delay is x264's own: B-frames with a pyramid reorder by 2, without by 1.
            var params = "open-gop=0:scenecut=0:keyint=infinite" + (frameRate?.isConstant == true ? ":force-cfr=1" : "")
            switch delay {
            case 0: params += ":bframes=0"
            case 1: params += ":bframes=3:b-pyramid=none"
            case 2: params += ":bframes=3:b-pyramid=normal"
            default: break
            }
            if !settings.x264.cabac { params += ":cabac=0" }
            if let id = parameterSetID { params += ":sps-id=\(id)" }
            // An H.264 source's profile and level are kept: a player made for the source (a
            // DVR's Baseline decoder) can play the output, and copied GOPs beside re-encoded
            // ones declare the same.
            if source.codecName == "h264" {
                if let profile = Self.x264Profile(source.profile) { av_dict_set(&options, "profile", profile, 0) }
                if source.level > 0 { params += ":level=\(source.level / 10).\(source.level % 10)" }
            }
            av_dict_set(&options, "x264-params", params + hdr.x264Parameters, 0)
            av_dict_set(&options, "forced-idr", "1", 0)
        case .x265:
            av_dict_set(&options, "crf", String(settings.x265.crf), 0)
            av_dict_set(&options, "preset", settings.x265.preset, 0)
            av_dict_set(&options, "x265-params", "log-level=error:open-gop=0:scenecut=0:keyint=-1\(delay == 0 ? ":bframes=0" : "")" + hdr.x265Parameters, 0)
            av_dict_set(&options, "forced-idr", "1", 0)
        case .mpegVideo:
            // Quantiser 2 of 31 at every frame, whatever the source's rate. Measured on the
            // archive survey's 320x240 clips: 37.8-38.5 dB PSNR against the source (a hidden
            // 32-px zone included), where x264 at CRF 18 gave 37.5.
            ctx.pointee.flags |= AV_CODEC_FLAG_QSCALE | Int32(bitPattern: AV_CODEC_FLAG_CLOSED_GOP)
            ctx.pointee.global_quality = 2 * FF_QP2LAMBDA
            // The longest GOP the MPEG encoders accept without shortening it themselves.
            ctx.pointee.gop_size = 600
            ctx.pointee.max_b_frames = delay == 0 || source.videoDelay == 0 ? 0 : 2
            av_dict_set(&options, "sc_threshold", "1000000000", 0)
            av_dict_set(&options, "b_strategy", "0", 0)
        case .vpx:
            // Constant quality on libvpx's 0-63 scale: CRF 18 becomes 30 (measured on the same
            // clips: VP9 37.3 dB, VP8 35.6 dB, x264 at CRF 18 37.5 dB). No alternate reference
            // frames (invisible frames, shown later) and no look-ahead.
            ctx.pointee.bit_rate = 0
            ctx.pointee.gop_size = 1 << 30
            av_dict_set(&options, "crf", String(settings.vpxCRF), 0)
            av_dict_set(&options, "deadline", "good", 0)
            av_dict_set(&options, "cpu-used", "4", 0)
            av_dict_set(&options, "auto-alt-ref", "0", 0)
            av_dict_set(&options, "lag-in-frames", "0", 0)
        case .intra:
            ctx.pointee.gop_size = 1
            if choice.encoder == "mjpeg" {
                ctx.pointee.flags |= AV_CODEC_FLAG_QSCALE
                ctx.pointee.global_quality = 2 * FF_QP2LAMBDA
            } else if choice.encoder == "prores_ks" {
                // The source's ProRes flavour (Proxy, LT, 422, HQ, 4444), which sets its rate.
                // (prores_ks numbers them as the decoder reports them: 0 Proxy ... 5 4444 XQ.)
                if (0...5).contains(source.profile) { av_dict_set(&options, "profile", String(source.profile), 0) }
            } else if choice.encoder == "ffv1" {
                // FFV1 version 3 with per-slice checksums, as archives write it.
                av_dict_set(&options, "level", "3", 0)
                av_dict_set(&options, "slicecrc", "1", 0)
            }
        }
    }

    /// x264's name for an H.264 profile (FFmpeg's numbering); Extended, which x264 cannot
    /// write, as Baseline, the subset every Extended decoder plays.
    static func x264Profile(_ profile: Int32) -> String? {
        switch profile & ~Int32(FF_PROFILE_H264_CONSTRAINED | FF_PROFILE_H264_INTRA) {
        case 66, 88: "baseline"
        case 77: "main"
        case 100: "high"
        case 110: "high10"
        case 122: "high422"
        case 244: "high444"
        default: nil
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
        var parameters = CodecParameters(par)
        if let renumbering {
            // Its VPS, SPS and PPS only: they are what the stitch lists beside the source's in
            // one hvcC, and what a re-render reads back from there (x265's information SEI,
            // its version string, would be lost on the way and the two would not match).
            let sets = HEVCParameterSets(extradata: parameters.extradata)
            parameters.extradata = try renumbering.annexB(NALFraming.annexB(sets.video + sets.sequence + sets.picture))
        }
        return parameters
    }

    /// Encodes a frame (nil drains) and hands back every packet it frees. `keyframe`: the
    /// source's frame at this time was a keyframe, so this one is coded as an IDR.
    package func encode(_ frame: UnsafeMutablePointer<AVFrame>?, keyframe: Bool = false, _ body: (EncodedPacket) -> Void) throws(MediaError) {
        var sourcePts: Int64?
        if let frame {
            frame.pointee.pict_type = keyframe ? AV_PICTURE_TYPE_I : AV_PICTURE_TYPE_NONE
            if clock != nil {
                sourcePts = frame.pointee.pts
                frame.pointee.pts = clock!.count(for: frame.pointee.pts)
            }
        }
        let sent = avcodec_send_frame(context, frame)
        if let frame, let sourcePts { frame.pointee.pts = sourcePts }
        if sent < 0, sent != AVError.eof { throw MediaError(path: label, reason: "cannot encode a frame: \(AVError.message(sent))") }
        while true {
            packet.unref()
            let got = avcodec_receive_packet(context, packet.pointer)
            if got == AVError.again || got == AVError.eof { return }
            try AVError.check(got, label, "cannot encode a frame")
            var encoded = EncodedPacket(packet.pointer)
            if let clock {
                encoded.pts = clock.time(of: encoded.pts)
                if encoded.dts != EncodedPacket.noTimestamp { encoded.dts = clock.time(of: encoded.dts) }
                encoded.duration = clock.frameDuration
            }
            if let renumbering { encoded.data = try renumbering.annexB(encoded.data) }
            body(encoded)
        }
    }

    package static func pixelFormatName(_ format: Int32) -> String {
        av_get_pix_fmt_name(AVPixelFormat(rawValue: format)).map { String(cString: $0) } ?? "format \(format)"
    }
}
