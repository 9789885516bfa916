import Foundation
import RedactCore

/// Where a file's stitch, running on its own thread, waits for processed segments: the broker
/// publishes each one as it accepts it, or fails the gate when the file fails, is cancelled or
/// the coordinator stops, so a waiting stitch always ends.
///
/// A gate with a `reload` function keeps only which segments have arrived (a bit each, sized
/// by the plan) and reads each record back when the stitch asks for it: the coordinator's
/// records are in its store already. The stitch may wait for most of a file before writing
/// anything (a file whose segments are all copied waits for the first re-encoded one, which
/// may never come), and holding every arrival meanwhile made the coordinator's memory grow
/// with the segments finished. A gate without one holds what is published (a re-render's
/// few segments, known up front).
final class SegmentGate: @unchecked Sendable {
    struct Arrival: Sendable {
        var output: SegmentPlan.OutputRecord
        var worker: String
        var workerHost: String?
        var detections: Int
    }

    private let condition = NSCondition()
    private var held: [Int: Arrival] = [:]
    private var arrivedBits: [UInt64]
    private let reload: (@Sendable (Int) throws(MediaError) -> Arrival)?
    private var failure: MediaError?

    /// `segments`: how many the file has. `reload`: reads segment N's record back (called on
    /// the stitch's thread, only after N was published).
    init(segments: Int = 0, reload: (@Sendable (Int) throws(MediaError) -> Arrival)? = nil) {
        self.reload = reload
        arrivedBits = reload == nil ? [] : [UInt64](repeating: 0, count: (max(0, segments) + 63) / 64)
    }

    func publish(_ index: Int, _ arrival: Arrival) {
        condition.withLock {
            if reload != nil, index >= 0, index / 64 < arrivedBits.count {
                arrivedBits[index / 64] |= 1 << UInt64(index % 64)
            } else {
                held[index] = arrival
            }
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
        while true {
            if let failure {
                condition.unlock()
                throw failure
            }
            if let reload, index >= 0, index / 64 < arrivedBits.count, arrivedBits[index / 64] & (1 << UInt64(index % 64)) != 0 {
                condition.unlock()
                // Read outside the lock: the broker publishes meanwhile.
                return try reload(index)
            }
            if let arrival = take ? held.removeValue(forKey: index) : held[index] {
                // A dictionary keeps its capacity as it empties: a backlog once taken in
                // would otherwise hold its room to the end.
                if take, held.isEmpty { held = [:] }
                condition.unlock()
                return arrival
            }
            condition.wait()
        }
    }
}
