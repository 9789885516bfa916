import RedactVision

/// What a worker must offer to run a job's segments, as one map the scheduler compares
/// (Majordomo's services): every model the job's targets need (role → SHA-256) and, for a job
/// that infers in bf16, native bf16 arithmetic (every worker computes the same way, so a
/// worker without it cannot stand in with f32).
public enum JobCapabilities {
    static let precisionPrefix = "precision:"

    public static func needed(by job: RedactionJob) -> [String: String] {
        var needed = DetectorRegistry.models(for: job)
        if !needed.isEmpty, job.detector.effectivePrecision != .f32 {
            needed[precisionPrefix + job.detector.effectivePrecision.rawValue] = "native"
        }
        return needed
    }

    /// What a worker offers: its models and the precisions it computes natively.
    public static func offered(models: [String: String], precisions: [String]) -> [String: String] {
        var offered = models
        for p in precisions { offered[precisionPrefix + p] = "native" }
        return offered
    }

    /// The entries of `needed` that `offered` lacks, in words ("the text model d2a7…", "bf16 arithmetic").
    public static func describe(_ needed: [String: String], lackedBy offered: [String: String] = [:]) -> [String] {
        needed.sorted { $0.key < $1.key }.filter { offered[$0.key] != $0.value }.map { entry in
            entry.key.hasPrefix(precisionPrefix)
                ? "\(entry.key.dropFirst(precisionPrefix.count)) arithmetic"
                : "the \(entry.key) model \(entry.value.prefix(12))…"
        }
    }
}
