import Foundation
import RedactCore

/// Where a file's stitch, running on its own thread, waits for processed segments: the broker
/// publishes each one as it accepts it, or fails the gate when the file fails, is cancelled or
/// the coordinator stops, so a waiting stitch always ends.
///
/// A gate with a `reload` function keeps only which segments have arrived (a bit each, sized
/// by the plan) and reads the records back when the stitch asks for them, a run of arrived
/// ones at a time (the stitch goes in order): the coordinator's records are in its store.
/// The stitch may wait for most of a file before writing anything (a file whose segments are
/// all copied waits for the first re-encoded one, which may never come), and holding every
/// arrival meanwhile made the coordinator's memory grow with the segments finished. A gate
/// without one holds what is published (a re-render's few segments, known up front).
final class SegmentGate: @unchecked Sendable {
    struct Arrival: Sendable {
        var output: SegmentPlan.OutputRecord
        var worker: String
        var workerHost: String?
        var detections: Int
    }

    typealias Reload = @Sendable (ClosedRange<Int>) throws(MediaError) -> [Arrival]

    private let condition = NSCondition()
    private var held: [Int: Arrival] = [:]
    private var arrivedBits: [UInt64]
    private let reload: Reload?
    /// The run last read back, for the stitch's next requests (bounded by `readAhead`).
    private var window: [Int: Arrival] = [:]
    private var failure: MediaError?

    /// Records read back at once, at most.
    static let readAhead = 256

    /// `segments`: how many the file has. `reload`: reads the records of a run of published
    /// segments back, in order (called on the stitch's thread).
    init(segments: Int = 0, reload: Reload? = nil) {
        self.reload = reload
        arrivedBits = reload == nil ? [] : [UInt64](repeating: 0, count: (max(0, segments) + 63) / 64)
    }

    /// A segment of a reloading gate has arrived: its record is in the store.
    func arrived(_ index: Int) {
        precondition(reload != nil, "a holding gate is given each arrival whole")
        condition.withLock {
            if index >= 0, index / 64 < arrivedBits.count {
                arrivedBits[index / 64] |= 1 << UInt64(index % 64)
            }
            condition.broadcast()
        }
    }

    /// A segment of a holding gate has arrived, with its record.
    func publish(_ index: Int, _ arrival: Arrival) {
        precondition(reload == nil, "a reloading gate reads its records back; it is told only which segment arrived")
        condition.withLock {
            held[index] = arrival
            condition.broadcast()
        }
    }

    /// Under the lock.
    private func hasArrived(_ index: Int) -> Bool {
        index >= 0 && index / 64 < arrivedBits.count && arrivedBits[index / 64] & (1 << UInt64(index % 64)) != 0
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
            if let reload, hasArrived(index) {
                if let arrival = take ? window.removeValue(forKey: index) : window[index] {
                    condition.unlock()
                    return arrival
                }
                var last = index
                while last - index + 1 < Self.readAhead, hasArrived(last + 1) { last += 1 }
                condition.unlock()
                // Read outside the lock: the broker publishes meanwhile.
                let run = try reload(index...last)
                guard run.count == last - index + 1 else {
                    throw MediaError(path: "segments \(index)…\(last)", reason: "\(run.count) of them read back")
                }
                condition.withLock {
                    window = Dictionary(uniqueKeysWithValues: zip(index...last, run))
                    if take { window[index] = nil }
                }
                return run[0]
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
