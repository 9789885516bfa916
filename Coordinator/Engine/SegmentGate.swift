import Foundation
import RedactCore

/// Where a file's stitch, running on its own thread, waits for processed segments: the broker
/// publishes each one as it accepts it, or fails the gate when the file fails, is cancelled or
/// the coordinator stops, so a waiting stitch always ends.
final class SegmentGate: @unchecked Sendable {
    struct Arrival: Sendable {
        var output: SegmentPlan.OutputRecord
        var worker: String
        var workerHost: String?
        var detections: Int
    }

    private let condition = NSCondition()
    private var arrived: [Int: Arrival] = [:]
    private var failure: MediaError?

    func publish(_ index: Int, _ arrival: Arrival) {
        condition.withLock {
            arrived[index] = arrival
            condition.broadcast()
        }
    }

    func fail(_ error: MediaError) {
        condition.withLock {
            if failure == nil { failure = error }
            condition.broadcast()
        }
    }

    func waitFor(_ index: Int) throws(MediaError) -> Arrival {
        try wait(index, andTake: false)
    }

    /// Waits for segment `index` as `waitFor` does and forgets it: once the stitch has
    /// written a segment, nothing here holds it (a file of 100,000 segments would otherwise
    /// keep every one until the manifest is written).
    func take(_ index: Int) throws(MediaError) -> Arrival {
        try wait(index, andTake: true)
    }

    private func wait(_ index: Int, andTake take: Bool) throws(MediaError) -> Arrival {
        condition.lock()
        defer { condition.unlock() }
        while true {
            if let failure { throw failure }
            if let arrival = take ? arrived.removeValue(forKey: index) : arrived[index] {
                // A dictionary keeps its capacity as it empties: a backlog of 100,000 once taken
                // in would otherwise hold its room to the end.
                if take, arrived.isEmpty { arrived = [:] }
                return arrival
            }
            condition.wait()
        }
    }
}
