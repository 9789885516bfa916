import Foundation
@testable import RedactCoordinator
@testable import RedactCore
import Synchronization
import Testing

/// The stitch's wait for segments. The coordinator's gate keeps only which segments arrived
/// and reads each record back from its store: what it holds must not grow with the segments
/// finished, as a file whose segments are all copied is waited for to its end.
struct SegmentGateTests {
    static func arrival(_ index: Int, worker: String = "w") -> SegmentGate.Arrival {
        .init(output: .init(file: "seg-\(index).out", sha256: String(repeating: "a", count: 64), byteSize: index, frameCount: 1),
              worker: worker, workerHost: nil, detections: 0)
    }

    @Test func aReloadingGateHoldsNoRecordAndReadsEachBack() throws {
        let reads = Mutex<[ClosedRange<Int>]>([])
        let gate = SegmentGate(segments: 130) { (indices) throws(MediaError) in
            reads.withLock { $0.append(indices) }
            return indices.map { Self.arrival($0, worker: "from the store") }
        }
        for index in [0, 64, 65, 66, 129] { gate.arrived(index) }
        #expect(try gate.waitFor(64).worker == "from the store")
        // The run of arrived segments was read back at once; a segment taken is gone from it.
        #expect(try gate.take(65).output.byteSize == 65)
        #expect(try gate.take(66).output.byteSize == 66)
        #expect(try gate.take(129).output.byteSize == 129)
        #expect(reads.withLock { $0 } == [64...66, 129...129])
        // Segment 1 has not arrived: the wait ends when it does, and not before.
        let waited = Mutex<Int?>(nil)
        let thread = Thread {
            let size = try? gate.waitFor(1).output.byteSize
            waited.withLock { $0 = size }
        }
        thread.start()
        Thread.sleep(forTimeInterval: 0.2)
        #expect(waited.withLock { $0 } == nil, "the wait ended before segment 1 arrived")
        gate.arrived(1)
        for _ in 0..<200 where waited.withLock({ $0 }) == nil { Thread.sleep(forTimeInterval: 0.01) }
        #expect(waited.withLock { $0 } == 1)
    }

    @Test func aFailedGateEndsEveryWait() {
        let gate = SegmentGate(segments: 4) { (indices) throws(MediaError) in indices.map { Self.arrival($0) } }
        gate.fail(MediaError(path: "job", reason: "cancelled"))
        #expect(throws: MediaError.self) { try gate.waitFor(2) }
        let holding = SegmentGate()
        holding.fail(MediaError(path: "job", reason: "cancelled"))
        #expect(throws: MediaError.self) { try holding.take(0) }
    }

    @Test func aHoldingGateGivesBackWhatWasPublishedOnce() throws {
        let gate = SegmentGate()
        gate.publish(3, Self.arrival(3, worker: "w3"))
        #expect(try gate.waitFor(3).worker == "w3")
        #expect(try gate.take(3).worker == "w3")
        gate.fail(MediaError(path: "job", reason: "stopping"))
        #expect(throws: MediaError.self) { try gate.take(3) }
    }
}
