import Foundation
import RedactCoordinator
import RedactCore
import Testing

/// Damaged input is refused the same way whatever the job hides (zones alone included), unless
/// the job accepts damage; then every frame is still output and the manifest counts the damage.
@Suite struct DamagedInputTests {
    /// h264_opengop.ts with 40 TS packets in the middle overwritten with noise (the sync bytes
    /// and headers kept), as a failing disk or a bad transmission leaves a recording.
    static func damagedCopy(in dir: String, of name: String = "h264_opengop.ts") throws -> String {
        var bytes = try FileBytes.read(Fixtures.corpus(name))
        let packets = bytes.count / 188
        var x: UInt32 = 12345
        for p in packets / 2..<packets / 2 + 40 {
            for i in p * 188 + 4..<p * 188 + 188 {
                x = x &* 1_103_515_245 &+ 12345
                bytes[i] = UInt8((x >> 16) & 0xff)
            }
        }
        let path = dir + "/damaged.ts"
        try AtomicOutput.write(bytes, to: path)
        return path
    }

    /// ps.mpg with noise over 6 KB in its middle, each 2 KB pack's first 20 bytes kept: PES
    /// headers and start codes are hit, so packets merge and times repeat.
    static func damagedProgramStream(in dir: String) throws -> String {
        var bytes = try FileBytes.read(Fixtures.corpus("ps.mpg"))
        var x: UInt32 = 5
        for i in bytes.count / 2..<bytes.count / 2 + 6000 where i % 2048 > 20 {
            x = x &* 1_103_515_245 &+ 12345
            bytes[i] = UInt8((x >> 16) & 0xff)
        }
        let path = dir + "/damaged.mpg"
        try AtomicOutput.write(bytes, to: path)
        return path
    }

    /// Where the container's own times are damaged, the order pass refuses the file, or
    /// under `--accept-damage` places and times those frames by rule and counts them.
    @Test func damagedTimingIsRefusedOrDerivedByRuleAndRecorded() throws {
        try Fixtures.withTemporaryDirectory { (dir) throws in
            let input = try Self.damagedProgramStream(in: dir)
            let output = dir + "/out.mpg"
            let job = ["--targets", "none", "--zone", "0,0,32,32"]
            let refused = try CLI.run(arguments: ["run", input, "-o", output] + job)
            #expect(refused.status == 1 && refused.stderrLines.count == 1, "\(refused.stderr)")
            #expect(refused.stderr.contains(input) && refused.stderr.contains("do not rise in the order its frames are shown")
                    && refused.stderr.contains("--accept-damage derives such times by rule"), "\(refused.stderr)")

            // The audio's copied times go backwards too: named, with the way out.
            let audio = try CLI.run(arguments: ["run", input, "-o", output, "--accept-damage"] + job)
            #expect(audio.status == 1 && audio.stderrLines.count == 1, "\(audio.stderr)")
            #expect(audio.stderr.contains("output stream 1 (audio): a packet timed") && audio.stderr.contains("--drop-streams audio leaves it out"), "\(audio.stderr)")
            #expect(try FileManager.default.contentsOfDirectory(atPath: dir) == ["damaged.mpg"])

            let accepted = try CLI.run(arguments: ["run", input, "-o", output, "--accept-damage", "--drop-streams", "audio"] + job)
            #expect(accepted.status == 0, "\(accepted.stderr)")
            let manifest = try SignedManifest.open(FileBytes.read(OutputSidecars.manifestPath(output)), path: output).manifest
            let retimed = try #require(manifest.damage?.retimedFrames)
            #expect(retimed > 0 && retimed < 10, "\(retimed)")
            #expect(manifest.notes?.contains { $0.contains("the input's timing is damaged: \(retimed) frame(s) placed or timed by rule") } == true)
            // Every packet of the source's video is a frame of the output, shown in rising order.
            let sourcePackets = try FFmpegOracle.run("/usr/bin/env", ["ffprobe", "-v", "error", "-select_streams", "v", "-count_packets",
                                                                      "-show_entries", "stream=nb_read_packets", "-of", "csv=p=0", input])
            #expect(manifest.videoFrames == Int(sourcePackets.trimmingCharacters(in: CharacterSet(charactersIn: ", \n"))))
            let shown = try MediaInspection.videoTimestamps(output).compactMap { Int64($0.split(separator: " ")[1]) }
            #expect(shown.count == manifest.videoFrames && zip(shown, shown.dropFirst()).allSatisfy { $0 < $1 })
            let verified = try CLI.run("verify", output)
            #expect(verified.status == 0 && verified.stderr.contains("the input's timing was damaged: \(retimed) frame(s)"), "\(verified.stdout)\(verified.stderr)")
        }
    }

    @Test(arguments: [["--targets", "none", "--zone", "0,0,64,64"], ["--profile", "fast"]])
    func damageFailsEveryKindOfJobNamingTheFrame(targets: [String]) throws {
        try Fixtures.withTemporaryDirectory { (dir) throws in
            let input = try Self.damagedCopy(in: dir)
            let result = try CLI.run(arguments: ["run", input, "-o", dir + "/out.ts"] + targets)
            #expect(result.status == 1)
            #expect(result.stderrLines.count == 1, "\(result.stderr)")
            #expect(result.stderr.contains(input) && result.stderr.contains("damaged input; --accept-damage"), "\(result.stderr)")
            #expect(!FileManager.default.fileExists(atPath: dir + "/out.ts"))
        }
    }

    /// A segment with nothing to hide is copied only once every frame of it has decoded: the
    /// damage in a stretch no zone covers fails the file as anywhere else, and under
    /// `--accept-damage` that segment is redacted as decoded, counted, not copied.
    @Test func damageIsFoundWhereNothingIsToBeHiddenToo() throws {
        try Fixtures.withTemporaryDirectory { (dir) throws in
            let input = try Self.damagedCopy(in: dir, of: "sparse_faces.ts")
            let job = ["--targets", "none", "--zone", "0,0,64,64@0-0.1", "--segment-seconds", "1"]
            let refused = try CLI.run(arguments: ["run", input, "-o", dir + "/out.ts"] + job)
            #expect(refused.status == 1 && refused.stderr.contains("damaged input; --accept-damage"), "\(refused.stderr)")
            #expect(!FileManager.default.fileExists(atPath: dir + "/out.ts"))

            let accepted = try CLI.run(arguments: ["run", input, "-o", dir + "/out.ts", "--accept-damage"] + job)
            #expect(accepted.status == 0, "\(accepted.stderr)")
            let manifest = try SignedManifest.open(FileBytes.read(OutputSidecars.manifestPath(dir + "/out.ts")), path: dir).manifest
            let damage = try #require(manifest.damage)
            #expect(damage.concealedFrames + damage.substitutedFrames > 0)
            // The zone's segment and the damaged one are redacted; the rest are copied.
            let redacted = manifest.segments.filter { !$0.isCopied }.map(\.index)
            #expect(redacted.first == 0 && redacted.count >= 2 && redacted.count < manifest.segments.count, "\(redacted)")
        }
    }

    @Test func acceptedDamageKeepsEveryFrameAndIsRecorded() throws {
        try Fixtures.withTemporaryDirectory { (dir) throws in
            let input = try Self.damagedCopy(in: dir)
            let output = dir + "/out.ts"
            let result = try CLI.run("run", input, "-o", output, "--targets", "none", "--zone", "0,0,64,64", "--accept-damage")
            #expect(result.status == 0, "\(result.stderr)")
            #expect(result.stderr.contains("the input is damaged"), "\(result.stderr)")
            #expect(try MediaInspection.videoTimestamps(output) == MediaInspection.videoTimestamps(input))
            let manifest = try SignedManifest.open(FileBytes.read(OutputSidecars.manifestPath(output)), path: output).manifest
            let damage = try #require(manifest.damage)
            #expect(damage.policy == "accept" && damage.concealedFrames + damage.substitutedFrames > 0)
            #expect(manifest.parameters.acceptDamage == true)
            let verified = try CLI.run("verify", output)
            #expect(verified.status == 0, "\(verified.stderr)")
            #expect(verified.stderr.contains("the input was damaged"), "\(verified.stderr)")

            // A clean file records the policy too, with nothing met.
            let clean = dir + "/clean.ts"
            #expect(try CLI.run("run", Fixtures.corpus("h264_opengop.ts"), "-o", clean, "--targets", "none", "--zone", "0,0,64,64").status == 0)
            let record = try SignedManifest.open(FileBytes.read(OutputSidecars.manifestPath(clean)), path: clean).manifest.damage
            #expect(record == .init(policy: "fail", concealedFrames: 0, substitutedFrames: 0))
        }
    }
}
