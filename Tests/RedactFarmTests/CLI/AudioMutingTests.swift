import Foundation
@testable import RedactCore
@testable import RedactIntegrity
@testable import RedactMedia
@testable import RedactSupport
@testable import Redaction
import Testing

/// `--audio`, `--mute` and `--bleep`, checked by decoding: a muted stretch is silent, and the
/// rest of the stream is the source's, packet for packet and (but for one codec frame on each
/// side of a stretch in lossy audio) sample for sample.
@Suite struct AudioMutingTests {
    /// One audio stream decoded packet by packet (every packet's samples untrimmed, as the
    /// muter sees them), channel 0, with each packet's start in seconds from the first frame.
    struct Decoded {
        var starts: [Double] = []
        var frames: [[Float]] = []
        var rate = 0.0

        /// Every sample with its time from the first frame.
        func samples() -> [(t: Double, x: Float)] {
            zip(starts, frames).flatMap { start, frame in frame.enumerated().map { (start + Double($0.offset) / rate, $0.element) } }
        }
    }

    static func decode(_ path: String) throws -> Decoded {
        let input = try MediaInput(path: path)
        let video = try input.primaryVideoStream()
        let audio = try #require((0..<input.streamCount).first { StreamReport(input.stream($0)).type == "audio" })
        let st = input.stream(audio)
        input.selectStreams([video])
        var origin = Double.infinity
        let vtb = Rational(input.stream(video).pointee.time_base).doubleValue
        while let (_, p) = try input.readPacket() {
            if p.pts != EncodedPacket.noTimestamp { origin = min(origin, Double(p.pts) * vtb) }
        }
        let again = try MediaInput(path: path)
        again.selectStreams([audio])
        let decoder = try AudioDecoder(parameters: st.pointee.codecpar!, timeBase: st.pointee.time_base, label: path)
        var out = Decoded(rate: Double(st.pointee.codecpar!.pointee.sample_rate))
        let atb = Rational(st.pointee.time_base).doubleValue
        // Samples follow on from the packet before unless the timestamp says otherwise by more
        // than the container's rounding (Matroska's milliseconds).
        var next: Double? = nil
        while let (_, p) = try again.readPacket() {
            let stated = Double(p.pts) * atb - origin
            var start = next.map { abs($0 - stated) <= atb + 1.5 / out.rate ? $0 : stated } ?? stated
            for frame in try decoder.decode(p) {
                out.starts.append(start)
                out.frames.append(frame[0])
                start += Double(frame[0].count) / out.rate
            }
            next = start
        }
        return out
    }

    func manifest(_ output: String) throws -> RedactionManifest {
        try SignedManifest.open(try FileBytes.read(output + ".manifest.json"), path: output).manifest
    }

    /// A 4 s clip with a 440 Hz tone (-18 dBFS), made here so every codec and container is known.
    static func clip(_ dir: String, _ name: String, audio: [String], video: [String] = ["-c:v", "libx264", "-g", "25"]) throws -> String {
        let path = dir + "/" + name
        _ = try FFmpegOracle.run("/usr/bin/env", ["ffmpeg", "-nostdin", "-v", "error", "-f", "lavfi", "-i", "testsrc2=size=160x120:rate=25",
                                                 "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000", "-t", "4"] + video + audio + ["-shortest", path])
        return path
    }

    struct Case: CustomTestStringConvertible, Sendable {
        var name: String
        var audio: [String]
        var video: [String] = ["-c:v", "libx264", "-g", "25"]
        /// Decoded samples this far outside a stretch may differ (a lossy codec's overlapping frame).
        var margin: Double
        /// How far the untouched decode may differ: 0 is bit for bit.
        var tolerance: Float = 0
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        // Perceptual noise substitution off: the decode is then exact outside the margins.
        Case(name: "aac.mp4", audio: ["-c:a", "aac", "-aac_pns", "0", "-b:a", "96k"], margin: 2048 / 48000),
        Case(name: "aac.ts", audio: ["-c:a", "aac", "-aac_pns", "0", "-ar", "44100", "-ac", "2"], margin: 2048 / 44100),
        // With PNS the decoder's noise generator runs on through the new packets: the packets
        // stay the source's, their noise bands decode a hair apart (-100 dBFS here).
        Case(name: "aac_pns.mkv", audio: ["-c:a", "aac", "-b:a", "64k"], margin: 2048 / 48000, tolerance: 1e-3),
        // MP2's and AC-3's decoders carry dither state from frame to frame: after a muted
        // stretch the packets are the source's and decode a least significant bit apart.
        Case(name: "mp2.ts", audio: ["-c:a", "mp2", "-b:a", "192k"], margin: 2 * 1152 / 48000, tolerance: 1e-4),
        Case(name: "ac3.mkv", audio: ["-c:a", "ac3", "-b:a", "192k"], margin: 2 * 1536 / 48000, tolerance: 1e-4),
        Case(name: "pcm.mov", audio: ["-c:a", "pcm_s16le"], margin: 0),
        Case(name: "mulaw.avi", audio: ["-c:a", "pcm_mulaw", "-ar", "8000"], video: ["-c:v", "mjpeg"], margin: 0),
        Case(name: "s24.mkv", audio: ["-c:a", "pcm_s24le"], margin: 0),
    ]

    @Test(arguments: cases)
    func aMutedStretchIsSilentAndTheRestIsTheSource(_ c: Case) throws {
        try Fixtures.withTemporaryDirectory { (dir) throws in
            let source = try Self.clip(dir, c.name, audio: c.audio, video: c.video)
            let out = dir + "/out-" + c.name
            let r = try CLI.run("run", source, "-o", out, "--targets", "none", "--zone", "0,0,16,16", "--mute", "1-0:02")
            #expect(r.status == 0, "\(r.stderr)")

            // Every packet keeps its timing; only the listed ones change their bytes.
            let m = try manifest(out)
            let audio = try #require(m.streams?.first { $0.stream.type == "audio" })
            #expect(audio.stream.action == .muted)
            let muting = try #require(audio.muting)
            #expect(muting.spans == [AudioTreatment.Span(from: 1, until: 2)] && muting.sound == .silence)
            let replaced = Set(muting.replacedRuns.flatMap { $0[0]...$0[1] })
            #expect(!replaced.isEmpty && muting.replacedPackets == replaced.count)
            let before = try MediaInspection.nonVideoPackets(source), after = try MediaInspection.nonVideoPackets(out)
            #expect(before.count == after.count && muting.keptPackets + muting.replacedPackets == after.count)
            for (i, (a, b)) in zip(before, after).enumerated() {
                #expect(a.pts == b.pts && a.dts == b.dts && a.duration == b.duration, "packet \(i)")
                if !replaced.contains(i) { #expect(a.data == b.data, "packet \(i) was not muted but changed") }
            }

            // Silent inside, the source outside.
            let x = try Self.decode(source).samples(), y = try Self.decode(out).samples()
            #expect(x.count == y.count)
            var inside = 0, outside = 0
            for (a, b) in zip(x, y) {
                #expect(abs(a.t - b.t) < 1e-9)
                if a.t >= 1 + c.margin, a.t < 2 - c.margin {
                    inside += 1
                    if abs(b.x) >= 1e-3 { Issue.record("\(c.name): sample at \(a.t) s is \(b.x), inside the muted stretch"); return }
                } else if a.t < 1 - c.margin || a.t >= 2 + c.margin {
                    outside += 1
                    if abs(a.x - b.x) > c.tolerance { Issue.record("\(c.name): sample at \(a.t) s is \(b.x), the source's \(a.x)"); return }
                }
            }
            #expect(inside > 1000 && outside > 1000)

            let verified = try CLI.run("verify", out)
            #expect(verified.status == 0, "\(verified.stderr)")
            #expect(verified.stdout.contains("1 muted"), "\(verified.stdout)")
        }
    }

    /// Where each codec's decoder puts an encoded sample, measured rather than assumed: with
    /// FFmpeg 5.1 every one lines up with its packet's timestamp (the encoders state their
    /// delay as priming). The muter measures it on every run, so a build where that is not so
    /// still puts each re-encoded packet's sound where the one it replaces was.
    @Test func eachCodecsLagIsMeasured() throws {
        try Fixtures.withTemporaryDirectory { (dir) throws in
            for (name, codec, expected) in [("a.mp4", "aac", 0), ("m.ts", "mp2", 0), ("c.mkv", "ac3", 0)] {
                let input = try MediaInput(path: try Self.clip(dir, name, audio: ["-c:a", codec]))
                let par = try #require(input.stream(1).pointee.codecpar)
                let n = try AudioEncoder(like: par, bitRate: par.pointee.bit_rate, label: name).frameSize
                let lag = try FrameAudioMuting.lag(par, bitRate: par.pointee.bit_rate, frameLength: n, label: name)
                #expect(lag == expected, "\(codec): \(lag)")
            }
        }
    }

    @Test func muteThroughoutWithBleepSoundsATone() throws {
        try Fixtures.withTemporaryDirectory { (dir) throws in
            let source = try Self.clip(dir, "tone.mp4", audio: ["-c:a", "aac"])
            let out = dir + "/out.mp4"
            let r = try CLI.run("run", source, "-o", out, "--targets", "none", "--zone", "0,0,16,16", "--audio", "mute", "--bleep")
            #expect(r.status == 0, "\(r.stderr)")
            let m = try manifest(out)
            let audio = try #require(m.streams?.first { $0.stream.type == "audio" })
            #expect(audio.muting?.sound == .bleep && audio.muting?.spans == [AudioTreatment.Span(from: nil, until: nil)])
            #expect(audio.muting?.keptPackets == 0)
            // From the second frame on (the first is the encoder's priming): a 1 kHz tone at
            // -20 dBFS, not the source's 440 Hz.
            let y = try Self.decode(out).samples().filter { $0.t >= 0.05 && $0.t < 3.9 }.map(\.x)
            let rms = (y.reduce(0) { $0 + Double($1 * $1) } / Double(y.count)).squareRoot()
            #expect(abs(rms - 0.1 / 2.0.squareRoot()) < 0.01, "rms \(rms)")
            let crossings = zip(y, y.dropFirst()).filter { ($0 < 0) != ($1 < 0) }.count
            let hertz = Double(crossings) / 2 / (Double(y.count) / 48000)
            #expect(abs(hertz - 1000) < 20, "\(hertz) Hz")
        }
    }

    @Test func audioDropLeavesTheAudioOutAndSaysWhy() throws {
        try Fixtures.withTemporaryDirectory { (dir) throws in
            let source = try Self.clip(dir, "tone.mp4", audio: ["-c:a", "aac"])
            let out = dir + "/out.mp4"
            let r = try CLI.run("run", source, "-o", out, "--targets", "none", "--zone", "0,0,16,16", "--audio", "drop")
            #expect(r.status == 0, "\(r.stderr)")
            let m = try manifest(out)
            #expect(m.streams?.map(\.stream.action) == [.redacted, .dropped])
            #expect(m.streams?[1].stream.reason == "--audio drop")
            #expect(try MediaInspection.nonVideoPackets(out).isEmpty)
            #expect(try CLI.run("verify", out).status == 0)
        }
    }

    @Test(arguments: [
        ["--mute", "2-1"], ["--mute", "abc"], ["--mute", "-"], ["--mute", "1:75-2"], ["--mute", "1-2", "--audio", "drop"],
        ["--audio", "mute", "--mute", "1-2"], ["--bleep"], ["--audio", "keep", "--bleep"], ["--audio", "loud"],
    ])
    func aMuteThatCouldMuteNothingIsAUsageError(_ options: [String]) throws {
        let r = try CLI.run(arguments: ["run", Fixtures.corpus("sparse_faces.mp4"), "-o", "/nonexistent/out.mp4", "--targets", "none",
                                        "--zone", "0,0,16,16"] + options)
        #expect(r.status == 64, "\(options): \(r.stderr)")
        let first = r.stderrLines.first ?? ""
        #expect(first.contains("--mute") || first.contains("--audio") || first.contains("--bleep"), "\(r.stderr)")
    }

    @Test func audioThatCannotBeMutedIsRefusedUpFront() throws {
        try Fixtures.withTemporaryDirectory { (dir) throws in
            // MP3's bit reservoir lets a frame's bits live in the packets before it.
            let source = try Self.clip(dir, "mp3.mkv", audio: ["-c:a", "libmp3lame"])
            let out = dir + "/out.mkv"
            let r = try CLI.run("run", source, "-o", out, "--targets", "none", "--zone", "0,0,16,16", "--mute", "1-2")
            #expect(r.status == 1)
            #expect(r.stderrLines.count == 1 && r.stderr.contains(source) && r.stderr.contains("cannot be muted")
                    && r.stderr.contains("--audio drop"), "\(r.stderr)")
            #expect(!FileManager.default.fileExists(atPath: out))

            let late = try CLI.run("run", try Self.clip(dir, "late.mp4", audio: ["-c:a", "aac"]), "-o", dir + "/late-out.mp4",
                                   "--targets", "none", "--zone", "0,0,16,16", "--mute", "5-6")
            #expect(late.status == 1 && late.stderr.contains("would mute nothing"), "\(late.stderr)")
        }
    }
}
