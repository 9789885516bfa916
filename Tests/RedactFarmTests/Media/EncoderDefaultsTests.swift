import Foundation
import Testing

/// Each encoder family re-encodes with its own measured default (x264: `veryfast` at CRF 17,
/// `superfast` without CABAC under `--profile fast`; x265: `faster` at 18), and
/// `--crf`/`--preset`, when given, apply to both. Read from the
/// output itself: x264 and x265 write the options they ran with into the bitstream (an SEI
/// message), which is what a user's `strings` or MediaInfo shows.
@Suite struct EncoderDefaultsTests {
    /// The encoder's own options line, from the output's bytes; the source is made with
    /// other settings so a copied source SEI could not pass for ours.
    static func encoderOptions(_ path: String, encoder: String) throws -> String {
        let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        let text = String(decoding: bytes.map { $0 == 0 ? 0x0A : $0 }, as: UTF8.self)
        let lines = text.split(separator: "\n").filter { $0.contains(encoder) && $0.contains("options:") }
        try #require(lines.count == 1, "\(lines.count) \(encoder) option lines in \(path)")
        return String(lines[0])
    }

    struct Case: Sendable, CustomTestStringConvertible {
        var codec: String
        var encoder: String
        var options: [String]
        var expected: [String]
        var testDescription: String { "\(codec) \(options.joined(separator: " "))" }
    }

    @Test(arguments: [
        // Two frame threads on every machine, whatever its cores: a segment encodes alike
        // on every worker.
        Case(codec: "libx264", encoder: "x264 - core", options: [], expected: [" crf=17.0 ", " subme=2 ", " ref=1 ", " threads=2 "]),
        Case(codec: "libx264", encoder: "x264 - core", options: ["--crf", "20", "--preset", "faster"], expected: [" crf=20.0 ", " subme=4 ", " ref=2 "]),
        // `fast` encodes for speed first (superfast, CAVLC) unless a preset is given; x265
        // is the same under every profile.
        Case(codec: "libx264", encoder: "x264 - core", options: ["--profile", "fast"], expected: [" cabac=0 ", " crf=17.0 ", " subme=1 ", " ref=1 "]),
        Case(codec: "libx264", encoder: "x264 - core", options: ["--profile", "fast", "--preset", "veryfast"], expected: [" cabac=1 ", " subme=2 "]),
        Case(codec: "libx264", encoder: "x264 - core", options: [], expected: [" cabac=1 "]),
        Case(codec: "libx265", encoder: "x265 (build", options: ["--profile", "fast"], expected: [" crf=18.0 "]),
        Case(codec: "libx265", encoder: "x265 (build", options: [], expected: [" crf=18.0 "]),
        Case(codec: "libx265", encoder: "x265 (build", options: ["--crf", "22"], expected: [" crf=22.0 "]),
    ])
    func reencodesWithTheFamilysDefaultUnlessTold(_ c: Case) throws {
        try Fixtures.withTemporaryDirectory { dir in
            let source = dir + "/source.mkv"
            let params = c.codec == "libx264" ? ["-x264-params", "crf=30"] : ["-x265-params", "log-level=error:crf=30"]
            _ = try FFmpegOracle.run("/usr/bin/env", ["ffmpeg", "-nostdin", "-v", "error", "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25:duration=2",
                                                      "-c:v", c.codec, "-preset", c.codec == "libx264" ? "superfast" : "ultrafast"] + params + ["-g", "25", source])
            let out = dir + "/out.mkv"
            let made = try CLI.run(arguments: ["run", source, "-o", out, "--targets", "none", "--zone", "0,0,16,16", "--reencode-all"] + c.options)
            try #require(made.status == 0, "\(made.stderr)")
            let line = try Self.encoderOptions(out, encoder: c.encoder)
            for option in c.expected { #expect(line.contains(option), "\(option) not in \(line)") }
            #expect(!line.contains(" crf=30.0 "), "the source's encoder options came through: \(line)")
        }
    }
}
