import CFFmpeg
import RedactSupport

/// One picture (a cover art stream's single packet) decoded into a frame the redaction core
/// can edit, and encoded back in the source's codec and pixel format at the same size.
/// Pictures in RGB (PNG, BMP) are edited as full-range planar YUV 4:4:4 (with alpha when
/// they have it) and converted back; JPEG and other YUV pictures are edited as decoded.
public final class StillPicture {
    /// The picture being edited.
    public var frame: UnsafeMutablePointer<AVFrame> { edited.frame }
    private let edited: PictureFrame
    public let codecName: String
    private let codecID: AVCodecID
    private let decodedFormat: AVPixelFormat
    private let decoded: CodecContext

    /// Whether the picture decoded only in part (a truncated or corrupt file), which
    /// `acceptDamage` lets through; without it such a picture is refused.
    public let isDamaged: Bool

    public var width: Int { Int(frame.pointee.width) }
    public var height: Int { Int(frame.pointee.height) }

    /// Decodes `packet`, which stream `index` of `input` carries, refusing what cannot be
    /// edited or written back, and a damaged picture unless `acceptDamage`: libavcodec shows
    /// what it can of a cut JPEG without an error, so "nothing found" would describe only
    /// the part that decoded while the file still carries the rest.
    public init(packet: [UInt8], stream index: Int, of input: MediaInput, acceptDamage: Bool = false) throws(MediaError) {
        let par = input.stream(index).pointee.codecpar!
        codecID = par.pointee.codec_id
        codecName = String(cString: avcodec_get_name(codecID))
        let label = "cover art (stream \(index), \(codecName))"
        guard let decoder = avcodec_find_decoder(codecID) else { throw MediaError(path: label, reason: "this FFmpeg has no decoder for it") }
        decoded = try CodecContext(decoder, label: label)
        try AVError.check(avcodec_parameters_to_context(decoded.context, par), label, "cannot set up its decoder")
        if !acceptDamage { decoded.context.pointee.err_recognition |= AV_EF_EXPLODE }
        try AVError.check(avcodec_open2(decoded.context, decoder, nil), label, "cannot open its decoder")
        let damage = "is damaged (it decodes only in part); --accept-damage redacts what decodes and writes that back, recorded as damaged, or --drop-streams cover leaves it out"
        let pkt = PacketBuffer()
        try AVError.check(av_new_packet(pkt.pointer, Int32(packet.count)), label, "out of memory")
        packet.withUnsafeBufferPointer { pkt.pointer.pointee.data.update(from: $0.baseAddress!, count: packet.count) }
        let sent = avcodec_send_packet(decoded.context, pkt.pointer)
        if sent == AVError.invalidData && !acceptDamage { throw MediaError(path: label, reason: damage) }
        try AVError.check(sent, label, "cannot be decoded")
        try AVError.check(avcodec_send_packet(decoded.context, nil), label, "cannot be decoded")
        let received = avcodec_receive_frame(decoded.context, decoded.frame)
        if received == AVError.invalidData && !acceptDamage { throw MediaError(path: label, reason: damage) }
        try AVError.check(received, label, "cannot be decoded")
        isDamaged = decoded.frame.isDamaged || (codecID == AV_CODEC_ID_MJPEG && !Self.endsItsLastScan(packet))
        if isDamaged && !acceptDamage { throw MediaError(path: label, reason: damage) }
        decodedFormat = AVPixelFormat(rawValue: decoded.frame.pointee.format)
        guard let desc = av_pix_fmt_desc_get(decodedFormat) else { throw MediaError(path: label, reason: "decodes to an unknown pixel format") }
        if desc.pointee.flags & UInt64(AV_PIX_FMT_FLAG_RGB) != 0 || desc.pointee.flags & UInt64(AV_PIX_FMT_FLAG_PAL) != 0 {
            let hasAlpha = desc.pointee.flags & UInt64(AV_PIX_FMT_FLAG_ALPHA) != 0
            edited = try PictureFrame.converted(decoded.frame, to: hasAlpha ? AV_PIX_FMT_YUVA444P : AV_PIX_FMT_YUVJ444P, label: label)
        } else {
            edited = try PictureFrame(cloning: decoded.frame, label: label)
        }
    }

    /// The picture as one packet of the source's codec, in the pixel format it decoded to.
    public func encoded() throws(MediaError) -> [UInt8] {
        let label = "cover art (\(codecName))"
        guard let encoder = avcodec_find_encoder(codecID) else { throw MediaError(path: label, reason: "this FFmpeg has no encoder to write it back") }
        let owned = try CodecContext(encoder, label: label)
        let ctx = owned.context
        ctx.pointee.width = frame.pointee.width
        ctx.pointee.height = frame.pointee.height
        ctx.pointee.pix_fmt = decodedFormat
        ctx.pointee.time_base = AVRational(num: 1, den: 25)
        ctx.pointee.color_range = decoded.context.pointee.color_range
        if codecID == AV_CODEC_ID_MJPEG {
            // Near-lossless outside the hidden regions: the picture is encoded once more.
            ctx.pointee.flags |= AV_CODEC_FLAG_QSCALE
            ctx.pointee.global_quality = 2 * FF_QP2LAMBDA
        }
        try AVError.check(avcodec_open2(ctx, encoder, nil), label, "cannot be written back in \(codecName) as \(String(cString: av_get_pix_fmt_name(decodedFormat)))")
        let written = AVPixelFormat(rawValue: frame.pointee.format) == decodedFormat
            ? edited : try PictureFrame.converted(frame, to: decodedFormat, label: label)
        let out = written.frame
        out.pointee.pts = 0
        out.pointee.quality = ctx.pointee.global_quality
        let packet = PacketBuffer()
        try AVError.check(avcodec_send_frame(ctx, out), label, "cannot be encoded")
        try AVError.check(avcodec_send_frame(ctx, nil), label, "cannot be encoded")
        try AVError.check(avcodec_receive_packet(ctx, packet.pointer), label, "cannot be encoded")
        return EncodedPacket(packet.pointer).data
    }

    /// Whether a JPEG's last scan is closed by an end-of-image marker. Entropy-coded data
    /// never holds FF D9 (an FF there is stuffed as FF 00), and an embedded EXIF thumbnail's
    /// EOI comes before the main image's scans, so a cut file has none after its last SOS.
    static func endsItsLastScan(_ jpeg: [UInt8]) -> Bool {
        var lastScan = -1, lastEnd = -1
        var i = 0
        while i + 1 < jpeg.count {
            if jpeg[i] == 0xFF {
                if jpeg[i + 1] == 0xDA { lastScan = i } else if jpeg[i + 1] == 0xD9 { lastEnd = i }
            }
            i += 1
        }
        return lastScan >= 0 && lastEnd > lastScan
    }
}

extension MediaInput {
    /// The picture an attached-picture stream carries (what the demuxer hands out as the
    /// stream's one packet).
    public func attachedPicture(stream index: Int) -> [UInt8]? {
        let st = stream(index)
        guard st.pointee.disposition & AV_DISPOSITION_ATTACHED_PIC != 0, let data = st.pointee.attached_pic.data,
              st.pointee.attached_pic.size > 0 else { return nil }
        return Array(UnsafeBufferPointer(start: data, count: Int(st.pointee.attached_pic.size)))
    }
}
