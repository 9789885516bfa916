import Foundation
@testable import RedactCoordinator
@testable import RedactCore
import Testing

/// A reviewer's corrections applied: `rerender` re-encodes only the segments whose hidden
/// regions change and takes every other one from the earlier output bit for bit; the same
/// inputs give the same file; a subject access request keeps one face visible and every
/// other one hidden; corrections made on another output, or naming tracks it lacks, are refused.
@Suite struct CorrectionsTests {
    /// The ground-truth clip redacted in 1 s segments (three of them), with its record.
    func redacted(in dir: String) throws -> (out: String, sha: String, report: RedactionReport) {
        let out = dir + "/out.mp4"
        let r = try CLI.run("run", Fixtures.corpus("groundtruth.mp4"), "-o", out, "--profile", "fast", "--segment-seconds", "1")
        try #require(r.status == 0, "\(r.stderr)")
        return (out, try SHA256Hex.ofFile(at: out), try OutputRecord.detections(of: out))
    }

    func write(_ corrections: Corrections, to path: String) throws {
        try JSONEncoder().encode(corrections).write(to: URL(fileURLWithPath: path))
    }

    func manifest(_ out: String) throws -> RedactionManifest {
        try SignedManifest.open(try FileBytes.read(out + ".manifest.json"), path: out).manifest
    }

    /// Frames of each track in the record.
    func trackFrames(_ report: RedactionReport) -> [Int: Int] {
        var frames: [Int: Int] = [:]
        for f in report.perFrame { for c in f.covered { if let t = c.track { frames[t, default: 0] += 1 } } }
        return frames
    }

    @Test func rerenderReencodesOnlyWhatChangesAndIsDeterministic() throws {
        try Fixtures.withTemporaryDirectory { dir in
            let (out, sha, report) = try redacted(in: dir)
            let before = try manifest(out)
            try #require(before.segments.count >= 3)
            // The shortest track of the first segment: not a face after all.
            let unhide = try #require(trackFrames(report).filter { $0.key < TrackIDs.perSegment }.min { $0.value < $1.value }?.key)
            try write(Corrections(tracks: [.init(track: unhide, action: .unhide)], outputSHA256: sha), to: dir + "/c.json")
            let first = try CLI.run("rerender", out, "--corrections", dir + "/c.json", "-o", dir + "/a.mp4")
            #expect(first.status == 0, "\(first.stderr)")
            #expect(first.stdout.contains("1 redacted again, \(before.segments.count - 1) reused"), "\(first.stdout)")
            #expect(try CLI.run("rerender", out, "--corrections", dir + "/c.json", "-o", dir + "/b.mp4").status == 0)
            #expect(try SHA256Hex.ofFile(at: dir + "/a.mp4") == SHA256Hex.ofFile(at: dir + "/b.mp4"), "a re-render is deterministic")

            let after = try manifest(dir + "/a.mp4")
            #expect(after.segments.map(\.handling) == ["redacted"] + Array(repeating: "reused", count: before.segments.count - 1))
            let correctionsSHA = try SHA256Hex.ofFile(at: dir + "/c.json")
            #expect(after.rerender?.previousOutput.sha256 == sha && after.correctionsSHA256 == correctionsSHA)
            #expect(after.parameters.corrections?.tracks.map(\.track) == [unhide])
            // The reused segments are the earlier output's packets, read from both files.
            let video = try #require(before.streams?.first { $0.stream.action == .redacted }?.outputIndex)
            let reused = Set(after.segments.filter(\.isReused).map(\.index))
            let old = try CopiedSegmentCheck(path: out, videoStream: video, frameCounts: before.segments.map(\.frameCount), copied: reused).found
            let new = try CopiedSegmentCheck(path: dir + "/a.mp4", videoStream: video, frameCounts: after.segments.map(\.frameCount), copied: reused).found
            #expect(!reused.isEmpty && reused.allSatisfy { old[$0]?.sha256 == new[$0]?.sha256 && old[$0]?.sha256 == after.segments[$0].reusedPayloadSHA256 })
            #expect(try FFmpegOracle.frameMD5(out) != FFmpegOracle.frameMD5(dir + "/a.mp4"), "the unhidden track's frames changed")
            // The record says why the track is visible; the rest is as it was.
            let record = try OutputRecord.detections(of: dir + "/a.mp4")
            #expect(record.perFrame.allSatisfy { !$0.covered.contains { $0.track == unhide } })
            #expect(record.perFrame.filter { $0.unhidden?.contains { $0.track == unhide } == true }.count == trackFrames(report)[unhide])
            let verified = try CLI.run("verify", dir + "/a.mp4")
            #expect(verified.status == 0 && verified.stdout.contains("reused from the earlier output"), "\(verified.stderr)")
            #expect(verified.stderr.contains("corrections were applied") && verified.stderr.contains("nobody has approved the corrected output"))

            // Corrections that change nothing give the earlier file back, byte for byte.
            try write(Corrections(outputSHA256: sha), to: dir + "/none.json")
            #expect(try CLI.run("rerender", out, "--corrections", dir + "/none.json", "-o", dir + "/same.mp4").status == 0)
            #expect(try SHA256Hex.ofFile(at: dir + "/same.mp4") == sha)
            #expect(try FileManager.default.contentsOfDirectory(atPath: dir).allSatisfy { !$0.contains("rerender") }, "no working folder is left")
        }
    }

    /// A subject access request: the requester's face (ground truth face 2) kept visible,
    /// every other face hidden, scored by the same evaluator as the recall floor.
    @Test func aSubjectAccessRequestKeepsOneFaceAndHidesTheOthers() throws {
        try Fixtures.withTemporaryDirectory { dir in
            let (out, sha, report) = try redacted(in: dir)
            let truth = try #require(try JSONSerialization.jsonObject(with: Data(FileBytes.read(Fixtures.corpus("groundtruth.json")))) as? [String: Any])
            let faces = try #require(truth["faces"] as? [[String: Any]])
            let subject = 2
            // The tracks that cover the subject's face and no other.
            var votes: [Int: Set<Int>] = [:]
            for (n, frame) in report.perFrame.enumerated() {
                let here = faces.filter { $0["frame"] as? Int == n }
                for c in frame.covered {
                    guard let track = c.track else { continue }
                    for face in here {
                        let b = face["box"] as? [Double] ?? []
                        if b.count == 4, c.box.intersectionOverUnion(Box(x0: b[0], y0: b[1], x1: b[2], y1: b[3])) > 0.2 {
                            votes[track, default: []].insert(face["id"] as? Int ?? -1)
                        }
                    }
                }
            }
            let kept = votes.filter { $0.value == [subject] }.keys.sorted()
            try #require(!kept.isEmpty)
            try write(Corrections(tracks: kept.map { .init(track: $0, action: .keep) }, outputSHA256: sha), to: dir + "/sar.json")
            let r = try CLI.run("rerender", out, "--corrections", dir + "/sar.json", "-o", dir + "/sar.mp4")
            try #require(r.status == 0, "\(r.stderr)")

            func score(_ output: String, faces keep: (Int) -> Bool) throws -> [String: Any] {
                var t = truth
                t["faces"] = faces.filter { keep($0["id"] as? Int ?? -1) }
                let path = dir + "/truth-\(UUID().uuidString).json"
                try JSONSerialization.data(withJSONObject: t).write(to: URL(fileURLWithPath: path))
                let json = try FFmpegOracle.run("/usr/bin/env", ["python3", Fixtures.packageRoot + "/Benchmarks/Evaluation/evaluate.py",
                                                                  Fixtures.corpus("groundtruth.mp4"), output, path, "--json"])
                return try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
            }
            // Measured 2026-12-03 (AMD Zen 4, bf16 on AVX-512): the other faces 1.0 (208
            // face-frames); the subject hidden in none of its 69 frames (recall 0), where the
            // first output hid it in all. 2026-12-06 (an Intel Xeon without AMX, whose bf16 detections
            // differ slightly): the subject hidden in 5 of 69, where a track that also covers
            // another face stays hidden, as it must. 2026-12-07 (`fast` remade on safe's passes,
            // int8): hidden in 8 of 69, visible for 55 frames in a row. Keeping the others hidden
            // is what cannot bend; the subject must be shown in most of its frames.
            let others = try score(dir + "/sar.mp4") { $0 != subject }
            #expect((others["recall"] as? Double ?? 0) >= 0.999 && (others["faces"] as? Int ?? 0) > 150, "\(others)")
            let theSubject = try score(dir + "/sar.mp4") { $0 == subject }
            #expect((theSubject["faces"] as? Int ?? 0) > 50 && (theSubject["recall"] as? Double ?? 1) < 0.2, "\(theSubject)")
            #expect(try score(out) { $0 == subject }["recall"] as? Double == 1, "before the correction the subject was hidden")
        }
    }

    /// HEVC in MP4 and Matroska: a re-render beside copied and reused segments (and, with
    /// --reencode-all, reused only) re-encodes the changed one with x265's sets numbered as the
    /// earlier output's, and what it takes from the earlier output and the source is theirs.
    @Test(arguments: [("sparse_faces_hevc.mp4", false), ("sparse_faces_hevc.mkv", false), ("sparse_faces_hevc.mp4", true)])
    func hevcIsReRenderedBesideWhatItReusesAndCopies(name: String, reencodeAll: Bool) throws {
        try Fixtures.withTemporaryDirectory { dir in
            let source = Fixtures.corpus(name), ext = URL(fileURLWithPath: name).pathExtension
            let out = dir + "/out." + ext, new = dir + "/new." + ext
            let r = try CLI.run(arguments: ["run", source, "-o", out, "--segment-seconds", "2"] + (reencodeAll ? ["--reencode-all"] : []))
            try #require(r.status == 0, "\(r.stderr)")
            if reencodeAll {
                // x265's own sets (id 0), as an earlier version wrote every HEVC MP4: not reusable
                // beside copied segments, and said so rather than failing at the join.
                let counts = try manifest(out).segments.map(\.frameCount)
                #expect(throws: MediaError.self) {
                    do {
                        try OutputSegments.read(path: out, videoStream: 0, frameCounts: counts, wanted: [0], timeBase: Rational(num: 1, den: 90000),
                                                inBandParameterSets: false, parameterSetID: HEVCRenumbering.id) { _ in }
                    } catch {
                        #expect((error as? MediaError)?.reason.contains("made by an earlier version") == true)
                        throw error
                    }
                }
            }
            // A zone in the last segment, where nobody is: that segment alone changes.
            try write(Corrections(zones: ["0,0,40,40@7.2-7.6"]), to: dir + "/c.json")
            let again = try CLI.run("rerender", out, "--corrections", dir + "/c.json", "-o", new, "--source", source)
            #expect(again.status == 0, "\(again.stderr)")
            let handling = try manifest(new).segments.map(\.handling)
            #expect(handling == (reencodeAll ? ["reused", "reused", "reused", "redacted"] : ["copied", "reused", "reused", "redacted"]), "\(handling)")
            #expect(try SegmentCopyTests.decodeErrors(new) == "")
            let before = try FFmpegOracle.frameMD5(out, streams: "0:v"), after = try FFmpegOracle.frameMD5(new, streams: "0:v")
            #expect(before.count == 200 && Array(after.prefix(150)) == Array(before.prefix(150)) && after.suffix(50) != before.suffix(50))
            let verified = try CLI.run("verify", new, "--source", source)
            #expect(verified.status == 0, "\(verified.stderr)")
        }
    }

    @Test func boxesAndZonesAddedByHandAreHidden() throws {
        try Fixtures.withTemporaryDirectory { dir in
            let (out, _, _) = try redacted(in: dir)
            let box = Corrections.ManualTrack(keyframes: [.init(seconds: 2.0, box: Box(x0: 10, y0: 10, x1: 60, y1: 60)),
                                                          .init(seconds: 2.4, box: Box(x0: 110, y0: 10, x1: 160, y1: 60))])
            try write(Corrections(boxes: [box], zones: ["0,300,40,40@3.2-3.5"]), to: dir + "/c.json")
            let r = try CLI.run("rerender", out, "--corrections", dir + "/c.json", "-o", dir + "/new.mp4")
            #expect(r.status == 0, "\(r.stderr)")
            let record = try OutputRecord.detections(of: dir + "/new.mp4")
            let manual = record.perFrame.filter { $0.covered.contains { $0.origin == .manual } }
            #expect(manual.count == 11 && manual.allSatisfy { ($0.seconds ?? 0) >= 2.0 - 1e-6 && ($0.seconds ?? 0) <= 2.4 + 1e-6 })
            // Half way, the box is half way.
            let middle = try #require(record.perFrame.first { abs(($0.seconds ?? 0) - 2.2) < 1e-6 }?.covered.first { $0.origin == .manual })
            #expect(abs(middle.box.x0 - 60) < 0.01 && middle.box.y0 == 10)
            #expect(record.perFrame.filter { $0.covered.contains { $0.target == .zone } }.count == 8)
            #expect(try CLI.run("verify", dir + "/new.mp4").status == 0)
        }
    }

    @Test func correctionsThatDoNotFitAreRefusedAndLeaveNothing() throws {
        try Fixtures.withTemporaryDirectory { dir in
            let (out, _, _) = try redacted(in: dir)
            func refused(_ corrections: String, status: Int32, saying reason: String, output: String? = nil) throws {
                let path = dir + "/bad.json"
                try Data(corrections.utf8).write(to: URL(fileURLWithPath: path))
                let target = output ?? dir + "/new.mp4"
                let r = try CLI.run("rerender", out, "--corrections", path, "-o", target)
                #expect(r.status == status && r.stderrLines.count == 1 && r.stderr.contains(reason), "\(r.status) \(r.stderr)")
                #expect(output != nil || !FileManager.default.fileExists(atPath: target))
                #expect(try FileManager.default.contentsOfDirectory(atPath: dir).allSatisfy { !$0.contains("rerender") })
            }
            let head = #"{"format":"redactfarm-corrections","version":1,"#
            try refused(head + #""outputSHA256":"ab12","tracks":[],"boxes":[],"zones":[]}"#, status: 1, saying: "made on another output")
            try refused(head + #""tracks":[{"track":77,"action":"keep"}],"boxes":[],"zones":[]}"#, status: 1, saying: "track 77, which its detections do not have")
            try refused(head + #""tracks":[{"track":1,"action":"maybe"}],"boxes":[],"zones":[]}"#, status: 64, saying: "is not a corrections file")
            try refused(head + #""tracks":[],"boxes":[{"keyframes":[]}],"zones":[]}"#, status: 64, saying: "at least one keyframe")
            try refused(head + #""tracks":[],"boxes":[],"zones":["0,0,0,0"]}"#, status: 64, saying: "--corrections")
            // A box drawn on a camera the file does not have would be drawn nowhere.
            let onCamera = { (stream: Int) in head + #""tracks":[],"boxes":[{"keyframes":[{"seconds":1,"box":{"x0":1,"y0":1,"x1":9,"y1":9}}],"stream":"# + "\(stream)}],\"zones\":[]}" }
            try refused(onCamera(3), status: 1, saying: "box track 1 is drawn on stream 3, which is not a video stream of this file (its video streams: 0)")
            try refused(onCamera(-1), status: 64, saying: "a stream: the index of a video stream")
            try refused("not json", status: 64, saying: "is not a corrections file")
            try refused(head + #""tracks":[],"boxes":[],"zones":[]}"#, status: 64, saying: "is the output being corrected", output: out)
            #expect(try CLI.run("rerender", out, "-o", dir + "/x.mp4").status == 64, "--corrections is required")
            // run --corrections: a decision on a track this run's detection does not give.
            try Data((head + #""tracks":[{"track":99000000,"action":"unhide"}],"boxes":[],"zones":[]}"#).utf8).write(to: URL(fileURLWithPath: dir + "/far.json"))
            let run = try CLI.run("run", Fixtures.corpus("groundtruth.mp4"), "-o", dir + "/run.mp4", "--profile", "fast", "--corrections", dir + "/far.json")
            #expect(run.status == 1 && run.stderr.contains("track 99000000"), "\(run.stderr)")
            #expect(!FileManager.default.fileExists(atPath: dir + "/run.mp4"))
        }
    }
}
