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

/// The farm as real processes over loopback TCP: a coordinator and three workers, killed with
/// SIGKILL mid-work, restarted, and checked for lost or redone work.
@Suite(.serialized) struct FarmProcessTests {
    static let inputs = ["bikes.mp4", "groundtruth.mp4", "h264_bframes.mp4"].map(Fixtures.media)

    @Test func finishesEveryFileThoughAWorkerAndTheCoordinatorAreKilled() throws {
        try Fixtures.withTemporaryDirectory { (dir) throws in
            let farm = try TestFarm(directory: dir)
            for n in 1...3 { try farm.startWorker("w\(n)") }
            #expect(eventually(seconds: 20) { (try? farm.workerStatus().count) == 3 })

            let submitted = try farm.cli(["submit"] + Self.inputs + ["-o", dir + "/out", "--segment-seconds", "1"])
            try #require(submitted.status == 0, "\(submitted.stderr)")
            let job = submitted.stdout.trimmingCharacters(in: .whitespacesAndNewlines)

            // SIGKILL a worker in the middle of a segment: its tasks are requeued as soon as its
            // connection is seen gone (the next heartbeat), within the liveness period (3 s
            // here) at the latest, and done by the others.
            var victim: String?
            #expect(try eventually(seconds: 60, every: 0.1) {
                victim = try farm.workerStatus().first { w in w.state == "busy" }?.name
                return victim != nil
            })
            let victimName = try #require(victim)
            Thread.sleep(forTimeInterval: 0.5)
            farm.workers[victimName]?.signal(SIGKILL)
            #expect(eventually(seconds: 15) {
                let log = farm.coordinator.log
                return log.contains("worker \(victimName) disconnected; requeuing") || log.contains("worker \(victimName) silent")
            })

            // SIGKILL the coordinator once some segments are done and others are not.
            #expect(try eventually(seconds: 90, every: 0.1) {
                guard let status = try farm.jobStatus(job) else { return false }
                return status.files.reduce(0) { $0 + $1.segmentsDone } >= 2
            })
            farm.coordinator.signal(SIGKILL)
            farm.coordinator.wait(seconds: 10)
            let before = try Self.segmentSnapshot(state: farm.state)
            let doneBefore = before.filter { $0.value.state == .done }
            #expect(!doneBefore.isEmpty)
            #expect(doneBefore.count < before.count, "the job finished before the coordinator could be killed mid-job")

            try farm.startCoordinator()
            #expect(try eventually(seconds: 180, every: 0.5) { try farm.jobStatus(job)?.state.isFinal == true })
            let final = try #require(try farm.jobStatus(job))
            #expect(final.state == .done, "\(final.files.compactMap(\.error))")
            #expect(farm.coordinator.log.contains("resuming"))
            let watched = try farm.cli(["watch", job])
            #expect(watched.status == 0 && watched.stdout.contains("job \(job)  done  3/3 files"), "\(watched.stdout)")

            // Graceful stop on SIGTERM, both sides.
            for (_, worker) in farm.workers { worker.signal(SIGTERM) }
            for (name, worker) in farm.workers where name != victimName { #expect(worker.wait(seconds: 20) == 0, "\(name): \(worker.log)") }
            farm.coordinator.signal(SIGTERM)
            #expect(farm.coordinator.wait(seconds: 20) == 0)

            // Finished segments were not redone: same attempt, same output.
            let after = try Self.segmentSnapshot(state: farm.state)
            for (key, record) in doneBefore {
                #expect(after[key]?.dispatches == record.dispatches, "\(key) was dispatched again")
                #expect(after[key]?.outputSHA256 == record.outputSHA256)
            }
            for input in Self.inputs {
                let output = dir + "/out/" + URL(fileURLWithPath: input).lastPathComponent
                #expect(try MediaInspection.videoTimestamps(output) == MediaInspection.videoTimestamps(input))
                #expect(try MediaInspection.nonVideoPackets(output) == MediaInspection.nonVideoPackets(input))
                let verified = try CLI.run("verify", output, "--key", farm.state + "/coordinator.pub")
                #expect(verified.status == 0, "\(verified.stderr)")
            }
            try Self.tamperingIsCaught(output: dir + "/out/h264_bframes.mp4", key: farm.state + "/coordinator.pub")
        }
    }

    static func segmentSnapshot(state: String) throws -> [SegmentKey: SegmentRecord] {
        let store = try JobStore(stateDirectory: state)
        var all: [SegmentKey: SegmentRecord] = [:]
        for file in try store.files() { for s in try store.segments(file: file.id) { all[s.key] = s } }
        return all
    }

    /// One changed byte in the output, or one changed number in the manifest, fails `verify`
    /// with a line naming what does not match.
    static func tamperingIsCaught(output: String, key: String) throws {
        var bytes = try FileBytes.read(output)
        bytes[bytes.count / 2] ^= 0x01
        try AtomicOutput.write(bytes, to: output)
        let damaged = try CLI.run("verify", output, "--key", key)
        #expect(damaged.status == 1)
        #expect(damaged.stderrLines.count == 1 && damaged.stderr.contains("output SHA-256"), "\(damaged.stderr)")
        bytes[bytes.count / 2] ^= 0x01
        try AtomicOutput.write(bytes, to: output)
        #expect(try CLI.run("verify", output, "--key", key).status == 0)

        let manifestPath = output + ".manifest.json"
        let manifest = try String(contentsOfFile: manifestPath, encoding: .utf8)
        let edited = manifest.replacingOccurrences(of: "\"videoFrames\" : 150", with: "\"videoFrames\" : 149")
        #expect(edited != manifest)
        try AtomicOutput.write(Array(edited.utf8), to: manifestPath)
        let forged = try CLI.run("verify", output, "--key", key)
        #expect(forged.status == 1)
        #expect(forged.stderr.contains("signature"), "\(forged.stderr)")
    }
}
