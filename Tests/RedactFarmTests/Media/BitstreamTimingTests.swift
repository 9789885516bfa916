import Foundation
@testable import RedactCore
@testable import RedactIntegrity
@testable import RedactMedia
@testable import RedactSupport
@testable import RedactTransport
@testable import RedactVision
@testable import Redaction
import Testing

/// The re-encoded stream's own timing information (H.264 SPS VUI, HEVC VPS/VUI) states the
/// source's frame rate, as FFmpeg's trace_headers reads it: what a remux to an elementary
/// stream, or a player trusting the VUI, goes by.
@Suite struct BitstreamTimingTests {
    struct Timing: Equatable, CustomStringConvertible {
        var unitsInTick: Int
        var timeScale: Int
        /// H.264 only.
        var fixedFrameRate: Int?
        var description: String { "\(timeScale)/\(unitsInTick) fixed \(fixedFrameRate.map(String.init) ?? "-")" }
    }

    /// The first timing fields of the first parameter sets in `path`'s video (or in its
    /// stream `stream`).
    static func timing(_ path: String, stream: Int? = nil) throws -> Timing? {
        let log = try Subprocess.run("/usr/bin/env", ["ffmpeg", "-nostdin", "-i", path, "-map", stream.map { "0:\($0)" } ?? "0:v", "-c", "copy",
                                                      "-bsf:v", "trace_headers", "-frames:v", "1", "-f", "null", "-"]).stderr
        var fields: [String: Int] = [:]
        for line in String(decoding: log, as: UTF8.self).split(separator: "\n") {
            for name in ["num_units_in_tick", "time_scale", "fixed_frame_rate_flag"] {
                let words = line.split(separator: " ")
                guard let named = words.first(where: { $0.hasSuffix(name) }), fields[name] == nil, named.hasSuffix(name),
                      let value = words.last.flatMap({ Int($0) }) else { continue }
                fields[name] = value
            }
        }
        guard let ticks = fields["num_units_in_tick"], let scale = fields["time_scale"] else { return nil }
        return Timing(unitsInTick: ticks, timeScale: scale, fixedFrameRate: fields["fixed_frame_rate_flag"])
    }

    static func zonesOnly(_ name: String, in dir: String) throws -> String {
        let out = dir + "/out." + URL(fileURLWithPath: name).pathExtension
        _ = try LocalFarm.zonesOnly().redact(input: Fixtures.corpus(name), output: out)
        return out
    }

    /// 25 fps sources in time bases of 1/12800 (MP4), 1/90000 (TS) and 1/25 (AVI): H.264 out
    /// declares 25 fps, fixed (time_scale is two ticks a frame), never the time base.
    @Test(arguments: ["h264_bframes.mp4", "h264_opengop.ts", "h264_bframes.avi"])
    func anH264OutputStatesTheSourcesConstantRate(name: String) throws {
        try Fixtures.withTemporaryDirectory { dir in
            let timing = try #require(try Self.timing(try Self.zonesOnly(name, in: dir)))
            #expect(timing == Timing(unitsInTick: 1, timeScale: 50, fixedFrameRate: 1), "\(timing)")
        }
    }

    @Test func anHEVCOutputStatesTheSourcesRate() throws {
        try Fixtures.withTemporaryDirectory { dir in
            let timing = try #require(try Self.timing(try Self.zonesOnly("hevc_opengop.mkv", in: dir)))
            #expect(Double(timing.timeScale) / Double(timing.unitsInTick) == 25, "\(timing)")
        }
    }

    /// A variable rate is not claimed as fixed: the VUI gives the clock tick only (the
    /// time base, two ticks to its unit), and the frames keep their own timestamps.
    @Test func aVariableRateIsNotDeclaredFixed() throws {
        try Fixtures.withTemporaryDirectory { dir in
            let out = try Self.zonesOnly("vfr.mp4", in: dir)
            let timing = try #require(try Self.timing(out))
            #expect(timing.fixedFrameRate == 0, "\(timing)")
            #expect(try MediaInspection.videoTimestamps(out) == MediaInspection.videoTimestamps(Fixtures.corpus("vfr.mp4")))
        }
    }

    @Test func theHeaderDecidesWhatIsConstant() throws {
        let constant = try MediaProbe.probe(path: Fixtures.corpus("h264_bframes.mp4"), segmentSeconds: 10)
        #expect(constant.streams[constant.videoStream].constantFrameRate == Rational(num: 25, den: 1))
        let variable = try MediaProbe.probe(path: Fixtures.corpus("vfr.mp4"), segmentSeconds: 10)
        #expect(variable.streams[variable.videoStream].constantFrameRate == nil)
    }
}
