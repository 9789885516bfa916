import Foundation
import Testing

/// Every bad input ends the same way: exit status 1, exactly one line on stderr naming the
/// file and the reason, no crash, and nothing left behind that looks like a finished output.
@Suite struct BadInputTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var file: String
        var reason: String
        var testDescription: String { file }
    }

    static let inputs: [Case] = [
        .init(file: "empty.mp4", reason: "file is empty"),
        .init(file: "random.mp4", reason: "not a readable media file"),
        .init(file: "truncated_moov_at_end.mp4", reason: "without a readable index (moov box)"),
        .init(file: "truncated_faststart.mp4", reason: "truncated"),
        .init(file: "audio_only.m4a", reason: "no video stream"),
    ]

    func expectRefusal(_ r: CLI.Result, naming path: String, because reason: String) {
        #expect(r.status == 1)
        #expect(r.stderrLines.count == 1, "stderr was: \(r.stderr)")
        #expect(r.stderr.hasPrefix("redactfarm: error: \(path): "), "stderr was: \(r.stderr)")
        #expect(r.stderr.contains(reason), "stderr was: \(r.stderr)")
    }

    @Test(arguments: inputs)
    func probeAndSplitRefuseBadInput(input: Case) throws {
        let path = Fixtures.corpus(input.file)
        expectRefusal(try CLI.run("probe", path), naming: path, because: input.reason)
        try Fixtures.withTemporaryDirectory { dir in
            let out = dir + "/segments"
            expectRefusal(try CLI.run("split", path, "-o", out), naming: path, because: input.reason)
            #expect(!FileManager.default.fileExists(atPath: out), "split left \(out) behind")
        }
    }

    @Test func missingInput() throws {
        let path = "/nonexistent/clip.mp4"
        expectRefusal(try CLI.run("probe", path), naming: path, because: "no such file")
    }

    @Test func splitIntoAFolderThatCannotBeCreated() throws {
        try Fixtures.withTemporaryDirectory { dir in
            let blocker = dir + "/a-file"
            FileManager.default.createFile(atPath: blocker, contents: Data("x".utf8))
            let out = blocker + "/segments"
            expectRefusal(try CLI.run("split", Fixtures.corpus("h264_bframes.mp4"), "-o", out),
                          naming: out, because: "cannot create the output folder")
        }
    }

    @Test func splitRefusesAFolderThatAlreadyHoldsFiles() throws {
        try Fixtures.withTemporaryDirectory { dir in
            FileManager.default.createFile(atPath: dir + "/keep.txt", contents: Data())
            expectRefusal(try CLI.run("split", Fixtures.corpus("h264_bframes.mp4"), "-o", dir),
                          naming: dir, because: "not empty")
            #expect(try FileManager.default.contentsOfDirectory(atPath: dir) == ["keep.txt"])
        }
    }

    /// Splits a clip into `dir/seg` and returns the folder.
    func split(_ name: String, in dir: String) throws -> String {
        let seg = dir + "/seg"
        let r = try CLI.run("split", Fixtures.corpus(name), "--segment-seconds", "1", "-o", seg)
        #expect(r.status == 0, "split failed: \(r.stderr)")
        return seg
    }

    func expectNoOutput(in dir: String, named name: String) throws {
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.contains(name) }
        #expect(leftovers.isEmpty, "left behind: \(leftovers)")
    }

    @Test func stitchRefusesASegmentAlteredAfterSplitting() throws {
        try Fixtures.withTemporaryDirectory { dir in
            let seg = try split("h264_bframes.mp4", in: dir)
            let victim = seg + "/seg-00002.rfseg"
            var bytes = try Data(contentsOf: URL(fileURLWithPath: victim))
            bytes[bytes.count / 2] ^= 0x01
            try bytes.write(to: URL(fileURLWithPath: victim))
            let out = dir + "/out.mp4"
            expectRefusal(try CLI.run("stitch", seg, "-o", out), naming: victim, because: "does not match the plan")
            try expectNoOutput(in: dir, named: "out.mp4")
        }
    }

    @Test func stitchRefusesAMissingSegment() throws {
        try Fixtures.withTemporaryDirectory { dir in
            let seg = try split("h264_bframes.mp4", in: dir)
            try FileManager.default.removeItem(atPath: seg + "/seg-00001.rfseg")
            let out = dir + "/out.mp4"
            expectRefusal(try CLI.run("stitch", seg, "-o", out), naming: seg + "/seg-00001.rfseg", because: "No such file")
            try expectNoOutput(in: dir, named: "out.mp4")
        }
    }

    @Test func stitchRefusesASourceChangedSinceSplit() throws {
        try Fixtures.withTemporaryDirectory { dir in
            let copy = dir + "/source.mp4"
            try FileManager.default.copyItem(atPath: Fixtures.corpus("h264_bframes.mp4"), toPath: copy)
            let seg = dir + "/seg"
            #expect(try CLI.run("split", copy, "-o", seg).status == 0)
            let handle = try #require(FileHandle(forWritingAtPath: copy))
            handle.seekToEndOfFile()
            handle.write(Data([0]))
            try handle.close()
            expectRefusal(try CLI.run("stitch", seg, "-o", dir + "/out.mp4"), naming: copy, because: "source changed since it was split")
        }
    }

    @Test func stitchRefusesAnOutputFolderThatDoesNotExist() throws {
        try Fixtures.withTemporaryDirectory { dir in
            let seg = try split("h264_bframes.mp4", in: dir)
            let out = dir + "/missing/out.mp4"
            expectRefusal(try CLI.run("stitch", seg, "-o", out), naming: out, because: "does not exist")
        }
    }

    @Test func stitchRefusesAnotherContainerThanTheSource() throws {
        try Fixtures.withTemporaryDirectory { dir in
            let seg = try split("h264_bframes.mp4", in: dir)
            let out = dir + "/out.mkv"
            expectRefusal(try CLI.run("stitch", seg, "-o", out), naming: out, because: "keep the source's container")
            try expectNoOutput(in: dir, named: "out.mkv")
        }
    }

    @Test func stitchRefusesAnOutputPathThatIsAFolder() throws {
        try Fixtures.withTemporaryDirectory { dir in
            let seg = try split("h264_bframes.mp4", in: dir)
            let out = dir + "/out.mp4"
            try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: false)
            expectRefusal(try CLI.run("stitch", seg, "-o", out), naming: out, because: "is a folder")
        }
    }

    @Test func stitchRefusesADamagedPlan() throws {
        try Fixtures.withTemporaryDirectory { dir in
            let seg = try split("h264_bframes.mp4", in: dir)
            try Data(#"{"formatVersion": 1}"#.utf8).write(to: URL(fileURLWithPath: seg + "/plan.json"))
            expectRefusal(try CLI.run("stitch", seg, "-o", dir + "/out.mp4"), naming: seg + "/plan.json", because: "not a valid segment plan (missing")
        }
    }

    @Test func stitchRefusesAFolderWithoutAPlan() throws {
        try Fixtures.withTemporaryDirectory { dir in
            expectRefusal(try CLI.run("stitch", dir, "-o", dir + "/out.mp4"), naming: dir + "/plan.json", because: "No such file")
        }
    }
}

/// `redactfarm run` over several files: one bad file is named and skipped, the others finish.
/// Each runs with a home folder of its own, as on a machine `run` never ran on: what it says
/// must not depend on what an earlier run kept there (auto precision's trial).
@Suite struct RunCommandTests {
    @Test func aBadFileDoesNotStopTheOthers() throws {
        try Fixtures.withTemporaryDirectory { dir in
            let good = Fixtures.asset("carphone_pristine.mp4"), bad = Fixtures.corpus("audio_only.m4a")
            let out = dir + "/out", home = dir + "/home"
            let r = try CLI.run(home: home, "run", good, bad, "-o", out, "--profile", "fast")
            #expect(r.status == 1)
            #expect(r.stderrLines == ["redactfarm: error: \(bad): no video stream"])
            let made = try FileManager.default.contentsOfDirectory(atPath: out).sorted()
            #expect(made == ["carphone_pristine.mp4", "carphone_pristine.mp4.detections.json", "carphone_pristine.mp4.manifest.json"])
        }
    }

    /// Refused before anything is timed or written: auto precision's trial waits for every
    /// other option to be valid.
    @Test func aMalformedZoneIsAUsageRefusal() throws {
        try Fixtures.withTemporaryDirectory { dir in
            let out = dir + "/out", home = dir + "/home"
            try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
            let r = try CLI.run(home: home, "run", Fixtures.asset("carphone_pristine.mp4"), "-o", out + "/out.mp4", "--zone", "1,2,3")
            #expect(r.status == 64)
            #expect(r.stderrLines.count == 1 && r.stderr.contains("zone is x,y,w,h"))
            #expect(try FileManager.default.contentsOfDirectory(atPath: out).isEmpty)
            #expect(!FileManager.default.fileExists(atPath: home + "/precision-trial.json"))
        }
    }
}
