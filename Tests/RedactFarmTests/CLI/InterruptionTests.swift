import Foundation
import Testing

/// Nothing derived from a source outlives an interrupted `run` where others can read it: the
/// working folder (the source's segments) is private while it exists, removed on SIGINT and
/// SIGTERM, and removed by the next run into the same folder after a SIGKILL.
@Suite(.serialized) struct InterruptionTests {
    /// Starts a run long enough to be caught mid-work and waits until its working folder
    /// holds segments; returns the process and that folder.
    func startRun(into dir: String) throws -> (BackgroundProcess, String) {
        let run = try BackgroundProcess(CLI.binary, ["run", Fixtures.corpus("groundtruth.mp4"), "-o", dir + "/out.mp4",
                                                     "--segment-seconds", "1", "--workers", "1"], log: dir + "/../run-\(UUID().uuidString).log")
        var working: String?
        let found = eventually(seconds: 60, every: 0.05) {
            working = (try? FileManager.default.contentsOfDirectory(atPath: dir))?.first { $0.hasPrefix(".redactfarm-run-") }
                .map { dir + "/" + $0 }
            guard let working else { return false }
            return FileManager.default.enumerator(atPath: working)?.contains { ($0 as? String)?.hasSuffix(".rfseg") == true } == true
        }
        try #require(found, "the run never wrote a segment: \(run.log)")
        return (run, working!)
    }

    /// Every file under `dir` whose name suggests it came from the source.
    func leftovers(in dir: String) -> [String] {
        (FileManager.default.enumerator(atPath: dir)?.compactMap { $0 as? String } ?? [])
    }

    @Test(arguments: [SIGINT, SIGTERM])
    func aSignalEndsTheRunAndRemovesItsWorkingFiles(signal: Int32) throws {
        try Fixtures.withTemporaryDirectory { base in
            let dir = base + "/out"
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            let (run, working) = try startRun(into: dir)
            let mode = try FileManager.default.attributesOfItem(atPath: working)[.posixPermissions] as? Int
            #expect(mode == 0o700, "the working folder holds the source's segments and must be private")

            run.signal(signal)
            let status = run.wait(seconds: 30)
            #expect(status == 128 + signal, "\(run.log)")
            #expect(run.log.contains("stopped by \(signal == SIGINT ? "SIGINT" : "SIGTERM") before the job ended"), "\(run.log)")
            #expect(leftovers(in: dir).isEmpty, "left behind: \(leftovers(in: dir))")
        }
    }

    @Test func aKilledRunsLeftoversAreRemovedByTheNextRunIntoTheSameFolder() throws {
        try Fixtures.withTemporaryDirectory { base in
            let dir = base + "/out"
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            let (run, working) = try startRun(into: dir)
            run.signal(SIGKILL)
            run.wait(seconds: 10)
            #expect(FileManager.default.fileExists(atPath: working))

            let next = try CLI.run("run", Fixtures.asset("carphone_pristine.mp4"), "-o", dir + "/other.mp4", "--targets", "none",
                                   "--zone", "0,0,8,8")
            #expect(next.status == 0, "\(next.stderr)")
            #expect(!FileManager.default.fileExists(atPath: working))
            #expect(leftovers(in: dir).sorted() == ["other.mp4", "other.mp4.detections.json", "other.mp4.manifest.json"])
        }
    }

    /// A run whose every file fails leaves no folder it made.
    @Test func aFailedRunLeavesNoEmptyFolder() throws {
        try Fixtures.withTemporaryDirectory { base in
            let r = try CLI.run("run", Fixtures.corpus("audio_only.m4a"), Fixtures.corpus("audio_only.m4a"), "-o", base + "/made/here")
            #expect(r.status == 1)
            #expect(try FileManager.default.contentsOfDirectory(atPath: base).isEmpty)
        }
    }
}
