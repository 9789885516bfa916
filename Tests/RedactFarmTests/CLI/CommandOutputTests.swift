import Foundation
import RedactCore
import Testing

/// `probe --json`: the file, and whether (and why not) it can be redacted.
struct ProbeOutput: Decodable {
    var probe: ProbeReport
    var redaction: PreflightReport
}

/// Results go to stdout (JSON with --json), and what probe previews is what split does.
@Suite struct CommandOutputTests {
    @Test func probeJSONDescribesStreamsGOPsAndThePlan() throws {
        let path = Fixtures.corpus("hevc_opengop.mkv")
        let r = try CLI.run("probe", path, "--segment-seconds", "2", "--json")
        #expect(r.status == 0)
        #expect(r.stderr.isEmpty)
        let output = try JSONDecoder().decode(ProbeOutput.self, from: Data(r.stdout.utf8))
        let report = output.probe
        #expect(output.redaction.canRedact)
        #expect(output.redaction.streams.map(\.action) == [.redacted, .copied, .copied])
        #expect(report.container == "matroska,webm")
        #expect(report.streams.map(\.type) == ["video", "audio", "audio"])
        #expect(report.streams[1].language == "eng")
        #expect(report.streams[2].disposition.contains("comment"))
        #expect(report.gop.frames == 150)
        #expect(report.gop.keyframeKinds["cra", default: 0] >= 4)
        #expect(report.gop.openGOPPoints >= 4)
        #expect(report.gop.maxLeadingPictures > 0)
    }

    /// `probe --zone` shows where a zone lands and which frames it covers, counted from the
    /// first frame (this TS starts at 1.4 s) and drawn on the picture as shown (this MP4 is
    /// turned 90° clockwise: the shown top left is the coded bottom left).
    @Test func probeShowsWhereEachZoneLandsAndWhichFramesItCovers() throws {
        let timed = try CLI.run("probe", Fixtures.corpus("h264_opengop.ts"), "--zone", "0,0,10,10@1-2")
        #expect(timed.status == 0, "\(timed.stderr)")
        #expect(timed.stdout.contains("zone #1    shown at 0,0,10,10, coded at 0,0,10,10: frames 25-49 (25, 1.000-1.960 s from the first frame)"),
                "\(timed.stdout)")
        let turned = try CLI.run("probe", Fixtures.corpus("rotated.mp4"), "--zone", "0%,0%,25%,20%", "--json")
        #expect(turned.status == 0, "\(turned.stderr)")
        struct Zones: Decodable { var zones: [ZonePreview] }
        let zone = try #require(try JSONDecoder().decode(Zones.self, from: Data(turned.stdout.utf8)).zones.first)
        #expect(zone.shownBox == [0, 0, 60, 64])
        #expect(zone.codedBox == [0, 180, 64, 60])
        #expect(zone.frames == 100)
        let late = try CLI.run("probe", Fixtures.corpus("rotated.mp4"), "--zone", "0,0,10,10@00:01:00-")
        #expect(late.status == 1)
        #expect(late.stdout.contains("no frame: it is active only after the video ends"))
        let outside = try CLI.run("probe", Fixtures.corpus("rotated.mp4"), "--zone", "500,0,10,10")
        #expect(outside.status == 1)
        #expect(outside.stdout.contains("zone #1    lies outside the picture: it would hide nothing"), "\(outside.stdout)")
        #expect(outside.stdout.contains("--zone #1 (500,0,10,10) lies outside the 240x320 picture"), "\(outside.stdout)")
        let bad = try CLI.run("probe", Fixtures.corpus("rotated.mp4"), "--zone", "0,0,10%,10")
        #expect(bad.status == 64)
    }

    @Test func splitWritesExactlyThePlanProbePreviews() throws {
        let path = Fixtures.corpus("h264_opengop.ts")
        let probe = try JSONDecoder().decode(ProbeOutput.self, from: Data(try CLI.run("probe", path, "--segment-seconds", "2", "--json").stdout.utf8)).probe
        try Fixtures.withTemporaryDirectory { dir in
            let r = try CLI.run("split", path, "--segment-seconds", "2", "-o", dir + "/seg", "--json")
            #expect(r.status == 0)
            let plan = try JSONDecoder().decode(SegmentPlan.self, from: Data(r.stdout.utf8))
            #expect(plan.segments.map(\.frameCount) == probe.plan.segments.map(\.frames))
            #expect(plan.segments.map(\.decodePrefixPackets) == probe.plan.segments.map(\.decodePrefixFrames))
            #expect(plan.input.sha256 == (try SHA256Hex.ofFile(at: path)))

            let s = try CLI.run("stitch", dir + "/seg", "-o", dir + "/out.ts", "--json")
            #expect(s.status == 0)
            let report = try JSONDecoder().decode(StitchReport.self, from: Data(s.stdout.utf8))
            #expect(report.videoFrames == plan.frameCount)
            #expect(report.sha256 == (try SHA256Hex.ofFile(at: dir + "/out.ts")))
            let recorded = try JSONDecoder().decode(StitchReport.self, from: Data(contentsOf: URL(fileURLWithPath: dir + "/seg/stitch.json")))
            #expect(recorded == report)
        }
    }
}
