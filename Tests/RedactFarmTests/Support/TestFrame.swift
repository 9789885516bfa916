import CFFmpeg
@testable import RedactCore
@testable import RedactIntegrity
@testable import RedactMedia
@testable import RedactSupport
@testable import RedactTransport
@testable import RedactVision
@testable import Redaction

/// An 8-bit frame owned by a test, filled with a pattern whose every pixel differs from its
/// neighbours, so any change to it shows.
final class TestFrame {
    let frame: UnsafeMutablePointer<AVFrame>

    init(width: Int32 = 64, height: Int32 = 48, format: AVPixelFormat = AV_PIX_FMT_YUV420P) {
        var f = av_frame_alloc()!
        f.pointee.width = width
        f.pointee.height = height
        f.pointee.format = format.rawValue
        precondition(av_frame_get_buffer(f, 0) >= 0)
        frame = f
        _ = f
        for plane in 0..<Int(av_pix_fmt_count_planes(format)) {
            let p = Self.plane(frame, plane)
            for y in 0..<p.height { for x in 0..<p.width { p.base[y * p.stride + x] = UInt8((x * 7 + y * 13 + plane * 50) % 251) } }
        }
        _ = withUnsafeMutablePointer(to: &f) { $0 }
    }

    deinit {
        var f: UnsafeMutablePointer<AVFrame>? = frame
        av_frame_free(&f)
    }

    var view: VideoFrame { VideoFrame(frame) }

    struct Plane {
        var base: UnsafeMutablePointer<UInt8>
        var stride: Int
        var width: Int
        var height: Int
    }

    static func plane(_ frame: UnsafeMutablePointer<AVFrame>, _ i: Int) -> Plane {
        let desc = av_pix_fmt_desc_get(AVPixelFormat(rawValue: frame.pointee.format))!.pointee
        let chroma = i == 1 || i == 2
        let w = Int(frame.pointee.width), h = Int(frame.pointee.height)
        let base = withUnsafePointer(to: frame.pointee.data) { $0.withMemoryRebound(to: UnsafeMutablePointer<UInt8>?.self, capacity: 8) { $0[i]! } }
        let stride = withUnsafePointer(to: frame.pointee.linesize) { $0.withMemoryRebound(to: Int32.self, capacity: 8) { Int($0[i]) } }
        return Plane(base: base, stride: stride,
                     width: chroma ? (w + (1 << desc.log2_chroma_w) - 1) >> desc.log2_chroma_w : w,
                     height: chroma ? (h + (1 << desc.log2_chroma_h) - 1) >> desc.log2_chroma_h : h)
    }

    func luma(_ x: Int, _ y: Int) -> UInt8 {
        let p = Self.plane(frame, 0)
        return p.base[y * p.stride + x]
    }

    /// Every luma value, row by row.
    var lumaPixels: [UInt8] {
        let p = Self.plane(frame, 0)
        return (0..<p.height).flatMap { y in (0..<p.width).map { p.base[y * p.stride + $0] } }
    }
}
