import Foundation
@testable import RedactCore
import RedactCoordinator
import Testing

/// What an operator does to a running fleet: drain a worker, list the fleet, script it.
@Suite(.serialized) struct FleetOperationTests {
    @Test func aDrainedWorkerFinishesWhatItRunsAndLeavesWhileTheJobGoesOn() throws {
        try Fixtures.withTemporaryDirectory { (dir) throws in
            let farm = try TestFarm(directory: dir)
            let leaving = try farm.startWorker("leaving"), staying = try farm.startWorker("staying")
            #expect(eventually(seconds: 20) { (try? farm.workerStatus().count) == 2 })
            let listed = try #require(try farm.workerStatus().first { $0.name == "leaving" })
            #expect(listed.address == "127.0.0.1", "\(listed)")
            #expect(listed.host != nil && listed.software == "redactfarm \(RedactFarmVersion.current)" && (listed.lastHeardSeconds ?? 99) < 5)
            let table = try farm.cli(["workers"])
            #expect(table.stdout.contains("HOST") && table.stdout.contains("VERSION") && table.stdout.contains(RedactFarmVersion.current), "\(table.stdout)")

            let input = Fixtures.media("sparse_faces.mp4")
            let submitted = try farm.cli(["submit", input, "-o", dir + "/out", "--targets", "none", "--zone", "0,0,32,32", "--segment-seconds", "1"])
            try #require(submitted.status == 0, "\(submitted.stderr)")
            let job = submitted.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            #expect(try eventually(seconds: 60, every: 0.05) { try farm.workerStatus().first { $0.name == "leaving" }?.state == "busy" })
            let drained = try farm.cli(["drain", "leaving"])
            #expect(drained.status == 0 && drained.stdout == "draining leaving\n", "\(drained.stderr)")
            #expect(leaving.wait(seconds: 60) == 0, "\(leaving.log)")
            #expect(leaving.log.contains("drained by the coordinator: handed back"), "\(leaving.log)")
            #expect(try eventually(seconds: 10) { try farm.workerStatus().map(\.name) == ["staying"] })
            #expect(try eventually(seconds: 120, every: 0.5) { try farm.jobStatus(job)?.state.isFinal == true })
            #expect(try farm.jobStatus(job)?.state == .done)
            #expect(try MediaInspection.videoTimestamps(dir + "/out/sparse_faces.mp4") == MediaInspection.videoTimestamps(input))

            // Nothing to drain by that name: one line, exit 1.
            let unknown = try farm.cli(["drain", "nobody"])
            #expect(unknown.status == 1 && unknown.stderrLines == ["redactfarm: error: no connected worker is named nobody"], "\(unknown.stderr)")

            // Scripts get numbers as numbers.
            let jobs = try farm.cli(["jobs", "--json"])
            let lines = try #require(try JSONSerialization.jsonObject(with: Data(jobs.stdout.utf8)) as? [[String: Any]])
            #expect(lines.first?["files"] as? Int == 1 && lines.first?["filesDone"] as? Int == 1, "\(jobs.stdout)")
            #expect(lines.first?["fractionDone"] as? Double == 1 && (lines.first?["frameCount"] as? Int ?? 0) > 0, "\(jobs.stdout)")

            // Priorities: given at submit, changed while the job runs, shown by status.
            let background = try farm.cli(["submit", input, "-o", dir + "/later", "--targets", "none", "--zone", "0,0,32,32", "--priority", "-5"])
            try #require(background.status == 0, "\(background.stderr)")
            let later = background.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            #expect(try farm.jobStatus(later)?.priority == -5)
            let raised = try farm.cli(["prioritize", String(later.prefix(8)), "--priority", "20"])
            #expect(raised.status == 0 && raised.stdout == "\(later) priority 20\n", "\(raised.stderr)")
            #expect(try farm.jobStatus(later)?.priority == 20)
            let absurd = try farm.cli(["prioritize", later, "--priority", "1000"])
            #expect(absurd.status == 64 && absurd.stderrLines.count == 1 && absurd.stderr.contains("-100"), "\(absurd.stderr)")
            #expect(try farm.cli(["submit", input, "-o", dir + "/never", "--priority", "101"]).status == 64)
            #expect(try eventually(seconds: 120, every: 0.5) { try farm.jobStatus(later)?.state.isFinal == true })

            staying.signal(SIGTERM)
            #expect(staying.wait(seconds: 20) == 0)
        }
    }
}
