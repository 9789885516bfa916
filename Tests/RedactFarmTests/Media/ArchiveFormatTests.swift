import Foundation
import RedactCoordinator
@testable import RedactCore
@testable import RedactIntegrity
@testable import RedactMedia
@testable import RedactSupport
@testable import RedactTransport
@testable import RedactVision
@testable import Redaction
import Testing

/// Kinds of file CCTV and NVR archives hold: redacted frame-exact with what makes them that
/// kind kept, or refused before any work with one line naming the file and the reason.
@Suite struct ArchiveFormatTests {
    static func videoField(_ path: String, _ field: String) throws -> String {
        try FFmpegOracle.run("/usr/bin/env", ["ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries", "stream=\(field)",
                                              "-of", "csv=p=0", path])
            .split(separator: "\n").first.flatMap { $0.split(separator: ",").first }.map(String.init)?.trimmingCharacters(in: .whitespaces) ?? ""
    }

    /// Interlaced H.264 stays interlaced (fields coded, top first); MPEG-2 in MXF comes back
    /// as H.264 without B-frames, which FFmpeg's MXF muxer cannot reorder (it wrote pts == dts
    /// and decoded frames went backwards); a raw H.264 stream with no timestamps comes back as
    /// a raw H.264 stream, its frames at n frame durations as ffmpeg reads them too; an
    /// MPEG-TS whose PTS wraps keeps every timestamp either side of the wrap. All:
    /// every frame's pts and duration, and every other packet, as they were.
    @Test(arguments: ["interlaced.ts", "mpeg2.mxf", "raw.h264", "tswrap.ts"])
    func isRedactedFrameExact(name: String) throws {
        let source = Fixtures.corpus(name)
        try Fixtures.withTemporaryDirectory { dir in
            let out = dir + "/out." + URL(fileURLWithPath: name).pathExtension
            _ = try LocalFarm.zonesOnly().redact(input: source, output: out)
            #expect(try MediaInspection.videoTimestamps(out) == MediaInspection.videoTimestamps(source))
            #expect(try MediaInspection.nonVideoPackets(out) == MediaInspection.nonVideoPackets(source))
            #expect(try Self.videoField(out, "field_order") == Self.videoField(source, "field_order"))
            #expect(try Self.videoField(out, "has_b_frames") == (name.hasSuffix(".mxf") ? "0" : Self.videoField(out, "has_b_frames")))
            // Leaving the source's codec is said in the record.
            let notes = try SignedManifest.open(FileBytes.read(OutputSidecars.manifestPath(out)), path: out).manifest.notes ?? []
            #expect(notes.contains { $0.contains("the mpeg2video video is re-encoded as h264") } == name.hasSuffix(".mxf"), "\(notes)")
        }
    }

    @Test func theCorpusCarriesWhatIsChecked() throws {
        #expect(try Self.videoField(Fixtures.corpus("interlaced.ts"), "field_order") == "tt")
        let raw = try MediaInput(path: Fixtures.corpus("raw.h264"))
        #expect(raw.formatName == "h264")
        raw.selectStreams([0])
        let first = try #require(try raw.readPacket()).packet
        #expect(first.pts == EncodedPacket.noTimestamp && first.dts == EncodedPacket.noTimestamp)
    }

    @Test func aRawStreamComesBackAsARawStream() throws {
        try Fixtures.withTemporaryDirectory { dir in
            let out = dir + "/out.h264"
            _ = try LocalFarm.zonesOnly().redact(input: Fixtures.corpus("raw.h264"), output: out)
            #expect(try MediaInput(path: out).formatName == "h264")
            #expect(try FFmpegOracle.frameMD5(out).count == 100)
        }
    }

    @Test(arguments: [("wmv.wmv", "ASF/WMV cannot be written back frame-exact yet"),
                      ("raw_bframes.h264", "a raw H.264 stream with B-frames carries no timestamps"),
                      ("editlist.mp4", "its edit list starts the video 8 frame(s) into a GOP")])
    func isRefusedUpFront(name: String, reason: String) throws {
        let source = Fixtures.corpus(name)
        try Fixtures.withTemporaryDirectory { dir in
            let run = try CLI.run("run", source, "-o", dir + "/out." + URL(fileURLWithPath: name).pathExtension, "--targets", "none",
                                  "--zone", "0,0,32,32")
            #expect(run.status == 1)
            #expect(run.stderrLines.count == 1 && run.stderr.hasPrefix("redactfarm: error: \(source): ") && run.stderr.contains(reason),
                    "\(run.stderr)")
            #expect(try FileManager.default.contentsOfDirectory(atPath: dir).isEmpty)
            let probe = try CLI.run("probe", source)
            #expect(probe.status == 1)
            // In its report when probe can describe the file, else as its one error line.
            #expect(probe.stdout.contains(reason) || (probe.stdout.isEmpty && probe.stderrLines.count == 1 && probe.stderr.contains(reason)),
                    "\(probe.stdout)\(probe.stderr)")
        }
    }
}

/// A fragmented MP4 (what live recorders and streaming tools write) comes back fragmented,
/// frame-exact.
@Suite struct FragmentedMP4Tests {
    @Test func aFragmentedMP4StaysFragmented() throws {
        try Fixtures.withTemporaryDirectory { dir in
            let source = dir + "/frag.mp4"
            _ = try FFmpegOracle.run("/usr/bin/env", ["ffmpeg", "-nostdin", "-v", "error", "-i", Fixtures.corpus("h264_bframes.mp4"), "-c", "copy",
                                                      "-movflags", "frag_keyframe+empty_moov+default_base_moof", source])
            try #require(ContainerFormat.isFragmentedMP4(path: source))
            #expect(!ContainerFormat.isFragmentedMP4(path: Fixtures.corpus("h264_bframes.mp4")))
            let out = dir + "/out.mp4"
            _ = try LocalFarm.zonesOnly().redact(input: source, output: out)
            #expect(ContainerFormat.isFragmentedMP4(path: out))
            #expect(try MediaInspection.videoTimestamps(out) == MediaInspection.videoTimestamps(source))
            #expect(try MediaInspection.nonVideoPackets(out) == MediaInspection.nonVideoPackets(source))
        }
    }
}
