import Foundation
@testable import RedactCore
@testable import RedactCoordinator
@testable import RedactIntegrity
@testable import RedactMedia
@testable import RedactSupport
@testable import Redaction
import Testing

/// A file with several video streams (an NVR's cameras in one export): each stream is split,
/// redacted and tracked on its own and written back in its place, and the record lists every
/// one. The fixtures differ in size, rate, GOP and B-frames per stream, so the streams'
/// segments and packets interleave unevenly.
@Suite struct MultipleVideoStreamsTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var name: String
        /// The zone's time window, as `--zone` takes it after `@` (nil: the whole file).
        var window: ClosedRange<Double>?
        var testDescription: String { name }
    }

    static func field(_ path: String, stream: Int, _ name: String) throws -> String {
        try FFmpegOracle.run("/usr/bin/env", ["ffprobe", "-v", "error", "-select_streams", "\(stream)", "-show_entries", "stream=\(name)",
                                              "-of", "csv=p=0", path]).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    static let clips = ["twocams.mp4", "twocams.ts", "twocams_frag.mp4", "twovideo.mkv"]

    /// Split and stitch with no processing give back the input, every stream's every frame
    /// and packet, and a fragmented MP4's fragments track by track; the plan numbers the
    /// first stream's segments first, then the second's, which name it.
    @Test(arguments: clips)
    func splitThenStitchIsTheIdentity(name: String) throws {
        let source = Fixtures.corpus(name)
        try Fixtures.withTemporaryDirectory { dir in
            let plan = try Splitter.split(input: source, segmentSeconds: 1, into: dir + "/seg")
            #expect(try PlanStore.read(directory: dir + "/seg") == plan)
            #expect(plan.video.streamIndex == 0 && plan.otherVideo?.map(\.streamIndex) == [1])
            #expect(plan.segments.map(\.index) == Array(plan.segments.indices))
            let first = plan.segmentPositions(ofStream: 0), second = plan.segmentPositions(ofStream: 1)
            #expect(!first.isEmpty && !second.isEmpty && first + second == Array(plan.segments.indices))
            #expect(second.allSatisfy { plan.segments[$0].stream == 1 } && first.allSatisfy { plan.segments[$0].stream == nil })
            let out = dir + "/out." + URL(fileURLWithPath: name).pathExtension
            let report = try Stitcher.stitch(directory: dir + "/seg", output: out)
            #expect(report.videoFrames == plan.frameCount)
            #expect(try FFmpegOracle.frameMD5(source) == FFmpegOracle.frameMD5(out))
            #expect(try MediaInspection.nonVideoPackets(out) == MediaInspection.nonVideoPackets(source))
            if name.hasSuffix("frag.mp4") {
                let layout = try #require(MP4Fragments.read(path: source)?.samplesPerFragment)
                #expect(layout.count > 4 && MP4Fragments.read(path: out)?.samplesPerFragment == layout)
            }
        }
    }

    /// A segment of a video stream the plan does not describe is an error wherever it is
    /// used: never another stream's settings (rate, rotation, clock) in its place.
    @Test func aSegmentOfAStreamThePlanDoesNotDescribeIsRefused() throws {
        try Fixtures.withTemporaryDirectory { dir in
            var plan = try Splitter.split(input: Fixtures.corpus("twocams.mp4"), segmentSeconds: 1, into: dir + "/seg")
            let second = try #require(plan.segments.last)
            #expect(try plan.video(of: second).streamIndex == 1 && plan.video(of: plan.segments[0]).streamIndex == 0)
            plan.otherVideo = nil
            #expect(throws: MediaError.self) { try plan.video(of: second) }
            #expect(throws: MediaError.self) { try plan.view(of: second) }
            try PlanStore.write(plan, to: dir + "/seg")
            #expect { try Stitcher.stitch(directory: dir + "/seg", output: dir + "/out.mp4") } throws: { error in
                (error as? MediaError)?.reason.contains("a segment of no video stream it describes") == true
            }
        }
    }

    /// Each frame's time from the stream's first frame, in the order shown.
    static func frameSeconds(_ path: String, stream: Int) throws -> [Double] {
        let times = try FFmpegOracle.run("/usr/bin/env", ["ffprobe", "-v", "error", "-select_streams", "\(stream)", "-show_entries", "packet=pts_time",
                                                          "-of", "default=nw=1:nk=1", path]).split(separator: "\n").compactMap { Double($0) }.sorted()
        return times.map { $0 - (times.first ?? 0) }
    }

    @Test(arguments: [Case(name: "twocams.mp4", window: 1...2), Case(name: "twocams.ts", window: 1...2), Case(name: "twocams_frag.mp4", window: 1...2),
                      Case(name: "twovideo.mkv", window: nil)])
    func everyVideoStreamIsRedactedFrameExact(_ clip: Case) throws {
        let source = Fixtures.corpus(clip.name)
        try Fixtures.withTemporaryDirectory { dir in
            let out = dir + "/out." + URL(fileURLWithPath: clip.name).pathExtension
            // Where both test patterns have texture (testsrc's corner is black, as the fill is).
            let zone = "40,40,32,32" + (clip.window.map { "@\(Int($0.lowerBound))-\(Int($0.upperBound))" } ?? "")
            let report = try LocalFarm.zonesOnly(zone, look: RedactionLook(style: .fill)).redact(input: source, output: out)
            // Every video stream's frames with their pts and durations, every other packet.
            #expect(try MediaInspection.videoTimestamps(out) == MediaInspection.videoTimestamps(source))
            #expect(try MediaInspection.nonVideoPackets(out) == MediaInspection.nonVideoPackets(source))
            let videos = try MediaInput(path: source).videoStreams()
            #expect(videos == [0, 1])
            #expect(try MediaInput(path: out).videoStreams() == videos)
            for stream in videos {
                for name in ["codec_name", "profile", "pix_fmt", "width", "height", "r_frame_rate", "time_base"] {
                    #expect(try Self.field(out, stream: stream, name) == Self.field(source, stream: stream, name), "stream \(stream) \(name)")
                }
            }
            #expect(try Self.field(out, stream: 1, "stream_tags=title") == Self.field(source, stream: 1, "stream_tags=title"))
            if clip.name == "twocams.mp4" {
                // Each stream's re-encoded parameter sets (listed first) state its own constant
                // rate, as its tasks were sent with its own settings: 25 fps and 15 fps. (The
                // fragmented copy's second stream starts with a gap: its rate is not constant.)
                #expect(try BitstreamTimingTests.timing(out, stream: 0) == .init(unitsInTick: 1, timeScale: 50, fixedFrameRate: 1))
                #expect(try BitstreamTimingTests.timing(out, stream: 1) == .init(unitsInTick: 1, timeScale: 30, fixedFrameRate: 1))
            }

            // In each stream, the zone hidden in the frames of its window and nowhere else (the
            // copied segments' bytes are checked by verify, below).
            for (n, stream) in videos.enumerated() {
                let before = try LumaFrames.read(source, video: n), after = try LumaFrames.read(out, video: n)
                try #require(before.count == after.count && !before.isEmpty, "stream \(stream): \(before.count) frames in, \(after.count) out")
                let times = try Self.frameSeconds(source, stream: stream)
                try #require(times.count == before.count)
                var hidden = 0
                for (i, (a, b)) in zip(before, after).enumerated() {
                    let seconds = times[i]
                    let inZone = LumaFrames.meanAbsDiff(a, b, x: 42..<70, y: 42..<70)
                    let elsewhere = LumaFrames.meanAbsDiff(a, b, x: 90..<(a.width - 8), y: 90..<(a.pixels.count / a.width - 8))
                    #expect(elsewhere <= 3, "stream \(stream) frame \(i): elsewhere \(elsewhere)")
                    if clip.window.map({ $0.contains(seconds) && seconds < $0.upperBound }) ?? true {
                        #expect(inZone > 4, "stream \(stream) frame \(i): zone \(inZone)")
                        hidden += 1
                    } else {
                        #expect(inZone <= 3, "stream \(stream) frame \(i) at \(seconds) s: zone \(inZone) outside its time")
                    }
                }
                #expect(hidden > 0)
            }

            // The record: each stream's segments name it (the first's none), each stream is
            // listed as redacted with its frames, and verify checks it all.
            let manifest = try SignedManifest.open(FileBytes.read(OutputSidecars.manifestPath(out)), path: out).manifest
            let frames = try videos.map { try LumaFrames.read(source, video: $0).count }
            let segmentsOfSecond = manifest.segments.filter { $0.stream == 1 }
            #expect(!segmentsOfSecond.isEmpty && manifest.segments.allSatisfy { $0.stream == nil || $0.stream == 1 })
            #expect(segmentsOfSecond.reduce(0) { $0 + $1.frameCount } == frames[1])
            #expect(manifest.videoFrames == frames.reduce(0, +))
            let redacted = (manifest.streams ?? []).filter { $0.stream.action == .redacted }
            #expect(redacted.map(\.stream.index) == videos && redacted.map(\.packets) == frames.map { Optional($0) })
            #expect(redacted.allSatisfy { $0.writtenCodec == "h264" })
            #expect(report.streamTimeBases?.map(\.stream) == [1])
            #expect(report.perFrame.filter { $0.stream == 1 }.count == frames[1])
            let verified = try ManifestVerifier.verify(output: out, source: source)
            #expect(verified.checks.contains("video frame count (\(frames.reduce(0, +)))"))
        }
    }

    /// A copied segment of the second stream that is not the source's bytes is caught by
    /// `verify`, in that stream's own packets.
    @Test func verifyChecksEachStreamsCopiedSegments() throws {
        let source = Fixtures.corpus("twocams.mp4")
        try Fixtures.withTemporaryDirectory { dir in
            let out = dir + "/out.mp4"
            _ = try LocalFarm.zonesOnly("0,0,32,32@1-2").redact(input: source, output: out)
            let manifest = try SignedManifest.open(FileBytes.read(OutputSidecars.manifestPath(out)), path: out).manifest
            let copiedOfSecond = manifest.segments.filter { $0.stream == 1 && $0.isCopied }
            try #require(!copiedOfSecond.isEmpty)
            let video = try #require(manifest.streams?.first { $0.stream.index == 1 }?.outputIndex)
            #expect(try CopiedSegmentCheck.firstCopyMismatch(in: out, videoStream: video, segments: manifest.segments, of: 1) == nil)
            // Held to the first stream's packets, the second's records do not match.
            #expect(try CopiedSegmentCheck.firstCopyMismatch(in: out, videoStream: 0, segments: manifest.segments, of: 1) != nil)
        }
    }

    /// The leak audit looks at every video stream against what was hidden in its own frames:
    /// two cameras with faces, redacted with face detection off, are flagged in each, by
    /// `run --audit` and by `audit` alike, and each finding names its stream.
    /// Two cameras with real faces in one MP4 (the ground truth and the car phone clip, copied
    /// as they are).
    static func twoFaces(in dir: String) throws -> String {
        let source = dir + "/twofaces.mp4"
        _ = try FFmpegOracle.run("/usr/bin/env", ["ffmpeg", "-nostdin", "-v", "error", "-i", Fixtures.corpus("groundtruth.mp4"),
                                                  "-i", Fixtures.asset("carphone_pristine.mp4"), "-map", "0:v", "-map", "1:v", "-c", "copy", source])
        return source
    }

    @Test func theLeakAuditExaminesEveryStream() throws {
        try Fixtures.withTemporaryDirectory { dir in
            let source = try Self.twoFaces(in: dir)
            let frames = try [0, 1].map { try Self.frameSeconds(source, stream: $0).count }
            let out = dir + "/out.mp4"
            let made = try CLI.run("run", source, "-o", out, "--targets", "none", "--zone", "0,0,8,8", "--profile", "fast", "--audit")
            #expect(made.status == 1 && made.stderr.contains("the audit found"), "\(made.stderr)")
            let audit = try #require(try SignedManifest.open(FileBytes.read(OutputSidecars.manifestPath(out)), path: out).manifest.audit)
            #expect(audit.framesExamined == frames.reduce(0, +))
            #expect(audit.findings.contains { $0.stream == nil } && audit.findings.contains { $0.stream == 1 }, "\(audit.findings.count) findings")
            #expect(audit.findings.allSatisfy { $0.stream == nil || $0.stream == 1 })
            let again = try CLI.run("audit", out, "--json")
            #expect(again.status == 1)
            let found = try JSONDecoder().decode(AuditRerun.self, from: Data(again.stdout.utf8)).output
            #expect(found.framesExamined == audit.framesExamined && Set(found.findings.compactMap(\.stream)) == [1])
        }
    }

    /// A reviewer's corrections on a two-camera output: `rerender` redacts again only what
    /// they change, in its own stream, and takes every other segment from the earlier output
    /// bit for bit, each from its own stream's packets.
    @Test func rerenderTakesEachStreamsUnchangedSegmentsFromItsOwnPackets() throws {
        try Fixtures.withTemporaryDirectory { dir in
            let source = try Self.twoFaces(in: dir)
            let out = dir + "/out.mp4"
            let made = try CLI.run("run", source, "-o", out, "--segment-seconds", "2")
            try #require(made.status == 0, "\(made.stderr)")
            let before = try SignedManifest.open(FileBytes.read(OutputSidecars.manifestPath(out)), path: out).manifest
            let record = try OutputRecord.detections(of: out)
            let track = try #require(record.perFrame.filter { $0.stream == 1 }.flatMap { $0.covered.compactMap(\.track) }.first)
            let corrections = dir + "/c.json"
            try JSONEncoder().encode(Corrections(tracks: [.init(track: track, action: .unhide)], outputSHA256: before.output.sha256))
                .write(to: URL(fileURLWithPath: corrections))
            let rerendered = try CLI.run("rerender", out, "--corrections", corrections, "-o", dir + "/a.mp4")
            #expect(rerendered.status == 0, "\(rerendered.stderr)")
            let after = try SignedManifest.open(FileBytes.read(OutputSidecars.manifestPath(dir + "/a.mp4")), path: dir + "/a.mp4").manifest
            // The first camera's segments are the earlier output's; the second's, where the
            // track was, redacted again (or, nothing else hidden there, copied from the source).
            #expect(after.segments.filter { $0.stream == nil }.allSatisfy { $0.isReused }, "\(after.segments.map { ($0.stream, $0.handling) })")
            #expect(after.segments.contains { $0.stream == 1 && !$0.isReused })
            let unhidden = try OutputRecord.detections(of: dir + "/a.mp4").perFrame.filter { $0.unhidden?.contains { $0.track == track } == true }
            #expect(!unhidden.isEmpty && unhidden.allSatisfy { $0.stream == 1 })
            #expect(try CLI.run("verify", dir + "/a.mp4").status == 0)
            // Corrections that change nothing give the earlier file back, byte for byte: every
            // segment of both streams reused from its own stream's packets.
            try JSONEncoder().encode(Corrections(outputSHA256: before.output.sha256)).write(to: URL(fileURLWithPath: dir + "/none.json"))
            #expect(try CLI.run("rerender", out, "--corrections", dir + "/none.json", "-o", dir + "/same.mp4").status == 0)
            #expect(try SHA256Hex.ofFile(at: dir + "/same.mp4") == before.output.sha256)
        }
    }

    struct AuditRerun: Decodable {
        var output: AuditSummary
    }
}
