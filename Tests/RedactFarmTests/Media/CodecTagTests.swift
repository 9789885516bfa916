import Foundation
@testable import RedactCore
@testable import RedactIntegrity
@testable import RedactMedia
@testable import RedactSupport
@testable import RedactTransport
@testable import RedactVision
@testable import Redaction
import Testing

/// A re-encoded stream in the source's codec keeps the source's sample-entry tag, which
/// players go by: QuickTime and iOS play HEVC tagged hvc1 and refuse hev1.
@Suite struct CodecTagTests {
    static func videoTag(_ path: String) throws -> String {
        try FFmpegOracle.run("/usr/bin/env", ["ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries",
                                              "stream=codec_tag_string", "-of", "csv=p=0", path])
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @Test(arguments: ["hvc1", "hev1"])
    func anHEVCMP4KeepsItsTag(tag: String) throws {
        try Fixtures.withTemporaryDirectory { dir in
            let source = dir + "/\(tag).mp4"
            _ = try FFmpegOracle.run("/usr/bin/env", ["ffmpeg", "-nostdin", "-v", "error", "-i", Fixtures.corpus("hevc_opengop.mkv"),
                                                      "-map", "0:v", "-c", "copy", "-tag:v", tag, source])
            try #require(try Self.videoTag(source) == tag)
            let out = dir + "/out.mp4"
            _ = try LocalFarm.zonesOnly().redact(input: source, output: out)
            #expect(try Self.videoTag(out) == tag)
            #expect(try MediaInspection.videoTimestamps(out) == MediaInspection.videoTimestamps(source))
        }
    }
}
