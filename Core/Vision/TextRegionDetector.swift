import CTextDetector

/// Licence plates, found as text by PP-OCRv4's detector (DB): every region that reads as
/// text, so signs, captions and on-screen clocks are hidden too. No permissively licensed
/// plate-specific model ships in a Debian or PyPI package; a plate is text, and hiding some
/// other text errs on the safe side. Coverage is measured in Benchmarks/README.md.
public final class TextRegionDetector {
    public struct Options: Sendable, Equatable {
        /// Text probability above which a pixel is text (rapidocr's default).
        public var threshold: Double = 0.3
        /// Mean probability a region needs to count (rapidocr uses 0.5; lower finds more).
        public var boxThreshold: Double = 0.5
        /// How far a region is grown past its core, as DB's unclip ratio.
        public var unclipRatio: Double = 1.6
        /// Network input size relative to the source.
        public var inferenceScale: Double = 1.0
        public init() {}
    }

    private let handle: OpaquePointer
    private let options: Options
    private let rgb = RGBConverter()
    private var boxes = [rf_box](repeating: rf_box(), count: 512)

    public init(model bytes: [UInt8], path: String, options: Options = Options()) throws(MediaError) {
        var err = [CChar](repeating: 0, count: 512)
        let opened = bytes.withUnsafeBufferPointer { rf_textdet_open($0.baseAddress, $0.count, &err, err.count) }
        guard let opened else {
            throw MediaError(path: path, reason: "cannot load the licence-plate (text) model: \(String(cString: err))")
        }
        handle = opened
        self.options = options
    }

    deinit { rf_textdet_close(handle) }

    public func detect(_ frame: VideoFrame) throws(MediaError) -> [Detection] {
        let w = CenterFaceDetector.roundUp32(Double(frame.width) * options.inferenceScale)
        let h = CenterFaceDetector.roundUp32(Double(frame.height) * options.inferenceScale)
        try rgb.convert(frame, toWidth: w, height: h)
        var err = [CChar](repeating: 0, count: 512)
        let count = rgb.buffer.withUnsafeBufferPointer { px in
            rf_textdet_detect(handle, px.baseAddress, Int32(w), Int32(h), Int32(w * 3), Float(options.threshold),
                              Float(options.boxThreshold), Float(options.unclipRatio), &boxes, Int32(boxes.count), &err, err.count)
        }
        guard count >= 0 else { throw MediaError(path: "", reason: "licence-plate detection failed: \(String(cString: err))") }
        // More regions than the buffer holds would leave some unhidden: fail closed instead.
        guard Int(count) <= boxes.count else {
            throw MediaError(path: "", reason: "frame at pts \(frame.pts) has \(count) text regions, more than the \(boxes.count) this build can hide")
        }
        let sx = Double(frame.width) / Double(w), sy = Double(frame.height) / Double(h)
        return boxes.prefix(Int(count)).map { b in
            Detection(target: .plate, box: Box(x0: Double(b.x0) * sx, y0: Double(b.y0) * sy, x1: Double(b.x1) * sx, y1: Double(b.y1) * sy),
                      score: Double(b.score), pts: frame.pts)
        }
    }
}
