import Foundation
@testable import RedactCore
@testable import RedactIntegrity
@testable import RedactMedia
@testable import RedactSupport
@testable import RedactTransport
@testable import RedactVision
@testable import Redaction
import Testing

/// split → stitch with no processing gives back the input: every decoded frame and audio
/// block with its timestamp (as ffmpeg's framemd5 sees them), every non-video packet byte for
/// byte, and the stream metadata (rotation, colour, language, disposition) and duration.
@Suite struct RoundTripTests {
    @Test(arguments: CorpusClip.all)
    func splitThenStitchIsTheIdentity(clip: CorpusClip) throws {
        let source = Fixtures.media(clip.name)
        try Fixtures.withTemporaryDirectory { dir in
            let ext = URL(fileURLWithPath: source).pathExtension
            let output = dir + "/out." + ext
            let plan = try Splitter.split(input: source, segmentSeconds: clip.segmentSeconds, into: dir + "/seg")
            // plan.json is written a segment at a time: it must read back as the plan.
            #expect(try PlanStore.read(directory: dir + "/seg") == plan)
            for kept in [0, 1] {
                var cut = plan
                cut.segments = Array(cut.segments.prefix(kept))
                try PlanStore.write(cut, to: dir)
                #expect(try PlanStore.read(directory: dir) == cut)
            }
            let report = try Stitcher.stitch(directory: dir + "/seg", output: output)
            #expect(report.streams.allSatisfy { $0.stream.action != .dropped })
            #expect(report.sha256 == (try SHA256Hex.ofFile(at: output)))

            let before = try FFmpegOracle.frameMD5(source)
            let after = try FFmpegOracle.frameMD5(output)
            #expect(before.count > 10)
            #expect(before == after)

            #expect(try MediaInspection.nonVideoPackets(source) == MediaInspection.nonVideoPackets(output))

            let a = try MediaProbe.probe(path: source, segmentSeconds: 10)
            let b = try MediaProbe.probe(path: output, segmentSeconds: 10)
            // MPEG-TS stores no stream duration; libavformat estimates it from where the last
            // packets sit in the file, which a remux moves (the packets themselves are checked
            // byte for byte above).
            let estimated = a.container == "mpegts"
            #expect(a.streams.map { comparable($0, estimatedDuration: estimated) }
                == b.streams.map { comparable($0, estimatedDuration: estimated) })
            #expect(a.durationSeconds == b.durationSeconds)
            #expect(a.gop.frames == b.gop.frames)
        }
    }

    @Test func rotationAndColourAreKept() throws {
        let rotated = try MediaProbe.probe(path: Fixtures.corpus("rotated.mp4"), segmentSeconds: 10)
        #expect(rotated.streams[0].rotationDegrees == -90)  // FFmpeg reports a 90° clockwise matrix as -90
        let hd = try MediaProbe.probe(path: Fixtures.corpus("h264_1080p.mp4"), segmentSeconds: 10)
        #expect(hd.streams[0].colorPrimaries == "bt709")
        #expect(hd.streams[0].colorRange == "tv")
        // The round trip above compares these fields; this pins that the fixtures carry them.
    }

    /// Stream fields that must survive; bit rate is left out because muxers recompute it.
    func comparable(_ s: StreamReport, estimatedDuration: Bool) -> StreamReport {
        var s = s
        s.bitRate = nil
        if estimatedDuration { s.durationSeconds = nil }
        return s
    }
}
