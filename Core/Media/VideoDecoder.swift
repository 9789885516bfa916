import CFFmpeg
import RedactSupport

/// A libavcodec video decoder fed packets in decode order, handing back frames in
/// presentation order. The frame passed to the callback is only valid during the call.
public final class VideoDecoder {
    private let owned: CodecContext
    private var context: UnsafeMutablePointer<AVCodecContext> { owned.context }
    private var frame: UnsafeMutablePointer<AVFrame> { owned.frame }
    private let packet = PacketBuffer()
    private let label: String
    /// Whether a picture nothing refers to can be left undecoded without touching any other
    /// (`decode(_:skipIfUnreferenced:)`): H.264's `nal_ref_idc` 0 and MPEG-1/2's B pictures
    /// are never referenced. HEVC's "sub-layer non-reference" pictures may still be referenced
    /// from a higher temporal layer, so HEVC and every other codec decode everything.
    public let canSkipUnreferenced: Bool

    /// `threads`: 0 lets libavcodec choose; frame threading keeps output order and content.
    /// `orderOnly` skips the loop filter and the inverse transform: the pictures are wrong but
    /// come out in the same order and number, which is all `PresentationOrder` reads.
    public init(codec: CodecParameters, timeBase: Rational, threads: Int = 0, label: String = "", orderOnly: Bool = false) throws(MediaError) {
        self.label = label
        guard let decoder = avcodec_find_decoder(AVCodecID(rawValue: numericCast(codec.codecID))) else {
            throw MediaError(path: label, reason: "no decoder for \(codec.codecName)")
        }
        owned = try CodecContext(decoder, label: label)
        canSkipUnreferenced = [AV_CODEC_ID_H264, AV_CODEC_ID_MPEG2VIDEO, AV_CODEC_ID_MPEG1VIDEO].contains(decoder.pointee.id)
        let ctx = owned.context
        let par = avcodec_parameters_alloc()!
        var ownedPar: UnsafeMutablePointer<AVCodecParameters>? = par
        defer { avcodec_parameters_free(&ownedPar) }
        try codec.apply(to: par)
        try AVError.check(avcodec_parameters_to_context(ctx, par), label, "cannot configure the \(codec.codecName) decoder")
        ctx.pointee.pkt_timebase = timeBase.avRational
        ctx.pointee.thread_count = Int32(threads)
        if orderOnly {
            ctx.pointee.skip_loop_filter = AVDISCARD_ALL
            ctx.pointee.skip_idct = AVDISCARD_ALL
        }
        try AVError.check(avcodec_open2(ctx, decoder, nil), label, "cannot open the \(codec.codecName) decoder")
    }

    /// Decodes one packet (nil drains the decoder) and calls `body` for each frame it frees.
    /// `skipIfUnreferenced`: the packet's picture is wanted only as a reference for others
    /// (a decode-only prefix frame nobody looks at); where `canSkipUnreferenced`, a picture no
    /// other picture refers to is then not decoded at all and gives no frame.
    public func decode(_ p: EncodedPacket?, skipIfUnreferenced: Bool = false,
                       _ body: (UnsafeMutablePointer<AVFrame>) throws(MediaError) -> Void) throws(MediaError) {
        // Read per packet as it is sent (frame threads copy it from here at submission).
        context.pointee.skip_frame = skipIfUnreferenced && canSkipUnreferenced ? AVDISCARD_NONREF : AVDISCARD_DEFAULT
        packet.unref()
        if let p { try p.fill(packet.pointer) }
        let sent = avcodec_send_packet(context, p == nil ? nil : packet.pointer)
        if sent < 0, sent != AVError.eof {
            throw MediaError(path: label, reason: "cannot decode a frame (\(AVError.message(sent)))")
        }
        while true {
            let got = avcodec_receive_frame(context, frame)
            if got == AVError.again || got == AVError.eof { return }
            try AVError.check(got, label, "cannot decode a frame")
            defer { av_frame_unref(frame) }
            try body(frame)
        }
    }
}

extension UnsafeMutablePointer where Pointee == AVFrame {
    /// The frame's presentation timestamp as the packets carried it.
    package var presentationTimestamp: Int64 {
        pointee.pts != EncodedPacket.noTimestamp ? pointee.pts : pointee.best_effort_timestamp
    }

    var isDamaged: Bool {
        pointee.decode_error_flags != 0 || pointee.flags & AV_FRAME_FLAG_CORRUPT != 0
    }
}
