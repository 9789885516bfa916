import CFFmpeg
import Crypto
import RedactSupport

/// Per-frame checksums: MD5 of the frame's planes packed without padding, which is what
/// `ffmpeg -f framemd5` prints for raw video, so the two can be compared directly.
public struct FrameDigest: Equatable, Hashable, Sendable, CustomStringConvertible {
    public var pts: Int64
    public var md5: String

    public var description: String { "\(pts) \(md5)" }

    public init(pts: Int64, md5: String) {
        self.pts = pts
        self.md5 = md5
    }

    public init(frame: UnsafeMutablePointer<AVFrame>) throws(MediaError) {
        let f = frame.pointee
        let format = AVPixelFormat(rawValue: f.format)
        let size = Int(av_image_get_buffer_size(format, f.width, f.height, 1))
        guard size > 0 else { throw MediaError(path: "", reason: "cannot size a \(f.width)x\(f.height) frame") }
        var buffer = [UInt8](repeating: 0, count: size)
        let written = buffer.withUnsafeMutableBufferPointer { dst in
            withUnsafePointer(to: frame.pointee.data) { dataTuple in
                withUnsafePointer(to: frame.pointee.linesize) { linesizeTuple in
                    dataTuple.withMemoryRebound(to: UnsafePointer<UInt8>?.self, capacity: 8) { data in
                        linesizeTuple.withMemoryRebound(to: Int32.self, capacity: 8) { linesize in
                            av_image_copy_to_buffer(dst.baseAddress, Int32(size), data, linesize, format, f.width, f.height, 1)
                        }
                    }
                }
            }
        }
        guard written >= 0 else { throw MediaError(path: "", reason: "cannot read a decoded frame") }
        pts = frame.presentationTimestamp
        md5 = SHA256Hex.lowercaseHex(Insecure.MD5.hash(data: buffer))
    }

    /// Every frame of a file's video stream, decoded in one pass.
    public static func ofVideo(at path: String) throws(MediaError) -> [FrameDigest] {
        var digests: [FrameDigest] = []
        try VideoFileDecoder.forEachFrame(path: path) { (frame) throws(MediaError) in digests.append(try FrameDigest(frame: frame)) }
        return digests
    }

    /// The frames a segment owns, decoded from the segment alone.
    public static func ofSegment(_ segment: SegmentFile, label: String) throws(MediaError) -> [FrameDigest] {
        var digests: [FrameDigest] = []
        try SegmentDecoder.decodeOwnedFrames(of: segment, label: label) { (frame, _) throws(MediaError) in
            digests.append(try FrameDigest(frame: frame))
        }
        return digests
    }
}
