import CFFmpeg

/// A decoded picture as the redaction core sees it: a borrowed `AVFrame` (valid only while
/// the decoder callback runs) with its presentation timestamp.
public struct VideoFrame {
    let frame: UnsafeMutablePointer<AVFrame>

    public init(_ frame: UnsafeMutablePointer<AVFrame>) {
        self.frame = frame
    }

    public var width: Int { Int(frame.pointee.width) }
    public var height: Int { Int(frame.pointee.height) }
    public var pts: Int64 { frame.presentationTimestamp }
    var pixelFormat: AVPixelFormat { AVPixelFormat(rawValue: frame.pointee.format) }
}

/// Converts frames to packed RGB24 at a chosen size with libswscale, reusing its context and
/// buffer from frame to frame.
final class RGBConverter {
    private var context: OpaquePointer? = nil
    private(set) var buffer: [UInt8] = []
    private(set) var width = 0
    private(set) var height = 0

    deinit { sws_freeContext(context) }

    func convert(_ f: VideoFrame, toWidth w: Int, height h: Int) throws(MediaError) {
        context = sws_getCachedContext(context, Int32(f.width), Int32(f.height), f.pixelFormat,
                                       Int32(w), Int32(h), AV_PIX_FMT_RGB24, SWS_BILINEAR, nil, nil, nil)
        guard let context else { throw MediaError(path: "", reason: "cannot convert \(f.width)x\(f.height) frames to RGB") }
        if buffer.count != w * h * 3 { buffer = [UInt8](repeating: 0, count: w * h * 3) }
        width = w
        height = h
        let scaled = buffer.withUnsafeMutableBufferPointer { dst -> Int32 in
            var dstData: [UnsafeMutablePointer<UInt8>?] = [dst.baseAddress, nil, nil, nil]
            var dstStride: [Int32] = [Int32(w * 3), 0, 0, 0]
            return withUnsafePointer(to: f.frame.pointee.data) { dataTuple in
                withUnsafePointer(to: f.frame.pointee.linesize) { strideTuple in
                    dataTuple.withMemoryRebound(to: UnsafePointer<UInt8>?.self, capacity: 8) { src in
                        strideTuple.withMemoryRebound(to: Int32.self, capacity: 8) { srcStride in
                            sws_scale(context, src, srcStride, 0, Int32(f.height), &dstData, &dstStride)
                        }
                    }
                }
            }
        }
        guard scaled > 0 else { throw MediaError(path: "", reason: "frame conversion to RGB failed") }
    }
}
