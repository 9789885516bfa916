import Foundation
import RedactSupport

/// The `PrecisionTrial`s this machine ran, kept in a file so `auto` costs the trial's second
/// once per machine, engine, model and thread count, not once per run. Several are kept side
/// by side (`run` and `run --workers 1` infer on different thread counts), the oldest dropped
/// beyond `capacity`. A file that is missing or unreadable is measured again and replaced; a
/// file that cannot be written costs only the next run's trial.
public struct PrecisionTrialCache: Sendable {
    public let path: String
    public static let capacity = 8

    public init(folder: String) {
        path = folder + "/precision-trial.json"
    }

    /// Every kept trial, oldest first ([] when there is no readable file).
    public var kept: [PrecisionTrial] {
        guard let data = FileManager.default.contents(atPath: path),
              let trials = try? JSONDecoder().decode([PrecisionTrial].self, from: data) else { return [] }
        return trials
    }

    /// The kept trial for `conditions`, else `measure()`'s, kept for next time.
    public func trial(for conditions: PrecisionTrial.Conditions,
                      measure: () throws(MediaError) -> PrecisionTrial) throws(MediaError) -> (trial: PrecisionTrial, measuredNow: Bool) {
        var trials = kept
        if let found = trials.last(where: { $0.conditions == conditions }) { return (found, false) }
        let trial = try measure()
        trials.removeAll { $0.conditions == trial.conditions }
        trials = Array((trials + [trial]).suffix(Self.capacity))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        if let data = try? encoder.encode(trials) {
            try? FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try? AtomicOutput.write(Array(data), to: path, durable: false)
        }
        return (trial, true)
    }
}
