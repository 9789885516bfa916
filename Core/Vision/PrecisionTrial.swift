import Foundation
import RedactSupport

/// How fast this machine runs the face model in f32 and in bf16, timed: whether bf16 is worth
/// choosing cannot be read from the CPU's flags. Zen 4 (AVX-512 BF16) ran CenterFace in bf16
/// in half f32's time; an Intel Xeon with AVX-512 BF16 but no AMX ran it 1.5 times slower
/// (31 against 47 ms at 640x384, one thread), which OpenVINO itself anticipates by picking
/// bf16 unasked only on AMX.
public struct PrecisionTrial: Codable, Sendable, Equatable {
    /// What the figures hold for: the CPU, the engine, the model and the threads per inference.
    public struct Conditions: Codable, Sendable, Equatable {
        public var cpu: String
        public var engine: String
        public var modelSHA256: String
        public var threads: Int

        public init(cpu: String, engine: String, modelSHA256: String, threads: Int) {
            self.cpu = cpu
            self.engine = engine
            self.modelSHA256 = modelSHA256
            self.threads = threads
        }

        /// This machine, now.
        public static func current(threads: Int) -> Conditions {
            Conditions(cpu: InferencePrecision.cpuName, engine: OpenVINONetwork.version, modelSHA256: CenterFaceModel.sha256, threads: threads)
        }
    }

    public var conditions: Conditions
    /// Median milliseconds per inference at `inputSize`.
    public var f32Milliseconds: Double
    public var bf16Milliseconds: Double

    /// bf16 is chosen only when clearly faster: by less, the measurement's noise could decide.
    public static let requiredSpeedUp = 1.15
    static let inputSize = (width: 640, height: 384)
    static let rounds = 5

    public var bf16IsFaster: Bool { bf16Milliseconds * Self.requiredSpeedUp < f32Milliseconds }

    /// "bf16 1.54x slower than f32 here (46.6 against 30.2 ms per …)", for the log.
    public var summary: String {
        let ratio = f32Milliseconds / max(bf16Milliseconds, 0.001)
        let comparison = ratio >= 1 ? String(format: "%.2fx faster", ratio) : String(format: "%.2fx slower", 1 / ratio)
        return "bf16 \(comparison) than f32 here (" + String(format: "%.1f against %.1f ms", bf16Milliseconds, f32Milliseconds)
            + " per \(Self.inputSize.width)x\(Self.inputSize.height) face inference, \(conditions.threads) thread(s))"
    }

    public init(conditions: Conditions, f32Milliseconds: Double, bf16Milliseconds: Double) {
        self.conditions = conditions
        self.f32Milliseconds = f32Milliseconds
        self.bf16Milliseconds = bf16Milliseconds
    }

    /// Times the face model in both precisions, taking turns so a change in the machine's
    /// speed falls on both (about a second: two compilations and a dozen small inferences).
    /// Needs native bf16 (`InferencePrecision.bf16Available`); runs with the threads
    /// `InferenceThreads` set, as the detectors will.
    public static func run(model: CenterFaceModel) throws(MediaError) -> PrecisionTrial {
        let (w, h) = inputSize
        // Any picture costs the same; a fixed one keeps the trial repeatable.
        var seed: UInt32 = 2_463_534_242
        let picture = (0..<(w * h * 3)).map { _ -> UInt8 in
            seed ^= seed << 13; seed ^= seed >> 17; seed ^= seed << 5
            return UInt8(truncatingIfNeeded: seed)
        }
        let networks = try [InferencePrecision.f32, .bf16].map { (precision) throws(MediaError) in
            try OpenVINONetwork(model: model.bytes, label: model.path, inputName: "input.1", precision: precision, capacity: 1)
        }
        var times: [[Double]] = [[], []]
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
        let median = { (values: [Double]) in values.sorted()[values.count / 2] }
        return PrecisionTrial(conditions: .current(threads: InferenceThreads.current), f32Milliseconds: median(times[0]), bf16Milliseconds: median(times[1]))
    }
}
