import Foundation

/// The arithmetic inference runs in. f32 is what the recall floors were measured with; bf16
/// (where the CPU has it: AVX-512 BF16 or AMX) halved the cost on some CPUs and raised it on
/// others (`PrecisionTrial`); int8 runs the face model quantized by ops/fetch-assets.sh
/// (`PinnedModel.centerFaceInt8`), its few layers left in floating point and every other
/// model in f32. Part of the job, so every worker computes the same way, and recorded in the
/// manifest.
public enum InferencePrecision: String, Codable, Sendable, CaseIterable {
    case f32, bf16, int8

    /// Whether this machine's CPU computes bf16 natively (OpenVINO would otherwise emulate it
    /// or quietly fall back, and the record would not be the truth).
    public static var bf16Available: Bool { !bf16Features.isEmpty }

    /// The CPU's model name and its bf16 features (a VM may show one model name with or
    /// without AMX): what a `PrecisionTrial` holds for.
    public static let cpuName: String = {
        cpuField("model name") + (bf16Features.isEmpty ? "" : " (" + bf16Features.joined(separator: ", ") + ")")
    }()

    private static let bf16Features: [String] = {
        let flags = Set(cpuField("flags").split(separator: " ").map(String.init))
        return ["avx512_bf16", "amx_bf16"].filter(flags.contains)
    }()

    /// The first core's `field` in /proc/cpuinfo, "" where it is not.
    static func cpuField(_ field: String) -> String {
        guard let info = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
              let line = info.split(separator: "\n").first(where: { $0.hasPrefix(field) }),
              let colon = line.firstIndex(of: ":") else { return "" }
        return line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
    }

    /// Whether this machine's CPU can run it as asked (OpenVINO's CPU plugin runs int8 on every
    /// x86-64 it supports; whether the quantized model is here is the models map's question).
    public var isAvailable: Bool { self != .bf16 || Self.bf16Available }

    /// The name OpenVINO's INFERENCE_PRECISION_HINT takes: int8 is in the quantized model's
    /// graph, and what the plugin may choose for the rest is stated, never left to it.
    var openVINOHint: String { self == .int8 ? InferencePrecision.f32.rawValue : rawValue }
}
