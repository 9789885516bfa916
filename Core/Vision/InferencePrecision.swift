import Foundation

/// The arithmetic inference runs in. f32 is what the recall floors were measured with; bf16
/// (where the CPU has it: AVX-512 BF16 or AMX) roughly halves the cost. Part of the job, so
/// every worker computes the same way, and recorded in the manifest.
public enum InferencePrecision: String, Codable, Sendable, CaseIterable {
    case f32, bf16

    /// Whether this machine's CPU computes bf16 natively (OpenVINO would otherwise emulate it
    /// or quietly fall back, and the record would not be the truth).
    public static let bf16Available: Bool = {
        guard let info = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
              let flags = info.split(separator: "\n").first(where: { $0.hasPrefix("flags") }) else { return false }
        let set = Set(flags.split(separator: " ").map(String.init))
        return set.contains("avx512_bf16") || set.contains("amx_bf16")
    }()

    /// Whether this machine can run it as asked.
    public var isAvailable: Bool { self == .f32 || Self.bf16Available }

    /// The name OpenVINO's INFERENCE_PRECISION_HINT takes.
    var openVINOHint: String { rawValue }
}
