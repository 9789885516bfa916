import CFFmpeg
import RedactSupport

/// A packed RGB24 picture, and its PNG and JPEG encodings through libavcodec's own encoders:
/// what the review page and the contact sheet are drawn with.
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

    /// The picture as a PNG file's bytes: lossless, for the contact sheet and the crops.
    public func png() throws(MediaError) -> [UInt8] {
        try encoded(AV_CODEC_ID_PNG, name: "PNG", pixelFormat: AV_PIX_FMT_RGB24)
    }

    /// The picture as a baseline JPEG file's bytes (full-range 4:2:0): about a tenth of the
    /// PNG for camera pictures, for the many whole frames the review page draws on.
    /// `quality` is libavcodec's scale, 2 (best) to 31.
    public func jpeg(quality: Int = 4) throws(MediaError) -> [UInt8] {
        try encoded(AV_CODEC_ID_MJPEG, name: "JPEG", pixelFormat: AV_PIX_FMT_YUVJ420P, quality: quality)
    }

    private func encoded(_ id: AVCodecID, name: String, pixelFormat: AVPixelFormat, quality: Int? = nil) throws(MediaError) -> [UInt8] {
        guard let codec = avcodec_find_encoder(id) else {
            throw MediaError(path: "", reason: "this FFmpeg has no \(name) encoder")
        }
        let owned = try CodecContext(codec, label: "")
        defer { withExtendedLifetime(owned) {} }
        let ctx = owned.context
        ctx.pointee.width = Int32(width)
        ctx.pointee.height = Int32(height)
        ctx.pointee.pix_fmt = pixelFormat
        ctx.pointee.time_base = AVRational(num: 1, den: 1)
        if let quality {
            ctx.pointee.flags |= AV_CODEC_FLAG_QSCALE
            ctx.pointee.global_quality = Int32(quality) * FF_QP2LAMBDA
        }
        try AVError.check(avcodec_open2(ctx, codec, nil), "", "cannot open the \(name) encoder")
        let rgb = try PictureFrame(width: Int32(width), height: Int32(height), format: AV_PIX_FMT_RGB24, label: "")
        let stride = Int(rgb.frame.pointee.linesize.0)
        pixels.withUnsafeBufferPointer { src in
            for row in 0..<height {
                (rgb.frame.pointee.data.0! + row * stride).update(from: src.baseAddress! + row * width * 3, count: width * 3)
            }
        }
        let picture = pixelFormat == AV_PIX_FMT_RGB24 ? rgb : try PictureFrame.converted(rgb.frame, to: pixelFormat, label: "")
        picture.frame.pointee.quality = ctx.pointee.global_quality
        let packet = PacketBuffer()
        try AVError.check(avcodec_send_frame(ctx, picture.frame), "", "cannot encode a \(name)")
        try AVError.check(avcodec_receive_packet(ctx, packet.pointer), "", "cannot encode a \(name)")
        return EncodedPacket(packet.pointer).data
    }
}
