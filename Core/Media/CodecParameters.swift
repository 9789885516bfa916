import CFFmpeg
import RedactSupport

/// A value copy of the video fields of `AVCodecParameters`: what a decoder needs to start and
/// what a muxer needs to write the stream header. It travels inside every segment, so a
/// worker can decode a segment with nothing else, and a stitch can check that every segment
/// agrees on the stream it is joining.
public struct CodecParameters: Equatable, Sendable {
    public var mediaType: Int32
    public var codecID: UInt32
    public var codecTag: UInt32
    public var extradata: [UInt8]
    public var format: Int32
    public var bitRate: Int64
    public var bitsPerCodedSample: Int32
    public var bitsPerRawSample: Int32
    public var profile: Int32
    public var level: Int32
    public var width: Int32
    public var height: Int32
    public var sampleAspectRatio: Rational
    public var fieldOrder: UInt32
    public var colorRange: UInt32
    public var colorPrimaries: UInt32
    public var colorTransfer: UInt32
    public var colorSpace: UInt32
    public var chromaLocation: UInt32
    public var videoDelay: Int32

    public init(_ par: UnsafePointer<AVCodecParameters>) {
        let p = par.pointee
        mediaType = numericCast(p.codec_type.rawValue)
        codecID = numericCast(p.codec_id.rawValue)
        codecTag = p.codec_tag
        if let data = p.extradata, p.extradata_size > 0 {
            extradata = Array(UnsafeBufferPointer(start: data, count: Int(p.extradata_size)))
        } else {
            extradata = []
        }
        format = p.format
        bitRate = p.bit_rate
        bitsPerCodedSample = p.bits_per_coded_sample
        bitsPerRawSample = p.bits_per_raw_sample
        profile = p.profile
        level = p.level
        width = p.width
        height = p.height
        sampleAspectRatio = Rational(p.sample_aspect_ratio)
        fieldOrder = numericCast(p.field_order.rawValue)
        colorRange = numericCast(p.color_range.rawValue)
        colorPrimaries = numericCast(p.color_primaries.rawValue)
        colorTransfer = numericCast(p.color_trc.rawValue)
        colorSpace = numericCast(p.color_space.rawValue)
        chromaLocation = numericCast(p.chroma_location.rawValue)
        videoDelay = p.video_delay
    }

    /// A stream's extradata as it is (for an attachment: the attached file).
    package static func extradata(of st: UnsafeMutablePointer<AVStream>) -> [UInt8] {
        let p = st.pointee.codecpar.pointee
        guard let data = p.extradata, p.extradata_size > 0 else { return [] }
        return Array(UnsafeBufferPointer(start: data, count: Int(p.extradata_size)))
    }

    /// Writes these values into `par`, replacing its extradata.
    public func apply(to par: UnsafeMutablePointer<AVCodecParameters>) throws(MediaError) {
        par.pointee.codec_type = AVMediaType(rawValue: numericCast(mediaType))
        par.pointee.codec_id = AVCodecID(rawValue: numericCast(codecID))
        par.pointee.codec_tag = codecTag
        av_freep(&par.pointee.extradata)
        par.pointee.extradata_size = 0
        if !extradata.isEmpty {
            guard let buffer = av_mallocz(extradata.count + Int(AV_INPUT_BUFFER_PADDING_SIZE)) else {
                throw MediaError(path: "", reason: "out of memory for codec extradata")
            }
            let bytes = buffer.assumingMemoryBound(to: UInt8.self)
            extradata.withUnsafeBufferPointer { bytes.update(from: $0.baseAddress!, count: extradata.count) }
            par.pointee.extradata = bytes
            par.pointee.extradata_size = Int32(extradata.count)
        }
        par.pointee.format = format
        par.pointee.bit_rate = bitRate
        par.pointee.bits_per_coded_sample = bitsPerCodedSample
        par.pointee.bits_per_raw_sample = bitsPerRawSample
        par.pointee.profile = profile
        par.pointee.level = level
        par.pointee.width = width
        par.pointee.height = height
        par.pointee.sample_aspect_ratio = sampleAspectRatio.avRational
        par.pointee.field_order = AVFieldOrder(rawValue: numericCast(fieldOrder))
        par.pointee.color_range = AVColorRange(rawValue: numericCast(colorRange))
        par.pointee.color_primaries = AVColorPrimaries(rawValue: numericCast(colorPrimaries))
        par.pointee.color_trc = AVColorTransferCharacteristic(rawValue: numericCast(colorTransfer))
        par.pointee.color_space = AVColorSpace(rawValue: numericCast(colorSpace))
        par.pointee.chroma_location = AVChromaLocation(rawValue: numericCast(chromaLocation))
        par.pointee.video_delay = videoDelay
    }

    /// The codec libavcodec knows by `name` (as `codecName` and stream reports give it).
    package static func codecID(named name: String) -> AVCodecID? {
        avcodec_descriptor_get_by_name(name).map { $0.pointee.id }
    }

    public var codecName: String { String(cString: avcodec_get_name(AVCodecID(rawValue: numericCast(codecID)))) }

    /// Whether segments with these two parameter sets can be joined into one stream
    /// without a decoder noticing: same codec, geometry, pixel format and parameter sets.
    public func isJoinable(with other: CodecParameters) -> Bool {
        codecID == other.codecID && width == other.width && height == other.height
            && format == other.format && (extradata == other.extradata || sameAnnexBUnits(as: other))
    }

    /// Annex B extradata that lists the same NAL units behind other start codes (x265 puts
    /// its SEI behind three bytes, a re-render's reading of the hvcC behind four).
    private func sameAnnexBUnits(as other: CodecParameters) -> Bool {
        guard extradata.first == 0, other.extradata.first == 0 else { return false }
        return NALFraming.units(annexB: extradata) == NALFraming.units(annexB: other.extradata)
    }
}

/// An exact rational, as FFmpeg's time bases and aspect ratios are.
public struct Rational: Equatable, Hashable, Sendable, Codable, CustomStringConvertible {
    public var num: Int32
    public var den: Int32

    public init(num: Int32, den: Int32) {
        self.num = num
        self.den = den
    }

    public init(_ q: AVRational) {
        self.num = q.num
        self.den = q.den
    }

    public var avRational: AVRational { AVRational(num: num, den: den) }
    public var doubleValue: Double { den == 0 ? 0 : Double(num) / Double(den) }
    public var description: String { "\(num)/\(den)" }
}
