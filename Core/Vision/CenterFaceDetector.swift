import CFaceDetector
import Foundation

/// Faces by CenterFace. The frame is resized to the network's input (sides rounded up to
/// multiples of 32) at `inferenceScale` times the source size, and boxes are mapped back.
///
/// `inferenceScale` is the small-face trade-off: CenterFace's stride-4 heatmap finds faces of
/// roughly 10 px and up at its input, so 1.0 reaches about 16 px faces in the source, 2.0
/// about 8 px at four times the cost, 0.5 only about 32 px at a quarter of it.
public final class CenterFaceDetector: FrameDetector {
    public struct Options: Sendable, Equatable {
        public var threshold: Double = 0.2
        public var inferenceScale: Double = 1.0
        public init(threshold: Double = 0.2, inferenceScale: Double = 1.0) {
            self.threshold = threshold
            self.inferenceScale = inferenceScale
        }
    }

    private let handle: OpaquePointer
    private let options: Options
    private let rgb = RGBConverter()
    private var faces = [rf_face](repeating: rf_face(), count: 256)

    public init(model: CenterFaceModel, options: Options = Options()) throws(MediaError) {
        var err = [CChar](repeating: 0, count: 512)
        let opened = model.bytes.withUnsafeBufferPointer { rf_centerface_open($0.baseAddress, $0.count, &err, err.count) }
        guard let opened else {
            throw MediaError(path: model.path, reason: "cannot load the face model: \(String(cString: err))")
        }
        handle = opened
        self.options = options
    }

    deinit { rf_centerface_close(handle) }

    /// Process-wide OpenCV thread count.
    public static func setThreads(_ n: Int) { rf_opencv_set_threads(Int32(n)) }

    public func detect(_ frame: VideoFrame) throws(MediaError) -> [Detection] {
        try detect(frame, scale: options.inferenceScale)
    }

    /// The largest network input asked for (about 8K): one inference beyond it needs
    /// gigabytes, and OpenCV does not survive running out.
    public static let maxInputPixels = 8192 * 4608

    public func detect(_ frame: VideoFrame, scale: Double) throws(MediaError) -> [Detection] {
        let w = Self.roundUp32(Double(frame.width) * scale)
        let h = Self.roundUp32(Double(frame.height) * scale)
        guard scale.isFinite, scale > 0, w * h <= Self.maxInputPixels else {
            throw MediaError(path: "", reason: "an inference scale of \(scale) on \(frame.width)x\(frame.height) asks for a \(w)x\(h) network input, more than this detector takes")
        }
        try rgb.convert(frame, toWidth: w, height: h)
        return try run(w, h, frame: frame, origin: (0, 0), scale: (Double(frame.width) / Double(w), Double(frame.height) / Double(h)))
    }

    /// Looks for faces inside `region` only, magnified `magnification` times: how a small face
    /// that full-frame inference can no longer see is followed, at a few percent of the cost.
    public func detect(_ frame: VideoFrame, in region: Box, magnification: Double) throws(MediaError) -> [Detection] {
        guard let crop = Self.crop(region, in: frame) else { return [] }
        let w = Self.roundUp32(Double(crop.width) * magnification)
        let h = Self.roundUp32(Double(crop.height) * magnification)
        try rgb.convert(frame, crop: crop, toWidth: w, height: h)
        return try run(w, h, frame: frame, origin: (Double(crop.x), Double(crop.y)),
                       scale: (Double(crop.width) / Double(w), Double(crop.height) / Double(h)))
    }

    /// `region` in whole pixels inside the frame, its corner on even coordinates so chroma
    /// planes line up, or nil when too little of it is in the picture.
    static func crop(_ region: Box, in frame: VideoFrame) -> RGBConverter.Crop? {
        let r = region.clamped(width: Double(frame.width), height: Double(frame.height))
        let x = Int(r.x0) & ~1, y = Int(r.y0) & ~1
        let x1 = min(frame.width, Int(r.x1.rounded(.up))), y1 = min(frame.height, Int(r.y1.rounded(.up)))
        guard x1 - x >= 8, y1 - y >= 8 else { return nil }
        return RGBConverter.Crop(x: x, y: y, width: x1 - x, height: y1 - y)
    }

    private func run(_ w: Int, _ h: Int, frame: VideoFrame, origin: (Double, Double), scale: (Double, Double)) throws(MediaError) -> [Detection] {
        var err = [CChar](repeating: 0, count: 512)
        let count = rgb.buffer.withUnsafeBufferPointer { px in
            rf_centerface_detect(handle, px.baseAddress, Int32(w), Int32(h), Int32(w * 3), Float(options.threshold),
                                 &faces, Int32(faces.count), &err, err.count)
        }
        guard count >= 0 else { throw MediaError(path: "", reason: "face detection failed: \(String(cString: err))") }
        // More faces than the buffer holds would leave some unhidden: fail closed instead.
        guard Int(count) <= faces.count else {
            throw MediaError(path: "", reason: "frame at pts \(frame.pts) has \(count) faces, more than the \(faces.count) this build can hide")
        }
        let (sx, sy) = scale, (ox, oy) = origin
        return faces.prefix(Int(count)).map { f in
            Detection(target: .face,
                      box: Box(x0: ox + Double(f.x0) * sx, y0: oy + Double(f.y0) * sy,
                               x1: ox + Double(f.x1) * sx, y1: oy + Double(f.y1) * sy),
                      score: Double(f.score), pts: frame.pts)
        }
    }

    static func roundUp32(_ v: Double) -> Int { max(32, Int((v / 32).rounded(.up)) * 32) }
}
