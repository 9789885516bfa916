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
        let (ctx, frame) = (owned.context, owned.frame)
        ctx.pointee.width = Int32(width)
        ctx.pointee.height = Int32(height)
        ctx.pointee.pix_fmt = pixelFormat
        ctx.pointee.time_base = AVRational(num: 1, den: 1)
        if let quality {
            ctx.pointee.flags |= AV_CODEC_FLAG_QSCALE
            ctx.pointee.global_quality = Int32(quality) * FF_QP2LAMBDA
            frame.pointee.quality = ctx.pointee.global_quality
        }
        try AVError.check(avcodec_open2(ctx, codec, nil), "", "cannot open the \(name) encoder")
        frame.pointee.width = Int32(width)
        frame.pointee.height = Int32(height)
        frame.pointee.format = pixelFormat.rawValue
        try AVError.check(av_frame_get_buffer(frame, 0), "", "out of memory for a \(width)x\(height) picture")
        if pixelFormat == AV_PIX_FMT_RGB24 {
            let stride = Int(frame.pointee.linesize.0)
            pixels.withUnsafeBufferPointer { src in
                for row in 0..<height {
                    (frame.pointee.data.0! + row * stride).update(from: src.baseAddress! + row * width * 3, count: width * 3)
                }
            }
        } else {
            try convert(into: frame, pixelFormat: pixelFormat)
        }
        let packet = PacketBuffer()
        try AVError.check(avcodec_send_frame(ctx, frame), "", "cannot encode a \(name)")
        try AVError.check(avcodec_receive_packet(ctx, packet.pointer), "", "cannot encode a \(name)")
        return EncodedPacket(packet.pointer).data
    }

    /// RGB into `frame`'s planes in `pixelFormat`, through one swscale context made and freed here.
    private func convert(into frame: UnsafeMutablePointer<AVFrame>, pixelFormat: AVPixelFormat) throws(MediaError) {
        guard let sws = sws_getContext(Int32(width), Int32(height), AV_PIX_FMT_RGB24, Int32(width), Int32(height), pixelFormat,
                                       Int32(SWS_BICUBIC), nil, nil, nil) else {
            throw MediaError(path: "", reason: "cannot convert a \(width)x\(height) picture from RGB")
        }
        defer { sws_freeContext(sws) }
        let scaled = pixels.withUnsafeBufferPointer { src -> Int32 in
            var srcData: [UnsafePointer<UInt8>?] = [src.baseAddress, nil, nil, nil]
            var srcStride: [Int32] = [Int32(width * 3), 0, 0, 0]
            var dstData: [UnsafeMutablePointer<UInt8>?] = [frame.pointee.data.0, frame.pointee.data.1, frame.pointee.data.2, nil]
            var dstStride: [Int32] = [frame.pointee.linesize.0, frame.pointee.linesize.1, frame.pointee.linesize.2, 0]
            return sws_scale(sws, &srcData, &srcStride, 0, Int32(height), &dstData, &dstStride)
        }
        guard scaled == Int32(height) else { throw MediaError(path: "", reason: "cannot convert a \(width)x\(height) picture from RGB") }
    }
}
