import RedactCore

/// Workers that fail one segment after another get no new work for a while: one broken host
/// (a bad GPU driver, a full disk) must not burn every file's attempts. Keyed by worker name,
/// so reconnecting does not lift it; any success resets the count, and it lifts by itself, so
/// a farm of one worker slows down but never stops for good (its segments still fail after
/// `maxFailures` attempts, each with its reason).
struct Quarantine: Sendable {
    let threshold: Int
    let durationMilliseconds: UInt64

    init(threshold: Int = 3, durationMilliseconds: UInt64 = 300_000) {
        self.threshold = threshold
        self.durationMilliseconds = durationMilliseconds
    }

    private struct Record {
        var consecutiveFailures = 0
        var lastReason = ""
        var until: UInt64?
    }
    private var records: [String: Record] = [:]

    /// Returns true when this failure puts the worker in quarantine.
    mutating func recordFailure(_ worker: String, reason: String, now: UInt64) -> Bool {
        var record = records[worker] ?? Record()
        record.consecutiveFailures += 1
        record.lastReason = reason
        let starts = record.consecutiveFailures >= threshold && !(record.until.map { $0 > now } ?? false)
        if starts { record.until = now + durationMilliseconds }
        records[worker] = record
        return starts
    }

    mutating func recordSuccess(_ worker: String) {
        records[worker] = nil
    }

    /// Why the worker gets no new work (nil: it does).
    func reason(_ worker: String, now: UInt64) -> String? {
        guard let record = records[worker], let until = record.until, until > now else { return nil }
        return "\(record.consecutiveFailures) failures in a row (last: \(record.lastReason)); new work again in \((until - now + 999) / 1000) s"
    }

    func isQuarantined(_ worker: String, now: UInt64) -> Bool { reason(worker, now: now) != nil }
}
