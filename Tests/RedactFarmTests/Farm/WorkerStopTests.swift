import Foundation
import RedactCoordinator
import Testing

/// Cancel and stop mean it: a cancelled job's running segment is abandoned on the worker, a
/// worker told to stop never joins again, and a second signal stops it at once.
@Suite(.serialized) struct WorkerStopTests {
    /// A farm with one worker busy on a long segment (1 s segments of the ground truth take
    /// several seconds each at the default profile).
    func busyFarm(_ dir: String) throws -> (TestFarm, BackgroundProcess, String) {
        let farm = try TestFarm(directory: dir)
        let worker = try farm.startWorker("w1", ["--insecure", "--prefetch", "0"])
        #expect(eventually(seconds: 20) { (try? farm.workerStatus().count) == 1 })
        let submitted = try farm.cli(["submit", Fixtures.corpus("groundtruth.mp4"), "-o", dir + "/out", "--segment-seconds", "2"])
        try #require(submitted.status == 0, "\(submitted.stderr)")
        #expect(try eventually(seconds: 60, every: 0.1) { try farm.workerStatus().first?.state == "busy" })
        return (farm, worker, submitted.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    @Test func cancelAbandonsTheRunningSegmentOnTheWorker() throws {
        try Fixtures.withTemporaryDirectory { dir in
            let (farm, worker, job) = try busyFarm(dir)
            let cancelled = try farm.cli(["cancel", job])
            #expect(cancelled.status == 0, "\(cancelled.stderr)")
            #expect(eventually(seconds: 20) { worker.log.contains("abandoned task \(job)") }, "\(worker.log)")
            #expect(try farm.workerStatus().first?.state == "idle")
            #expect(!farm.coordinator.log.contains("result for \(job)"), "a result for the cancelled job arrived")
            #expect(try farm.jobStatus(job)?.state == .cancelled)
        }
    }

    @Test func aStoppedWorkerLeavesAndNeverRejoins() throws {
        try Fixtures.withTemporaryDirectory { dir in
            let (farm, worker, _) = try busyFarm(dir)
            worker.signal(SIGTERM)
            #expect(worker.wait(seconds: 120) == 0, "\(worker.log)")
            #expect(eventually(seconds: 10) { farm.coordinator.log.contains("worker w1 left") }, "\(farm.coordinator.log)")
            Thread.sleep(forTimeInterval: 3)  // long enough for a rejoin to show, were there one
            #expect(farm.coordinator.log.components(separatedBy: "worker w1 joined").count == 2, "\(farm.coordinator.log)")
        }
    }

    @Test func aSecondSignalStopsTheWorkerAtOnce() throws {
        try Fixtures.withTemporaryDirectory { dir in
            let (farm, worker, job) = try busyFarm(dir)
            worker.signal(SIGTERM)
            Thread.sleep(forTimeInterval: 0.2)
            worker.signal(SIGTERM)
            #expect(worker.wait(seconds: 30) == 0, "\(worker.log)")
            #expect(worker.log.contains("abandoned task \(job)"), "\(worker.log)")
            // What it held went back to the queue for others, counted as no failure.
            #expect(eventually(seconds: 10) { farm.coordinator.log.contains("handed back by w1") }, "\(farm.coordinator.log)")
        }
    }
}
