/// Says a repeated warning once per interval and then how often it came meanwhile, so a dead
/// peer or a misconfigured client cannot fill a log with one line a second. Keys say what
/// "the same warning" is (the peer and the reason, say), so different problems still show.
public struct RepeatLimiter: Sendable {
    public let intervalMilliseconds: UInt64
    private var entries: [String: (lastShown: UInt64, suppressed: Int)] = [:]

    public init(intervalMilliseconds: UInt64) {
        self.intervalMilliseconds = intervalMilliseconds
    }

    /// The line to log now, or nil while the same key was shown less than an interval ago.
    public mutating func line(_ key: String, _ message: @autoclosure () -> String, now: UInt64) -> String? {
        if let entry = entries[key], now - entry.lastShown < intervalMilliseconds {
            entries[key]?.suppressed += 1
            return nil
        }
        let suppressed = entries[key]?.suppressed ?? 0
        entries[key] = (now, 0)
        if entries.count > 4096 { entries = entries.filter { now - $0.value.lastShown < intervalMilliseconds } }
        let seconds = intervalMilliseconds / 1000
        return suppressed > 0 ? "\(message()) (\(suppressed) more like it in the last \(seconds) s)" : message()
    }
}
