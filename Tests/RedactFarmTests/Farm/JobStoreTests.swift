import Foundation
@testable import RedactCore
@testable import RedactIntegrity
@testable import RedactMedia
@testable import RedactSupport
@testable import RedactTransport
@testable import RedactVision
@testable import Redaction
import RedactCoordinator
import Testing

/// The durable store: attempts, the failure limit, and recovery after a crash.
@Suite struct JobStoreTests {
    func storeWithOneFile(_ dir: String, segments: Int) throws -> (JobStore, Int64) {
        let store = try JobStore(stateDirectory: dir)
        try store.createJob(id: "j1", options: JobOptions(job: RedactionJob(), segmentSeconds: 1), outputFolder: dir,
                            files: [(dir + "/in.mp4", dir + "/out.mp4")])
        let file = try #require(try store.files().first)
        let records = (0..<segments).map { i in
            SegmentPlan.SegmentRecord(index: i, file: "s\(i)", sha256: "sha\(i)", byteSize: 1, packetCount: 1, decodePrefixPackets: 0,
                                      frameCount: 10, ptsFirst: Int64(i * 10), ptsLast: Int64(i * 10 + 9),
                                      timeBase: Rational(num: 1, den: 25), startSeconds: Double(i), keyframe: nil, output: nil)
        }
        let plan = SegmentPlan(formatVersion: 1, software: "t", input: .init(path: "in", sha256: "x", sizeBytes: 1, container: "mp4", muxer: "mp4"),
                               video: .init(streamIndex: 0, codec: "h264", width: 2, height: 2, pixelFormat: "yuv420p",
                                            timeBase: Rational(num: 1, den: 25), colorRange: "", colorPrimaries: "", colorTransfer: "",
                                            colorSpace: "", rotationDegrees: nil, averageFrameRate: nil),
                               targetSegmentSeconds: 1, frameCount: segments * 10, segments: records)
        _ = try store.setPlanned(file.id, plan: plan)
        return (store, file.id)
    }

    @Test func attemptsCountAndTheLimitFailsTheSegment() throws {
        try Fixtures.withTemporaryDirectory { (dir) throws in
            let (store, file) = try storeWithOneFile(dir, segments: 2)
            let key = SegmentKey(file: file, index: 0)
            #expect(try store.queuedSegments() == [key, SegmentKey(file: file, index: 1)])
            #expect(try store.startAttempt(key, worker: "a", host: "h") == 1)
            #expect(try store.abandonAttempt(key, attempt: 1, reason: "handed back", counts: false, maxFailures: 2) == .queued)
            #expect(try store.startAttempt(key, worker: "b", host: "h") == 2)
            #expect(try store.abandonAttempt(key, attempt: 2, reason: "lost", counts: true, maxFailures: 2) == .queued)
            #expect(try store.startAttempt(key, worker: "c", host: "h") == 3)
            #expect(try store.abandonAttempt(key, attempt: 3, reason: "crashed", counts: true, maxFailures: 2) == .failed)
            let record = try #require(try store.segments(file: file).first)
            #expect(record.failures == 2 && record.dispatches == 3 && record.lastError == "crashed")
        }
    }

    @Test func aRestartRequeuesWhatWasInFlightAndKeepsWhatWasDone() throws {
        try Fixtures.withTemporaryDirectory { (dir) throws in
            let (store, file) = try storeWithOneFile(dir, segments: 3)
            let a = SegmentKey(file: file, index: 0), b = SegmentKey(file: file, index: 1)
            _ = try store.startAttempt(a, worker: "w", host: "h")
            _ = try store.finishAttempts([AttemptFinish(key: a, attempt: 1, outputSHA256: "o", outputBytes: 5, detections: 1, copied: false)])
            _ = try store.startAttempt(b, worker: "w", host: "h")
            // A new store on the same folder, as after SIGKILL.
            let reopened = try JobStore(stateDirectory: dir)
            try reopened.recoverAfterRestart()
            let segments = try reopened.segments(file: file)
            #expect(segments.map(\.state) == [.done, .queued, .queued])
            #expect(segments[0].outputSHA256 == "o" && segments[0].dispatches == 1)
            #expect(segments[1].dispatches == 1)  // the attempt number survives: its late result is still accepted
            #expect(try reopened.queuedSegments() == [b, SegmentKey(file: file, index: 2)])
        }
    }

    /// A broker turn's dispatches and results each go in one transaction: the numbers,
    /// who did what, and a late result superseding the newer attempt come out as one call
    /// each would give.
    @Test func aTurnsAttemptsAndResultsAreRecordedTogether() throws {
        try Fixtures.withTemporaryDirectory { (dir) throws in
            let (store, file) = try storeWithOneFile(dir, segments: 3)
            let keys = (0..<3).map { SegmentKey(file: file, index: $0) }
            #expect(try store.startAttempts(keys.map { ($0, "w\($0.index)", "h\($0.index)") }) == [1, 1, 1])
            #expect(try store.startAttempts([(keys[2], "late", "h9")]) == [2])
            #expect(try store.hasSegmentNotDone(file: file))
            let finishes = [0, 1, 2].map { i in
                AttemptFinish(key: keys[i], attempt: 1, outputSHA256: "o\(i)", outputBytes: i, detections: i, copied: i == 1)
            }
            let doneBy = try store.finishAttempts(finishes)
            #expect(doneBy == [DoneBy(worker: "w0", host: "h0"), DoneBy(worker: "w1", host: "h1"), DoneBy(worker: "w2", host: "h2")])
            let segments = try store.segments(file: file)
            #expect(segments.map(\.state) == [.done, .done, .done] && segments.map(\.outputSHA256) == ["o0", "o1", "o2"])
            #expect(segments.map(\.copied) == [false, true, false] && segments[2].worker == "w2")
            #expect(try !store.hasSegmentNotDone(file: file))
            #expect(try store.openSegments().isEmpty)
        }
    }
}
