import CFFmpeg
import RedactSupport

/// A packed RGB24 picture, and its PNG encoding through libavcodec's own PNG encoder: what
/// the review page and the contact sheet are drawn with.
public struct RGBImage: Sendable {
    public var width: Int
    public var height: Int
    public var pixels: [UInt8]

    public init(width: Int, height: Int, pixels: [UInt8]) {
        self.width = width
        self.height = height
        self.pixels = pixels
    }

    /// A blank picture of one colour.
    public init(width: Int, height: Int, fill: (UInt8, UInt8, UInt8)) {
        self.init(width: width, height: height, pixels: [UInt8](repeating: 0, count: width * height * 3))
        for i in 0..<(width * height) { (pixels[3 * i], pixels[3 * i + 1], pixels[3 * i + 2]) = fill }
    }

    /// Copies `other` in with its top-left corner at (x, y), clipped to this picture.
    public mutating func paste(_ other: RGBImage, x: Int, y: Int) {
        for row in 0..<other.height where y + row >= 0 && y + row < height {
            let from = max(0, -x), to = min(other.width, width - x)
            guard from < to else { continue }
            let src = (row * other.width + from) * 3, dst = ((y + row) * width + x + from) * 3
            pixels.replaceSubrange(dst..<(dst + (to - from) * 3), with: other.pixels[src..<(src + (to - from) * 3)])
        }
    }

    /// The picture as a PNG file's bytes.
    public func png() throws(MediaError) -> [UInt8] {
        guard let codec = avcodec_find_encoder(AV_CODEC_ID_PNG) else {
            throw MediaError(path: "", reason: "this FFmpeg has no PNG encoder")
        }
        let owned = try CodecContext(codec, label: "")
        defer { withExtendedLifetime(owned) {} }
        let (ctx, frame) = (owned.context, owned.frame)
        ctx.pointee.width = Int32(width)
        ctx.pointee.height = Int32(height)
        ctx.pointee.pix_fmt = AV_PIX_FMT_RGB24
        ctx.pointee.time_base = AVRational(num: 1, den: 1)
        try AVError.check(avcodec_open2(ctx, codec, nil), "", "cannot open the PNG encoder")
        frame.pointee.width = Int32(width)
        frame.pointee.height = Int32(height)
        frame.pointee.format = AV_PIX_FMT_RGB24.rawValue
        try AVError.check(av_frame_get_buffer(frame, 0), "", "out of memory for a \(width)x\(height) picture")
        let stride = Int(frame.pointee.linesize.0)
        pixels.withUnsafeBufferPointer { src in
            for row in 0..<height {
                (frame.pointee.data.0! + row * stride).update(from: src.baseAddress! + row * width * 3, count: width * 3)
            }
        }
        let packet = PacketBuffer()
        try AVError.check(avcodec_send_frame(ctx, frame), "", "cannot encode a PNG")
        try AVError.check(avcodec_receive_packet(ctx, packet.pointer), "", "cannot encode a PNG")
        return EncodedPacket(packet.pointer).data
    }
}
