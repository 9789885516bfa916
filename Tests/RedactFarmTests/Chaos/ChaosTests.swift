import Foundation
import RedactCoordinator
@testable import RedactCore
@testable import RedactIntegrity
@testable import RedactMedia
@testable import RedactSupport
@testable import RedactTransport
@testable import RedactVision
@testable import Redaction
import Testing

/// The farm under chaos, as real processes over loopback: a coordinator and three workers,
/// SIGKILLed at random moments (seeded; the seed is printed) and restarted, plus a scripted
/// worker that misbehaves in every way it can. Every job must end within a bound, every output
/// verify frame-exact, no temporaries be left and every manifest name its workers.
///
/// `make chaos` runs the long version (REDACTFARM_CHAOS=long: more files, more kills, at least
/// 20 minutes); REDACTFARM_CHAOS_SEED replays a run.
@Suite(.serialized) struct ChaosTests {
    struct Plan {
        var files: Int
        var clipSeconds: Int
        var workerKills: Int
        var coordinatorKills: Int
        var minimumMinutes: Double
        var boundSeconds: Double
        /// Seconds between one kill (or check) and the next.
        var pause: ClosedRange<Double>

        static var current: Plan {
            ProcessInfo.processInfo.environment["REDACTFARM_CHAOS"] == "long"
                ? Plan(files: 24, clipSeconds: 10, workerKills: 80, coordinatorKills: 16, minimumMinutes: 20, boundSeconds: 2700,
                       pause: 1.5...6.0)
                : Plan(files: 6, clipSeconds: 6, workerKills: 6, coordinatorKills: 2, minimumMinutes: 0, boundSeconds: 420,
                       pause: 0.6...2.0)
        }
    }

    @Test func everyJobEndsVerifiedThroughKillsAndAMisbehavingWorker() throws {
        let plan = Plan.current
        let seed = ProcessInfo.processInfo.environment["REDACTFARM_CHAOS_SEED"].flatMap { UInt64($0) } ?? UInt64.random(in: 1...999_999)
        print("chaos seed \(seed) (replay with REDACTFARM_CHAOS_SEED=\(seed)); \(plan.files) files, \(plan.workerKills) worker and \(plan.coordinatorKills) coordinator kills")
        var rng = SeededGenerator(seed: seed)
        try Fixtures.withTemporaryDirectory { (dir) throws in
            // Sources: distinct clips with audio, 1-second GOPs, so every file has several segments.
            var sources: [String] = []
            for n in 0..<plan.files {
                let path = dir + "/src-\(n).mp4"
                _ = try Subprocess.run("/usr/bin/env", ["ffmpeg", "-nostdin", "-v", "error", "-f", "lavfi", "-i", "testsrc2=size=640x360:rate=25",
                                                "-f", "lavfi", "-i", "sine=frequency=\(300 + 40 * n):sample_rate=48000",
                                                "-t", "\(plan.clipSeconds)", "-c:v", "libx264", "-g", "25", "-bf", "2", "-pix_fmt", "yuv420p",
                                                "-c:a", "aac", "-shortest", path])
                sources.append(path)
            }
            let farm = try TestFarm(directory: dir, extra: ["--insecure", "--max-attempts", "12"])
            let workerNames = ["c1", "c2", "c3"]
            for name in workerNames { try farm.startWorker(name) }
            let misbehaving = MisbehavingWorker(endpoint: farm.workEndpoint)
            defer { misbehaving.stop() }

            var jobs: [(id: String, folder: String)] = []
            func submitWave() throws {
                let folder = dir + "/out-\(jobs.count)"
                let submitted = try farm.cli(["submit"] + sources + ["-o", folder, "--segment-seconds", "1", "--targets", "none",
                                                                     "--zone", "0,0,120,90", "--preset", "ultrafast"])
                try #require(submitted.status == 0, "\(submitted.stderr)")
                jobs.append((submitted.stdout.trimmingCharacters(in: .whitespacesAndNewlines), folder))
            }
            func allJobsEnded() -> Bool {
                jobs.allSatisfy { (try? farm.jobStatus($0.id)?.state.isFinal) == true }
            }
            try submitWave()

            let started = Date()
            var workerKills = 0, coordinatorKills = 0
            while true {
                #expect(Date().timeIntervalSince(started) < plan.boundSeconds, "the farm did not finish within \(plan.boundSeconds) s")
                guard Date().timeIntervalSince(started) < plan.boundSeconds else { break }
                Thread.sleep(forTimeInterval: Double.random(in: plan.pause, using: &rng))
                let quotaMet = workerKills >= plan.workerKills && coordinatorKills >= plan.coordinatorKills
                let longEnough = Date().timeIntervalSince(started) >= plan.minimumMinutes * 60
                if allJobsEnded() {
                    if quotaMet && longEnough { break }
                    try submitWave()  // more work to be killed in the middle of
                    continue
                }
                // The last wave runs to its end undisturbed, once there has been chaos enough.
                guard !(quotaMet && longEnough) else { continue }
                let coordinatorTurn = workerKills >= plan.workerKills && coordinatorKills < plan.coordinatorKills
                    || Int.random(in: 0..<5, using: &rng) == 0
                if coordinatorTurn {
                    farm.coordinator.signal(SIGKILL)
                    farm.coordinator.wait(seconds: 10)
                    coordinatorKills += 1
                    Thread.sleep(forTimeInterval: Double.random(in: 0.2...1.0, using: &rng))
                    try farm.startCoordinator()
                } else {
                    let name = workerNames[Int.random(in: 0..<workerNames.count, using: &rng)]
                    farm.workers[name]?.signal(SIGKILL)
                    farm.workers[name]?.wait(seconds: 10)
                    workerKills += 1
                    Thread.sleep(forTimeInterval: Double.random(in: 0.2...1.5, using: &rng))
                    try farm.startWorker(name)
                }
            }
            #expect(workerKills >= plan.workerKills && coordinatorKills >= plan.coordinatorKills)

            // Every job ended, done; every output is the source frame for frame and verifies.
            var outputs = 0
            for job in jobs {
                let status = try #require(try farm.jobStatus(job.id))
                #expect(status.state == .done, "job \(job.id): \(status.files.compactMap(\.error))")
                for source in sources {
                    let output = job.folder + "/" + URL(fileURLWithPath: source).lastPathComponent
                    guard FileManager.default.fileExists(atPath: output) else { Issue.record("missing \(output)"); continue }
                    outputs += 1
                    #expect(try MediaInspection.videoTimestamps(output) == MediaInspection.videoTimestamps(source), "\(output)")
                    #expect(try MediaInspection.nonVideoPackets(output) == MediaInspection.nonVideoPackets(source), "\(output)")
                    let verified = try CLI.run("verify", output, "--key", farm.state + "/coordinator.pub")
                    #expect(verified.status == 0, "\(output): \(verified.stderr)")
                    let manifest = try SignedManifest.open(FileBytes.read(OutputSidecars.manifestPath(output)), path: output).manifest
                    let unnamed = manifest.segments.filter { $0.worker.isEmpty || $0.worker == "unknown" || $0.workerHost == nil }
                    #expect(unnamed.isEmpty, "\(output): segments \(unnamed.map(\.index)) do not name their worker")
                }
                let leftovers = try FileManager.default.contentsOfDirectory(atPath: job.folder).filter { $0.hasSuffix(".partial") }
                #expect(leftovers.isEmpty, "temporaries left in \(job.folder): \(leftovers)")
            }
            let work = (try? FileManager.default.contentsOfDirectory(atPath: farm.state + "/work")) ?? []
            #expect(work.isEmpty, "working folders left: \(work)")

            // The figures.
            let logs = try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.hasPrefix("coordinator-") && $0.hasSuffix(".log") }
            let log = logs.map { (try? String(contentsOfFile: dir + "/" + $0, encoding: .utf8)) ?? "" }.joined()
            let delays = log.split(separator: "\n").compactMap { line -> Int? in
                guard line.contains("re-dispatched"), let ms = line.components(separatedBy: " ms after").first?.split(separator: " ").last else { return nil }
                return Int(ms)
            }.sorted()
            func count(_ text: String) -> Int { log.components(separatedBy: text).count - 1 }
            let figures: [String: Double] = [
                "seed": Double(seed), "minutes": Date().timeIntervalSince(started) / 60, "jobs": Double(jobs.count),
                "outputs": Double(outputs), "workerKills": Double(workerKills), "coordinatorKills": Double(coordinatorKills),
                "redispatches": Double(delays.count),
                "redispatchAfterRequeueMaxMs": Double(delays.last ?? 0),
                "redispatchAfterRequeueMedianMs": Double(delays.isEmpty ? 0 : delays[delays.count / 2]),
                "lateResultsAccepted": Double(count("accepted the late result")),
                "resultsIgnoredAsAlreadyDone": Double(count("ignored a result for")),
                "tasksAdoptedAfterRestart": Double(count("carries on (not dispatched again)")),
                "tasksTakenBack": Double(count("took ")),
                "invariantRepairs": Double(count("invariant broken")),
                "workersQuarantined": Double(count("quarantined:")),
            ]
            let line = figures.sorted { $0.key < $1.key }.map { "\($0.key)=\(String(format: "%g", ($0.value * 100).rounded() / 100))" }
                .joined(separator: " ")
            print("chaos figures: \(line)")
            if let data = try? JSONSerialization.data(withJSONObject: figures, options: [.sortedKeys, .prettyPrinted]) {
                try? data.write(to: URL(fileURLWithPath: Fixtures.packageRoot + "/.cache/chaos-\(plan.minimumMinutes > 0 ? "long" : "short").json"))
            }
            let breaks = log.split(separator: "\n").filter { $0.contains("invariant broken") }
            #expect(breaks.isEmpty, "the lease invariant broke and had to be repaired:\n\(breaks.joined(separator: "\n"))")
            #expect(misbehaving.tricksPlayed.withLock { $0.count } >= 4, "the misbehaving worker played too few tricks")
        }
    }
}
