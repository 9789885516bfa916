import CFFmpeg

/// What probe says of one stream.
public struct StreamReport: Codable, Equatable, Sendable {
    public var index: Int
    public var type: String
    public var codec: String
    public var profile: String?
    public var timeBase: Rational
    public var bitRate: Int64?
    public var durationSeconds: Double?
    public var language: String?
    public var disposition: [String]
    // Video
    public var width: Int?
    public var height: Int?
    public var pixelFormat: String?
    public var sampleAspectRatio: Rational?
    public var colorRange: String?
    public var colorPrimaries: String?
    public var colorTransfer: String?
    public var colorSpace: String?
    public var chromaLocation: String?
    public var rotationDegrees: Double?
    public var averageFrameRate: Rational?
    /// The frame rate when the container's header says every frame lasts as long: libavformat's
    /// guess of the base rate (`r_frame_rate`) equals the average. nil when they differ (the
    /// rate varies, or frames were dropped) or either is unknown. Known before any packet is
    /// read, which is when segments start to be encoded.
    public var constantFrameRate: Rational?
    public var variableFrameRate: Bool?
    // Audio
    public var sampleRate: Int?
    public var channels: Int?
    public var channelLayout: String?
    public var sampleFormat: String?

    package init(_ st: UnsafeMutablePointer<AVStream>) {
        let par = st.pointee.codecpar.pointee
        index = Int(st.pointee.index)
        type = av_get_media_type_string(par.codec_type).map { String(cString: $0) } ?? "unknown"
        codec = String(cString: avcodec_get_name(par.codec_id))
        profile = avcodec_profile_name(par.codec_id, par.profile).map { String(cString: $0) }
        timeBase = Rational(st.pointee.time_base)
        bitRate = par.bit_rate > 0 ? par.bit_rate : nil
        durationSeconds = st.pointee.duration > 0 ? Double(st.pointee.duration) * timeBase.doubleValue : nil
        language = av_dict_get(st.pointee.metadata, "language", nil, 0).map { String(cString: $0.pointee.value) }
        var flags: [String] = []
        let names: [(Int32, String)] = [(AV_DISPOSITION_DEFAULT, "default"), (AV_DISPOSITION_FORCED, "forced"),
                                        (AV_DISPOSITION_HEARING_IMPAIRED, "hearing-impaired"),
                                        (AV_DISPOSITION_VISUAL_IMPAIRED, "visual-impaired"),
                                        (AV_DISPOSITION_COMMENT, "comment"), (AV_DISPOSITION_ATTACHED_PIC, "attached-pic")]
        for (bit, name) in names where st.pointee.disposition & bit != 0 { flags.append(name) }
        disposition = flags
        if par.codec_type == AVMEDIA_TYPE_VIDEO {
            width = Int(par.width)
            height = Int(par.height)
            pixelFormat = av_get_pix_fmt_name(AVPixelFormat(rawValue: par.format)).map { String(cString: $0) }
            sampleAspectRatio = par.sample_aspect_ratio.num > 0 ? Rational(par.sample_aspect_ratio) : nil
            colorRange = av_color_range_name(par.color_range).map { String(cString: $0) }
            colorPrimaries = av_color_primaries_name(par.color_primaries).map { String(cString: $0) }
            colorTransfer = av_color_transfer_name(par.color_trc).map { String(cString: $0) }
            colorSpace = av_color_space_name(par.color_space).map { String(cString: $0) }
            chromaLocation = av_chroma_location_name(par.chroma_location).map { String(cString: $0) }
            let rotation = rf_stream_rotation(st)
            rotationDegrees = rotation.isNaN ? nil : rotation
            // A raw MPEG-4 stream states no average (0/0), only its base rate: the rate its
            // frames are timed at here, so the average too.
            let base = st.pointee.r_frame_rate
            let stated = st.pointee.avg_frame_rate
            let average = stated.num > 0 && stated.den > 0 ? stated : base
            averageFrameRate = average.den > 0 && average.num > 0 ? Rational(average) : (stated.den > 0 ? Rational(stated) : nil)
            constantFrameRate = base.num > 0 && base.den > 0 && av_cmp_q(base, average) == 0 ? Rational(base) : nil
        }
        if par.codec_type == AVMEDIA_TYPE_AUDIO {
            sampleRate = Int(par.sample_rate)
            channels = Int(rf_codecpar_channels(st.pointee.codecpar))
            var buffer = [CChar](repeating: 0, count: 128)
            rf_channel_layout_describe(st.pointee.codecpar, &buffer, buffer.count)
            channelLayout = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            sampleFormat = av_get_sample_fmt_name(AVSampleFormat(rawValue: par.format)).map { String(cString: $0) }
        }
    }
}
