import RedactCore

/// Frames finished by the farm over a sliding window, for frames per second and ETA.
struct ThroughputMeter {
    private var samples: [(time: UInt64, frames: Int)] = []
    let windowMilliseconds: UInt64 = 20_000

    mutating func record(frames: Int, at now: UInt64) {
        if let last = samples.last, now - last.time < 500 { return }
        samples.append((now, frames))
        samples.removeAll { now - $0.time > windowMilliseconds }
    }

    func framesPerSecond(current frames: Int, at now: UInt64) -> Double {
        guard let first = samples.first, now > first.time else { return 0 }
        return Double(frames - first.frames) * 1000 / Double(now - first.time)
    }
}
