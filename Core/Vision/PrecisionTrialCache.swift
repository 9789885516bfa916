import Foundation
import RedactSupport

/// The last `PrecisionTrial` this machine ran, kept in a file so `auto` costs the trial's
/// second once per machine, engine, model and thread count, not once per run. A file that is
/// missing, unreadable or for other conditions is measured again and replaced; a file that
/// cannot be written costs only the next run's trial.
public struct PrecisionTrialCache: Sendable {
    public let path: String

    public init(folder: String) {
        path = folder + "/precision-trial.json"
    }

    /// The kept trial when it holds for `conditions`, else `measure()`'s, kept for next time.
    public func trial(for conditions: PrecisionTrial.Conditions,
                      measure: () throws(MediaError) -> PrecisionTrial) throws(MediaError) -> (trial: PrecisionTrial, measuredNow: Bool) {
        if let data = FileManager.default.contents(atPath: path),
           let kept = try? JSONDecoder().decode(PrecisionTrial.self, from: data), kept.conditions == conditions {
            return (kept, false)
        }
        let trial = try measure()
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        if let data = try? encoder.encode(trial) {
            try? FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try? AtomicOutput.write(Array(data), to: path, durable: false)
        }
        return (trial, true)
    }
}
