import Foundation
@testable import RedactCore
@testable import RedactIntegrity
@testable import RedactMedia
@testable import RedactSupport
@testable import RedactTransport
@testable import RedactVision
@testable import Redaction
import Testing

/// Every source keyframe stays a keyframe and the encoder adds none of its own (no scene cuts,
/// no interval), so seeking and NVR players behave as they did with the source.
@Suite struct KeyframePositionTests {
    static func keyframePts(_ path: String) throws -> [Int64] {
        try FFmpegOracle.run("/usr/bin/env", ["ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries", "packet=pts,dts,flags",
                                              "-of", "csv=p=0", path])
            .split(separator: "\n").filter { $0.contains(",K") }
            .compactMap { line in
                let f = line.split(separator: ",")
                return Int64(f[0]) ?? Int64(f[1])  // AVI stores no pts: decode time, which equals it there
            }.sorted()
    }

    static func redact(_ name: String, in dir: String, segmentSeconds: Double = 1) throws -> String {
        let out = dir + "/out." + URL(fileURLWithPath: name).pathExtension
        _ = try LocalFarm.zonesOnly(segmentSeconds: segmentSeconds).redact(input: Fixtures.corpus(name), output: out)
        return out
    }

    /// Closed GOPs of 1 s and of 4 s, MPEG-4 Part 2 in AVI and MPEG-2 in MXF (each written
    /// back in its own codec), in segments of 10 s: the keyframes inside a segment are where
    /// the source's are (x264 alone would put one every 250 frames, libavcodec's MPEG encoders
    /// every 12).
    @Test(arguments: ["h264_bframes.mp4", "long_gop.mp4", "mpeg4_ac3.avi", "h264_1080p.mp4", "mpeg2.mxf"])
    func keyframesStayWhereTheSourceHasThem(name: String) throws {
        try Fixtures.withTemporaryDirectory { dir in
            let source = try Self.keyframePts(Fixtures.corpus(name))
            try #require(source.count >= 3)
            #expect(try Self.keyframePts(try Self.redact(name, in: dir, segmentSeconds: 10)) == source)
        }
    }

    /// At an open-GOP cut a segment starts with the recovery point's leading pictures, and
    /// its keyframe moves to the first of them: as many keyframes, none more than the leading
    /// pictures earlier.
    @Test func atAnOpenGOPCutTheKeyframeMovesToTheFirstLeadingPicture() throws {
        try Fixtures.withTemporaryDirectory { dir in
            let name = "hevc_opengop.mkv"
            let source = try Self.keyframePts(Fixtures.corpus(name)), output = try Self.keyframePts(try Self.redact(name, in: dir))
            try #require(source.count == output.count, "\(source) against \(output)")
            let probe = try MediaProbe.probe(path: Fixtures.corpus(name), segmentSeconds: 1)
            let frame = Int64(1000 / 25)  // ms per frame in this Matroska file
            for (s, o) in zip(source, output) {
                #expect(o <= s && s - o <= Int64(probe.gop.maxLeadingPictures) * frame, "source \(s), output \(o)")
            }
            #expect(output != source, "the cuts fall on open-GOP points, so some keyframes move")
        }
    }
}
