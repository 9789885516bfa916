import CFFmpeg
import RedactSupport

/// A decoded picture as the redaction core sees it: a borrowed `AVFrame` (valid only while
/// the decoder callback runs) with its presentation timestamp.
public struct VideoFrame {
    package let frame: UnsafeMutablePointer<AVFrame>

    public init(_ frame: UnsafeMutablePointer<AVFrame>) {
        self.frame = frame
    }

    public var width: Int { Int(frame.pointee.width) }
    public var height: Int { Int(frame.pointee.height) }
    public var pts: Int64 { frame.presentationTimestamp }
    package var pixelFormat: AVPixelFormat { AVPixelFormat(rawValue: frame.pointee.format) }
}

/// Converts frames to packed RGB24 at a chosen size with libswscale, reusing its context and
/// buffer from frame to frame.
package final class RGBConverter {
    private var context: OpaquePointer? = nil
    /// The picture, packed (`width` x 3 bytes a row), then at least `slack` bytes swscale may
    /// write into.
    package private(set) var buffer: [UInt8] = []
    package private(set) var width = 0
    package private(set) var height = 0
    /// swscale's packed-RGB writers store 8 pixels at a time, so a row whose width is not a
    /// multiple of 8 is written up to 7 pixels past its end: into the next row, which is
    /// written after it, but past the buffer on the last row (review's crops, of any even
    /// width, corrupted the heap).
    static let slack = 64

    /// The picture alone, without the slack.
    package var pixels: [UInt8] { Array(buffer.prefix(width * height * 3)) }

    package init() {}

    deinit { sws_freeContext(context) }

    /// A rectangle of a frame in whole pixels, aligned to the chroma subsampling so every
    /// plane can be offset to it exactly.
    package struct Crop: Equatable {
        package var x: Int, y: Int, width: Int, height: Int
        package init(x: Int, y: Int, width: Int, height: Int) { (self.x, self.y, self.width, self.height) = (x, y, width, height) }
    }

    /// Converts the whole frame, or the `crop` of it, scaled to `w` x `h`.
    package func convert(_ f: VideoFrame, crop: Crop? = nil, toWidth w: Int, height h: Int) throws(MediaError) {
        let c = crop ?? Crop(x: 0, y: 0, width: f.width, height: f.height)
        context = sws_getCachedContext(context, Int32(c.width), Int32(c.height), f.pixelFormat,
                                       Int32(w), Int32(h), AV_PIX_FMT_RGB24, SWS_BILINEAR, nil, nil, nil)
        guard let context, let desc = av_pix_fmt_desc_get(f.pixelFormat) else {
            throw MediaError(path: "", reason: "cannot convert \(f.width)x\(f.height) frames to RGB")
        }
        let chromaX = Int(desc.pointee.log2_chroma_w), chromaY = Int(desc.pointee.log2_chroma_h)
        let bytesPerSample = desc.pointee.comp.0.depth > 8 ? 2 : 1
        let planes = Int(av_pix_fmt_count_planes(f.pixelFormat))
        // Grown, never shrunk: passes at 2x, 1x and 0.5x and crops of every size take turns,
        // and a fresh buffer each time was fresh pages for the kernel to clear each time.
        if buffer.count < w * h * 3 + Self.slack { buffer = [UInt8](repeating: 0, count: w * h * 3 + Self.slack) }
        width = w
        height = h
        let scaled = buffer.withUnsafeMutableBufferPointer { dst -> Int32 in
            var dstData: [UnsafeMutablePointer<UInt8>?] = [dst.baseAddress, nil, nil, nil]
            var dstStride: [Int32] = [Int32(w * 3), 0, 0, 0]
            return withUnsafePointer(to: f.frame.pointee.data) { dataTuple in
                withUnsafePointer(to: f.frame.pointee.linesize) { strideTuple in
                    dataTuple.withMemoryRebound(to: UnsafePointer<UInt8>?.self, capacity: 8) { src in
                        strideTuple.withMemoryRebound(to: Int32.self, capacity: 8) { srcStride in
                            // Point each plane at the crop's corner, in that plane's own pixels.
                            var origin: [UnsafePointer<UInt8>?] = (0..<4).map { i in
                                guard i < planes, let base = src[i] else { return nil }
                                let chroma = i == 1 || i == 2
                                let px = chroma ? c.x >> chromaX : c.x, py = chroma ? c.y >> chromaY : c.y
                                return base + py * Int(srcStride[i]) + px * bytesPerSample
                            }
                            return sws_scale(context, &origin, srcStride, 0, Int32(c.height), &dstData, &dstStride)
                        }
                    }
                }
            }
        }
        guard scaled > 0 else { throw MediaError(path: "", reason: "frame conversion to RGB failed") }
    }
}
