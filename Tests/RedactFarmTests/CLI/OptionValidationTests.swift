import Foundation
import Testing

/// No option value can switch redaction off or crash a job: every value outside what is
/// accepted is a usage error (exit 64), one line naming the option, the value and what is
/// accepted, before any file is opened; nothing is written.
@Suite struct OptionValidationTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var arguments: [String]
        var says: String
        var testDescription: String { arguments.joined(separator: " ") }
    }

    static let refused: [Case] = [
        .init(arguments: ["--padding", "0"], says: "--padding 0: must be 1 to 4"),
        .init(arguments: ["--padding", "-1"], says: "--padding -1:"),
        .init(arguments: ["--padding", "nan"], says: "--padding"),
        .init(arguments: ["--padding", "1e300"], says: "--padding 1e+300: must be 1 to 4"),
        .init(arguments: ["--threshold", "2"], says: "--threshold 2: must be 0.01 to 0.9"),
        .init(arguments: ["--threshold", "0"], says: "--threshold 0:"),
        .init(arguments: ["--inference-scale", "0"], says: "--inference-scale 0: must be 0.5 to 4"),
        .init(arguments: ["--inference-scale", "100"], says: "--inference-scale 100:"),
        .init(arguments: ["--detect-every", "0"], says: "--detect-every 0: must be 1 to 12"),
        .init(arguments: ["--detect-every", "50"], says: "--detect-every 50:"),
        .init(arguments: ["--unchanged-pass-every", "0"], says: "--unchanged-pass-every 0: must be 1 to 8"),
        .init(arguments: ["--unchanged-pass-every", "99"], says: "--unchanged-pass-every 99:"),
        .init(arguments: ["--preset", "ludicrous"], says: "--preset ludicrous: must be one of ultrafast"),
        .init(arguments: ["--crf", "99"], says: "--crf 99: must be 0 to 51"),
        .init(arguments: ["--crf", "-1"], says: "--crf -1:"),
        .init(arguments: ["--segment-seconds", "0"], says: "--segment-seconds 0: must be 0.5 to 3600"),
        .init(arguments: ["--workers", "0"], says: "--workers 0: must be 1 to 256"),
        .init(arguments: ["--targets", "car"], says: "--targets car: unknown target"),
        .init(arguments: ["--targets", "none"], says: "--targets none: nothing to hide"),
        .init(arguments: ["--drop-streams", "video"], says: "--drop-streams video: a stream type"),
        .init(arguments: ["--zone", "1,2,3"], says: "--zone 1,2,3: a rectangle zone is x,y,w,h"),
        .init(arguments: ["--zone", "10,10,0,5"], says: "positive w and h"),
        .init(arguments: ["--zone", "5,5,20,20@5-2"], says: "the zone ends (2.0 s) before it starts (5.0 s)"),
        .init(arguments: ["--zone", "5,5,20,20@-3-4"], says: "--zone 5,5,20,20@-3-4:"),
        .init(arguments: ["--zone", "poly:0,0,10,10,20,20"], says: "the zone has no area"),
        // Found by `make fuzz`: a width with 120 digits trapped converting it for a message.
        .init(arguments: ["--zone", "203020,30," + String(repeating: "4", count: 120) + ",40"], says: "corners must lie within ±1000000 pixels"),
        .init(arguments: ["--case", "two\nlines"], says: "one line of text"),
        .init(arguments: ["--style", "smudge"], says: "smudge"),
    ]

    @Test(arguments: refused)
    func runRefusesBeforeLookingAtAnything(_ c: Case) throws {
        try Fixtures.withTemporaryDirectory { dir in
            let r = try CLI.run(arguments: ["run", Fixtures.asset("carphone_pristine.mp4"), "-o", dir + "/out/o.mp4"] + c.arguments)
            #expect(r.status == 64, "\(r.stderr)")
            #expect(r.stderr.contains(c.says), "\(r.stderr)")
            #expect(r.stdout.isEmpty)
            #expect(try FileManager.default.contentsOfDirectory(atPath: dir).isEmpty)
        }
    }

    /// `probe` and `split` take `--segment-seconds` too, in the same range: NaN and 1e300 once
    /// crashed them in the planner's arithmetic, and 0 made a plan of one-GOP segments.
    @Test(arguments: ["nan", "1e300", "0", "-5"])
    func probeAndSplitRefuseTheSameSegmentLengths(_ value: String) throws {
        try Fixtures.withTemporaryDirectory { dir in
            for command in [["probe"], ["split", "-o", dir + "/seg"]] {
                let r = try CLI.run(arguments: [command[0], Fixtures.asset("carphone_pristine.mp4")] + command.dropFirst() + ["--segment-seconds=" + value])
                #expect(r.status == 64, "\(command[0]): \(r.stderr)")
                #expect(r.stderrLines.count == 1 && r.stderr.contains("--segment-seconds") && r.stderr.contains("must be 0.5 to 3600"), "\(r.stderr)")
                #expect(r.stdout.isEmpty)
            }
            #expect(try FileManager.default.contentsOfDirectory(atPath: dir).isEmpty)
        }
    }

    /// A client's `--timeout` in seconds becomes milliseconds: 10^17 trapped multiplying.
    @Test(arguments: ["99999999999999999", "0"])
    func aClientTimeoutOutOfRangeIsAUsageError(_ value: String) throws {
        let r = try CLI.run("status", "--connect", "tcp://127.0.0.1:1", "--insecure", "--timeout", value)
        #expect(r.status == 64, "\(r.stderr)")
        #expect(r.stderr.contains("--timeout \(value): must be 1 to 86400 seconds"), "\(r.stderr)")
    }

    /// `submit` validates with the same code before it reaches a coordinator (none runs here).
    @Test func submitRefusesTheSameValues() throws {
        try Fixtures.withTemporaryDirectory { dir in
            let r = try CLI.run("submit", Fixtures.asset("carphone_pristine.mp4"), "-o", dir + "/out", "--padding", "0.5",
                                "--state", dir + "/none")
            #expect(r.status == 64)
            #expect(r.stderrLines == ["redactfarm: error: --padding 0.5: must be 1 to 4 (boxes never shrink below what was detected)"])
        }
    }

    @Test func aFileOutputWithSeveralInputsIsAUsageError() throws {
        try Fixtures.withTemporaryDirectory { dir in
            let clip = Fixtures.asset("carphone_pristine.mp4")
            let r = try CLI.run("run", clip, Fixtures.corpus("vfr.mp4"), "-o", dir + "/both.mp4")
            #expect(r.status == 64)
            #expect(r.stderrLines == ["redactfarm: error: -o \(dir)/both.mp4: names a file, but 2 inputs were given; name a folder"])
            #expect(try FileManager.default.contentsOfDirectory(atPath: dir).isEmpty)
        }
    }

    /// A zone that misses the picture would be listed as hidden while hiding nothing.
    @Test func aZoneOutsideThePictureIsRefusedAndOneOverAnEdgeIsClippedAndSaidSo() throws {
        try Fixtures.withTemporaryDirectory { dir in
            let clip = Fixtures.asset("carphone_pristine.mp4")  // 176x144
            let outside = try CLI.run("run", clip, "-o", dir + "/a.mp4", "--targets", "none", "--zone", "500,500,20,20")
            #expect(outside.status == 1)
            #expect(outside.stderrLines == ["redactfarm: error: \(clip): --zone #1 (500,500,20,20) lies outside the 176x144 picture, so it would hide nothing"])
            #expect(try FileManager.default.contentsOfDirectory(atPath: dir).isEmpty)

            let late = try CLI.run("run", clip, "-o", dir + "/b.mp4", "--targets", "none", "--zone", "0,0,20,20@600-")
            #expect(late.status == 1)
            #expect(late.stderrLines == ["redactfarm: error: \(clip): --zone #1 starts at 600.00 s, after the video's 4.00 s end (zone times count from the first frame), so it would hide nothing"])

            let edge = try CLI.run("run", clip, "-o", dir + "/c.mp4", "--targets", "none", "--zone", "-10,-10,40,40")
            #expect(edge.status == 0, "\(edge.stderr)")
            #expect(edge.stderr.contains("zone #1 (-10,-10,40,40) reaches past the 176x144 picture; clipped to 0,0,30,30"))
            let manifest = try String(contentsOfFile: dir + "/c.mp4.manifest.json", encoding: .utf8)
            #expect(manifest.contains("clipped to 0,0,30,30"))
        }
    }

    @Test func runNeverOverwritesAnOutputOrAManifestUnlessAsked() throws {
        try Fixtures.withTemporaryDirectory { dir in
            let clip = Fixtures.asset("carphone_pristine.mp4")
            let out = dir + "/o.mp4"
            try Data("old record".utf8).write(to: URL(fileURLWithPath: out + ".manifest.json"))
            let refused = try CLI.run("run", clip, "-o", out, "--targets", "none", "--zone", "0,0,8,8")
            #expect(refused.status == 1)
            #expect(refused.stderrLines == ["redactfarm: error: \(out).manifest.json: already exists (pass --overwrite to replace it)"])
            #expect(!FileManager.default.fileExists(atPath: out))
            let replaced = try CLI.run("run", clip, "-o", out, "--targets", "none", "--zone", "0,0,8,8", "--overwrite")
            #expect(replaced.status == 0, "\(replaced.stderr)")
            #expect(try CLI.run("verify", out).status == 0)
        }
    }
}
