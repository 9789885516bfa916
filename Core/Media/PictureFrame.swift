import CFFmpeg
import RedactSupport

/// One picture's AVFrame with buffers of its own, freed when this goes: what a still picture
/// is edited in and converted through. A conversion is the one swscale path for pictures.
final class PictureFrame {
    let frame: UnsafeMutablePointer<AVFrame>

    /// A blank `width`×`height` picture in `format`.
    init(width: Int32, height: Int32, format: AVPixelFormat, label: String) throws(MediaError) {
        guard let f = av_frame_alloc() else { throw MediaError(path: label, reason: "out of memory") }
        frame = f
        f.pointee.width = width
        f.pointee.height = height
        f.pointee.format = format.rawValue
        guard av_frame_get_buffer(f, 0) >= 0 else { throw MediaError(path: label, reason: "out of memory for a \(width)x\(height) picture") }
    }

    /// A new reference to `source`'s buffers.
    init(cloning source: UnsafeMutablePointer<AVFrame>, label: String) throws(MediaError) {
        guard let copy = av_frame_clone(source) else { throw MediaError(path: label, reason: "out of memory") }
        frame = copy
    }

    deinit {
        var f: UnsafeMutablePointer<AVFrame>? = frame
        av_frame_free(&f)
    }

    /// `source` in `format` at the same size (full range for YUVJ), accurately rounded and
    /// with full chroma resolution, since a still is encoded once and looked at closely.
    static func converted(_ source: UnsafeMutablePointer<AVFrame>, to format: AVPixelFormat, label: String) throws(MediaError) -> PictureFrame {
        let w = source.pointee.width, h = source.pointee.height
        let out = try PictureFrame(width: w, height: h, format: format, label: label)
        guard let sws = sws_getContext(w, h, AVPixelFormat(rawValue: source.pointee.format), w, h, format,
                                       Int32(SWS_BICUBIC | SWS_ACCURATE_RND | SWS_FULL_CHR_H_INT), nil, nil, nil) else {
            throw MediaError(path: label, reason: "cannot convert its \(w)x\(h) picture")
        }
        defer { sws_freeContext(sws) }
        let dst = out.frame
        let rows = withUnsafePointer(to: source.pointee.data) { src in
            withUnsafePointer(to: source.pointee.linesize) { srcStride in
                withUnsafePointer(to: dst.pointee.data) { dstData in
                    withUnsafePointer(to: dst.pointee.linesize) { dstStride in
                        src.withMemoryRebound(to: UnsafePointer<UInt8>?.self, capacity: 8) { s in
                            srcStride.withMemoryRebound(to: Int32.self, capacity: 8) { ss in
                                dstData.withMemoryRebound(to: UnsafeMutablePointer<UInt8>?.self, capacity: 8) { d in
                                    dstStride.withMemoryRebound(to: Int32.self, capacity: 8) { ds in
                                        sws_scale(sws, s, ss, 0, h, d, ds)
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        guard rows == h else { throw MediaError(path: label, reason: "cannot convert its \(w)x\(h) picture") }
        return out
    }
}
