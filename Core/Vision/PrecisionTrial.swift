import Foundation
import RedactSupport

/// How fast this machine runs the face model in each precision it can: which one pays cannot
/// be read from the CPU's flags. Zen 4 (AVX-512 BF16) ran CenterFace in bf16 in half f32's
/// time; an Intel Xeon with AVX-512 BF16 but no AMX ran it 1.5 times slower (31 against 47 ms
/// at 640x384, one thread), which OpenVINO itself anticipates by picking bf16 unasked only on
/// AMX. The int8 model (where setup made it) is timed beside them: its gain depends on the
/// CPU's integer dot-product instructions (VNNI) as much as bf16's on AMX.
public struct PrecisionTrial: Codable, Sendable, Equatable {
    /// What the figures hold for: the CPU, the engine, the models and the threads per inference.
    public struct Conditions: Codable, Sendable, Equatable {
        public var cpu: String
        public var engine: String
        public var modelSHA256: String
        /// The int8 model timed beside it; nil where there is none (and in trials kept before
        /// int8 existed, which are measured again once the int8 model is here).
        public var int8ModelSHA256: String?
        public var threads: Int

        public init(cpu: String, engine: String, modelSHA256: String, int8ModelSHA256: String? = nil, threads: Int) {
            self.cpu = cpu
            self.engine = engine
            self.modelSHA256 = modelSHA256
            self.int8ModelSHA256 = int8ModelSHA256
            self.threads = threads
        }

        /// This machine, now, with the int8 model or without.
        public static func current(threads: Int, int8: Bool) -> Conditions {
            Conditions(cpu: InferencePrecision.cpuName, engine: OpenVINONetwork.version, modelSHA256: CenterFaceModel.sha256,
                       int8ModelSHA256: int8 ? PinnedModel.centerFaceInt8.sha256 : nil, threads: threads)
        }
    }

    public var conditions: Conditions
    /// Median milliseconds per inference at `inputSize`; nil for a precision not timed (bf16
    /// where the CPU lacks it, int8 without its model).
    public var f32Milliseconds: Double
    public var bf16Milliseconds: Double?
    public var int8Milliseconds: Double?

    /// Another precision is chosen only when clearly faster than f32: by less, the
    /// measurement's noise could decide.
    public static let requiredSpeedUp = 1.15
    static let inputSize = (width: 640, height: 384)
    static let rounds = 5

    public init(conditions: Conditions, f32Milliseconds: Double, bf16Milliseconds: Double? = nil, int8Milliseconds: Double? = nil) {
        self.conditions = conditions
        self.f32Milliseconds = f32Milliseconds
        self.bf16Milliseconds = bf16Milliseconds
        self.int8Milliseconds = int8Milliseconds
    }

    public func milliseconds(_ precision: InferencePrecision) -> Double? {
        switch precision {
        case .f32: f32Milliseconds
        case .bf16: bf16Milliseconds
        case .int8: int8Milliseconds
        }
    }

    /// The fastest of `allowed` that was timed and is `requiredSpeedUp` times faster than f32;
    /// else f32.
    public func choice(among allowed: Set<InferencePrecision>) -> InferencePrecision {
        let candidates = allowed.subtracting([.f32]).compactMap { p in milliseconds(p).map { (p, $0) } }
            .filter { $0.1 * Self.requiredSpeedUp < f32Milliseconds }
        return candidates.min { $0.1 < $1.1 }?.0 ?? .f32
    }

    /// "f32 30.2 ms; bf16 46.6 ms (1.54x slower); int8 12.0 ms (2.52x faster) per 640x384 face
    /// inference, 1 thread(s)", for the log.
    public var summary: String {
        let others = [InferencePrecision.bf16, .int8].compactMap { p in
            milliseconds(p).map { ms -> String in
                let ratio = f32Milliseconds / max(ms, 0.001)
                let comparison = ratio >= 1 ? String(format: "%.2fx faster", ratio) : String(format: "%.2fx slower", 1 / ratio)
                return "\(p.rawValue) " + String(format: "%.1f ms", ms) + " (\(comparison))"
            }
        }
        return (["f32 " + String(format: "%.1f ms", f32Milliseconds)] + others).joined(separator: "; ")
            + " per \(Self.inputSize.width)x\(Self.inputSize.height) face inference, \(conditions.threads) thread(s)"
    }

    /// Times the face model in f32, in bf16 where the CPU computes it natively, and the int8
    /// model where given, taking turns so a change in the machine's speed falls on all (about
    /// a second: a compilation each and a dozen small inferences). Runs with the threads
    /// `InferenceThreads` set, as the detectors will.
    public static func run(model: CenterFaceModel, int8 quantized: CenterFaceModel? = nil) throws(MediaError) -> PrecisionTrial {
        let (w, h) = inputSize
        // Any picture costs the same; a fixed one keeps the trial repeatable.
        var seed: UInt32 = 2_463_534_242
        let picture = (0..<(w * h * 3)).map { _ -> UInt8 in
            seed ^= seed << 13; seed ^= seed >> 17; seed ^= seed << 5
            return UInt8(truncatingIfNeeded: seed)
        }
        var timed: [(precision: InferencePrecision, model: CenterFaceModel)] = [(.f32, model)]
        if InferencePrecision.bf16Available { timed.append((.bf16, model)) }
        if let quantized { timed.append((.int8, quantized)) }
        let networks = try timed.map { (entry) throws(MediaError) in try entry.model.network(precision: entry.precision, capacity: 1) }
        var times: [[Double]] = Array(repeating: [], count: timed.count)
        try picture.withUnsafeBufferPointer { (rgb) throws(MediaError) in
            for round in 0...rounds {
                for (i, network) in networks.enumerated() {
                    let start = DispatchTime.now().uptimeNanoseconds
                    _ = try network.infer(rgb: rgb, width: w, height: h, outputs: ["537"]) { $0[0].count }
                    // Round 0 compiles and warms up.
                    if round > 0 { times[i].append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6) }
                }
            }
        }
        let median = { (p: InferencePrecision) -> Double? in
            timed.firstIndex { $0.precision == p }.map { times[$0].sorted()[times[$0].count / 2] }
        }
        return PrecisionTrial(conditions: .current(threads: InferenceThreads.current, int8: quantized != nil),
                              f32Milliseconds: median(.f32) ?? 0, bf16Milliseconds: median(.bf16), int8Milliseconds: median(.int8))
    }
}
