import Foundation
import RedactSupport

/// Licence plates, found as text by PP-OCRv4's detector (DB; Apache-2.0, from the
/// rapidocr-onnxruntime 1.3.24 wheel, read as shipped) on OpenVINO: every region that reads as
/// text, so signs, captions and on-screen clocks are hidden too. No permissively licensed
/// plate-specific model ships in a Debian or PyPI package; a plate is text, and hiding some
/// other text errs on the safe side. Coverage is measured in Benchmarks/README.md.
///
/// Pre- and post-processing follow rapidocr's: BGR input scaled to 0-1 and normalised with
/// ImageNet's mean and deviation in that channel order (done inside the compiled graph); the
/// probability map is thresholded, dilated by one pixel, split into 8-connected regions, and
/// each kept region is grown by DB's unclip distance.
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

    private let network: OpenVINONetwork
    private let options: Options
    private let rgb = RGBConverter()
    /// More regions than this in one frame fail it, rather than leave some unhidden.
    static let maxRegions = 512

    public init(model bytes: [UInt8], path: String, options: Options = Options(), precision: InferencePrecision = .f32) throws(MediaError) {
        do throws(MediaError) {
            network = try OpenVINONetwork(model: bytes, label: path, inputName: "x", conversion: .init(
                bgr: true, divisor: 255, mean: [0.485, 0.456, 0.406], deviation: [0.229, 0.224, 0.225]), precision: precision)
        } catch {
            throw MediaError(path: path, reason: "cannot load the licence-plate (text) model: \(error.reason)")
        }
        self.options = options
    }

    public func detect(_ frame: VideoFrame) throws(MediaError) -> [Detection] {
        let w = CenterFaceDetector.roundUp32(Double(frame.width) * options.inferenceScale)
        let h = CenterFaceDetector.roundUp32(Double(frame.height) * options.inferenceScale)
        try rgb.convert(frame, toWidth: w, height: h)
        let probability: [Float]
        do throws(MediaError) {
            probability = try rgb.buffer.withUnsafeBufferPointer { (px) throws(MediaError) in
                try network.infer(rgb: px, width: w, height: h, outputs: [""])[0]
            }
        } catch {
            throw MediaError(path: "", reason: "licence-plate detection failed: \(error.reason)")
        }
        guard probability.count == w * h else {
            throw MediaError(path: "", reason: "the text detector returned a \(probability.count)-value map for a \(w)x\(h) input")
        }
        let regions = Self.regions(probability, width: w, height: h, options: options)
        guard regions.count <= Self.maxRegions else {
            throw MediaError(path: "", reason: "frame at pts \(frame.pts) has \(regions.count) text regions, more than the \(Self.maxRegions) this build can hide")
        }
        let sx = Double(frame.width) / Double(w), sy = Double(frame.height) / Double(h)
        return regions.map { r in
            Detection(target: .plate, box: Box(x0: r.box.x0 * sx, y0: r.box.y0 * sy, x1: r.box.x1 * sx, y1: r.box.y1 * sy),
                      score: r.score, pts: frame.pts)
        }
    }

    /// DB's post-processing on a `width` x `height` probability map: boxes in map pixels,
    /// best first.
    static func regions(_ probability: [Float], width w: Int, height h: Int, options: Options) -> [(box: Box, score: Double)] {
        let threshold = Float(options.threshold)
        var mask = [Bool](repeating: false, count: w * h)
        for i in 0..<(w * h) where probability[i] > threshold { mask[i] = true }
        // rapidocr's 2x2 dilation: a pixel joins when its left, upper or upper-left neighbour is set.
        var dilated = mask
        for y in 0..<h {
            for x in 0..<w where !mask[y * w + x] {
                let i = y * w + x
                if (x > 0 && mask[i - 1]) || (y > 0 && mask[i - w]) || (x > 0 && y > 0 && mask[i - w - 1]) { dilated[i] = true }
            }
        }
        var label = [Int32](repeating: -1, count: w * h)
        var found: [(box: Box, score: Double)] = []
        var stack: [Int] = []
        var id: Int32 = 0
        for start in 0..<(w * h) where dilated[start] && label[start] < 0 {
            var x0 = start % w, y0 = start / w, x1 = x0, y1 = y0
            var sum = 0.0, pixels = 0
            label[start] = id
            stack = [start]
            while let i = stack.popLast() {
                let x = i % w, y = i / w
                x0 = min(x0, x); x1 = max(x1, x); y0 = min(y0, y); y1 = max(y1, y)
                sum += Double(probability[i])
                pixels += 1
                for dy in -1...1 {
                    for dx in -1...1 where dx != 0 || dy != 0 {
                        let nx = x + dx, ny = y + dy
                        guard nx >= 0, ny >= 0, nx < w, ny < h else { continue }
                        let j = ny * w + nx
                        if dilated[j] && label[j] < 0 {
                            label[j] = id
                            stack.append(j)
                        }
                    }
                }
            }
            id += 1
            let rw = Double(x1 - x0 + 1), rh = Double(y1 - y0 + 1)
            guard min(rw, rh) >= 3 else { continue }
            let score = sum / Double(pixels)
            guard score >= options.boxThreshold else { continue }
            let grow = rw * rh * options.unclipRatio / (2 * (rw + rh))
            found.append((Box(x0: max(0, Double(x0) - grow), y0: max(0, Double(y0) - grow),
                              x1: min(Double(w), Double(x1) + 1 + grow), y1: min(Double(h), Double(y1) + 1 + grow)), score))
        }
        return found.sorted { $0.score > $1.score }
    }
}
