import CFFmpeg
import RedactSupport

/// Audio as the muter edits it: one array of samples per channel, in -1…1.
typealias PlanarSamples = [[Float]]

/// A libavcodec audio decoder that hands back every packet's samples untrimmed
/// (`AV_CODEC_FLAG2_SKIP_MANUAL`): packet n decodes to the samples at its own timestamp, the
/// encoder's priming included, so the muter can line re-encoded packets up one for one.
final class AudioDecoder {
    private let owned: CodecContext
    private var context: UnsafeMutablePointer<AVCodecContext> { owned.context }
    private var frame: UnsafeMutablePointer<AVFrame> { owned.frame }
    private let packet = PacketBuffer()
    private let label: String

    init(parameters: UnsafePointer<AVCodecParameters>, timeBase: AVRational, label: String) throws(MediaError) {
        self.label = label
        let name = String(cString: avcodec_get_name(parameters.pointee.codec_id))
        guard let decoder = avcodec_find_decoder(parameters.pointee.codec_id) else {
            throw MediaError(path: label, reason: "no decoder for the \(name) audio")
        }
        owned = try CodecContext(decoder, label: label)
        let ctx = owned.context
        try AVError.check(avcodec_parameters_to_context(ctx, parameters), label, "cannot configure the \(name) decoder")
        ctx.pointee.pkt_timebase = timeBase
        ctx.pointee.flags2 |= AV_CODEC_FLAG2_SKIP_MANUAL
        try AVError.check(avcodec_open2(ctx, decoder, nil), label, "cannot open the \(name) decoder")
    }

    /// The frames one packet decodes to (nil drains the decoder), as float planar samples.
    func decode(_ p: EncodedPacket?) throws(MediaError) -> [PlanarSamples] {
        packet.unref()
        if let p { try p.fill(packet.pointer) }
        let sent = avcodec_send_packet(context, p == nil ? nil : packet.pointer)
        if sent < 0, sent != AVError.eof {
            throw MediaError(path: label, reason: "cannot decode the audio (\(AVError.message(sent)))")
        }
        var frames: [PlanarSamples] = []
        while true {
            let got = avcodec_receive_frame(context, frame)
            if got == AVError.again || got == AVError.eof { return frames }
            try AVError.check(got, label, "cannot decode the audio")
            defer { av_frame_unref(frame) }
            guard let samples = SampleConversion.planar(frame) else {
                let format = av_get_sample_fmt_name(AVSampleFormat(rawValue: frame.pointee.format)).map { String(cString: $0) } ?? "?"
                throw MediaError(path: label, reason: "the audio decodes to \(format) samples, which the muter does not read")
            }
            frames.append(samples)
        }
    }
}

/// A libavcodec audio encoder set up like the source stream: the same codec, sample rate,
/// channel layout and bitrate. Frames in, packets out, timed in samples (time base 1/rate).
final class AudioEncoder {
    private let owned: CodecContext
    private var context: UnsafeMutablePointer<AVCodecContext> { owned.context }
    private var frame: UnsafeMutablePointer<AVFrame> { owned.frame }
    private let packet = PacketBuffer()
    private let label: String

    init(like parameters: UnsafePointer<AVCodecParameters>, bitRate: Int64, label: String) throws(MediaError) {
        self.label = label
        let par = parameters.pointee
        let name = String(cString: avcodec_get_name(par.codec_id))
        guard let encoder = avcodec_find_encoder(par.codec_id) else {
            throw MediaError(path: label, reason: "this FFmpeg has no \(name) encoder to write the muted audio with")
        }
        owned = try CodecContext(encoder, label: label)
        let ctx = owned.context
        ctx.pointee.sample_rate = par.sample_rate
        ctx.pointee.time_base = AVRational(num: 1, den: par.sample_rate)
        var layout = par.ch_layout
        try AVError.check(av_channel_layout_copy(&ctx.pointee.ch_layout, &layout), label, "cannot copy the channel layout")
        ctx.pointee.sample_fmt = encoder.pointee.sample_fmts?.pointee ?? AVSampleFormat(rawValue: par.format)
        ctx.pointee.bit_rate = bitRate
        if par.codec_id == AV_CODEC_ID_AAC { ctx.pointee.profile = FF_PROFILE_AAC_LOW }
        // The AudioSpecificConfig comes out as extradata, to be checked against the source's.
        ctx.pointee.flags |= AV_CODEC_FLAG_GLOBAL_HEADER
        try AVError.check(avcodec_open2(ctx, encoder, nil), label,
                          "cannot open the \(name) encoder like the source (\(par.sample_rate) Hz, \(par.ch_layout.nb_channels) channels)")
    }

    /// Samples per packet; 0 when any number goes (PCM).
    var frameSize: Int { Int(context.pointee.frame_size) }
    /// Priming samples the encoder puts before the first input sample: a packet's pts is its
    /// input's less this, so packet and decoded samples share one clock.
    var initialPadding: Int { Int(context.pointee.initial_padding) }
    var extradata: [UInt8] {
        guard let data = context.pointee.extradata, context.pointee.extradata_size > 0 else { return [] }
        return Array(UnsafeBufferPointer(start: data, count: Int(context.pointee.extradata_size)))
    }

    /// Encodes `samples` starting at sample time `pts` (nil drains the encoder); the packets it frees.
    func encode(_ samples: PlanarSamples?, pts: Int64) throws(MediaError) -> [EncodedPacket] {
        var sent: Int32
        if let samples {
            av_frame_unref(frame)
            frame.pointee.nb_samples = Int32(samples.first?.count ?? 0)
            frame.pointee.format = context.pointee.sample_fmt.rawValue
            frame.pointee.sample_rate = context.pointee.sample_rate
            try AVError.check(av_channel_layout_copy(&frame.pointee.ch_layout, &context.pointee.ch_layout), label, "cannot copy the channel layout")
            try AVError.check(av_frame_get_buffer(frame, 0), label, "out of memory for audio samples")
            SampleConversion.write(samples, into: frame)
            frame.pointee.pts = pts
            sent = avcodec_send_frame(context, frame)
        } else {
            sent = avcodec_send_frame(context, nil)
        }
        if sent < 0, sent != AVError.eof { throw MediaError(path: label, reason: "cannot encode the muted audio (\(AVError.message(sent)))") }
        var packets: [EncodedPacket] = []
        while true {
            packet.unref()
            let got = avcodec_receive_packet(context, packet.pointer)
            if got == AVError.again || got == AVError.eof { return packets }
            try AVError.check(got, label, "cannot encode the muted audio")
            packets.append(EncodedPacket(packet.pointer))
        }
    }
}

/// Between libavcodec's sample formats and float planar samples, packed or planar, 8 to 64 bits.
enum SampleConversion {
    /// The frame's samples, or nil for a format not listed.
    static func planar(_ frame: UnsafeMutablePointer<AVFrame>) -> PlanarSamples? {
        let format = AVSampleFormat(rawValue: frame.pointee.format)
        let n = Int(frame.pointee.nb_samples), channels = Int(frame.pointee.ch_layout.nb_channels)
        let planar = av_sample_fmt_is_planar(format) != 0
        guard let read = reader(av_get_packed_sample_fmt(format)) else { return nil }
        var out = PlanarSamples(repeating: [Float](repeating: 0, count: n), count: channels)
        for c in 0..<channels {
            guard let plane = frame.pointee.extended_data[planar ? c : 0] else { return nil }
            for i in 0..<n { out[c][i] = read(plane, planar ? i : i * channels + c) }
        }
        return out
    }

    /// Writes `samples` into the frame's buffers in its format (which `reader` must know).
    static func write(_ samples: PlanarSamples, into frame: UnsafeMutablePointer<AVFrame>) {
        let format = AVSampleFormat(rawValue: frame.pointee.format)
        let channels = samples.count
        let planar = av_sample_fmt_is_planar(format) != 0
        guard let put = writer(av_get_packed_sample_fmt(format)) else { return }
        for c in 0..<channels {
            guard let plane = frame.pointee.extended_data[planar ? c : 0] else { continue }
            for (i, x) in samples[c].enumerated() { put(plane, planar ? i : i * channels + c, max(-1, min(1, x))) }
        }
    }

    private static func reader(_ packed: AVSampleFormat) -> ((UnsafeMutablePointer<UInt8>, Int) -> Float)? {
        switch packed {
        case AV_SAMPLE_FMT_U8: { p, i in (Float(p[i]) - 128) / 128 }
        case AV_SAMPLE_FMT_S16: { p, i in p.withMemoryRebound(to: Int16.self, capacity: i + 1) { Float($0[i]) / 32768 } }
        case AV_SAMPLE_FMT_S32: { p, i in p.withMemoryRebound(to: Int32.self, capacity: i + 1) { Float(Double($0[i]) / 2147483648) } }
        case AV_SAMPLE_FMT_S64: { p, i in p.withMemoryRebound(to: Int64.self, capacity: i + 1) { Float(Double($0[i]) / 9.223372036854775808e18) } }
        case AV_SAMPLE_FMT_FLT: { p, i in p.withMemoryRebound(to: Float.self, capacity: i + 1) { $0[i] } }
        case AV_SAMPLE_FMT_DBL: { p, i in p.withMemoryRebound(to: Double.self, capacity: i + 1) { Float($0[i]) } }
        default: nil
        }
    }

    private static func writer(_ packed: AVSampleFormat) -> ((UnsafeMutablePointer<UInt8>, Int, Float) -> Void)? {
        switch packed {
        case AV_SAMPLE_FMT_U8: { p, i, x in p[i] = UInt8(max(0, min(255, (x * 128 + 128).rounded()))) }
        case AV_SAMPLE_FMT_S16: { p, i, x in p.withMemoryRebound(to: Int16.self, capacity: i + 1) { $0[i] = Int16(max(-32768, min(32767, (x * 32768).rounded()))) } }
        case AV_SAMPLE_FMT_S32: { p, i, x in p.withMemoryRebound(to: Int32.self, capacity: i + 1) { $0[i] = Int32(max(-2147483648, min(2147483647, (Double(x) * 2147483648).rounded()))) } }
        case AV_SAMPLE_FMT_S64: { p, i, x in p.withMemoryRebound(to: Int64.self, capacity: i + 1) { $0[i] = Int64(max(-9.2e18, min(9.2e18, (Double(x) * 9.223372036854775808e18).rounded()))) } }
        case AV_SAMPLE_FMT_FLT: { p, i, x in p.withMemoryRebound(to: Float.self, capacity: i + 1) { $0[i] = x } }
        case AV_SAMPLE_FMT_DBL: { p, i, x in p.withMemoryRebound(to: Double.self, capacity: i + 1) { $0[i] = Double(x) } }
        default: nil
        }
    }
}
