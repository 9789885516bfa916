import Foundation
@testable import RedactCore
@testable import RedactIntegrity
@testable import RedactMedia
@testable import RedactSupport
@testable import RedactTransport
@testable import RedactVision
@testable import Redaction
import Testing

/// Every stream, chapter and attachment of a source is accounted for: kept bit for bit, or
/// dropped only when asked, and the signed manifest (checked by `verify`) says which.
@Suite struct StreamAccountingTests {
    func manifest(_ output: String) throws -> RedactionManifest {
        try SignedManifest.open(try FileBytes.read(output + ".manifest.json"), path: output).manifest
    }

    func probeStreams(_ path: String) throws -> [String] {
        try FFmpegOracle.run("/usr/bin/env", ["ffprobe", "-v", "error", "-show_entries", "stream=codec_type,codec_name,codec_tag_string",
                                              "-of", "csv=p=0", path]).split(separator: "\n").map(String.init)
    }

    func chapterTitles(_ path: String) throws -> [String] {
        try FFmpegOracle.run("/usr/bin/env", ["ffprobe", "-v", "error", "-show_entries", "chapter_tags=title", "-of", "csv=p=0", path])
            .split(separator: "\n").map(String.init)
    }

    @Test func aMatroskaFilesAlawAudioAttachmentAndChaptersAreKeptAndVerified() throws {
        let source = Fixtures.corpus("chapters_attachment.mkv")
        try Fixtures.withTemporaryDirectory { dir in
            let out = dir + "/out.mkv"
            let r = try CLI.run("run", source, "-o", out, "--targets", "none", "--zone", "0,0,40,40",
                                "--case", "SAR-2026-117", "--operator", "A. Officer", "--reason", "subject access request")
            #expect(r.status == 0, "\(r.stderr)")
            #expect(try probeStreams(out) == probeStreams(source))
            #expect(try chapterTitles(out) == ["Entrance", "Corridor"])
            #expect(try MediaInspection.nonVideoPackets(out) == MediaInspection.nonVideoPackets(source))

            let m = try manifest(out)
            #expect(m.formatVersion == RedactionManifest.formatVersion && m.formatVersion == 5)
            #expect(m.models == [:] && m.inference == nil)  // zones alone: no model, no inference
            #expect(m.streams?.map(\.stream.action) == [.redacted, .copied, .copied])
            #expect(m.streams?[1].stream.codec == "pcm_alaw")
            #expect(m.streams?[2].stream.fileName == "chapters.ffmeta")
            #expect(m.chapters?.map(\.title) == ["Entrance", "Corridor"])
            #expect(m.segmentSeconds == 10, "the default --segment-seconds, recorded")
            #expect(m.provenance?.caseReference == "SAR-2026-117")
            #expect(m.provenance?.operatorName == "A. Officer")
            #expect(m.provenance?.reason == "subject access request")
            #expect(m.provenance?.commandLine.contains("--case") == true)
            #expect(m.coordinatorHost?.isEmpty == false && m.startedAt != nil && m.finishedAt != nil)
            #expect(m.segments.allSatisfy { $0.worker.hasPrefix("local-") && $0.workerHost == m.coordinatorHost })

            let verified = try CLI.run("verify", out)
            #expect(verified.status == 0, "\(verified.stderr)")
            #expect(verified.stdout.contains("3 source stream(s) accounted for; 2 copied stream(s) bit for bit"))
            #expect(verified.stdout.contains("detections sidecar SHA-256"))

            // The sidecar is covered by the signature now.
            let sidecar = out + ".detections.json"
            try Data(try FileBytes.read(sidecar).prefix(100)).write(to: URL(fileURLWithPath: sidecar))
            let tampered = try CLI.run("verify", out)
            #expect(tampered.status == 1)
            #expect(tampered.stderr.contains("detections sidecar SHA-256"))
        }
    }

    @Test func anMP4sChaptersStayChaptersAndNoStreamChangesKind() throws {
        let source = Fixtures.corpus("chapters.mp4")
        try Fixtures.withTemporaryDirectory { dir in
            let out = dir + "/out.mp4"
            let r = try CLI.run("run", source, "-o", out, "--targets", "none", "--zone", "0,0,40,40")
            #expect(r.status == 0, "\(r.stderr)")
            #expect(try probeStreams(out) == probeStreams(source))
            #expect(try chapterTitles(out) == ["Entrance", "Corridor"])
            #expect(try manifest(out).streams?.map(\.stream.action) == [.redacted, .copied, .chapters])
            #expect(try CLI.run("verify", out).status == 0)
        }
    }

    @Test func aStreamIsDroppedOnlyWhenAskedAndTheRecordSaysSo() throws {
        let source = Fixtures.corpus("chapters_attachment.mkv")
        try Fixtures.withTemporaryDirectory { dir in
            let out = dir + "/out.mkv"
            let r = try CLI.run("run", source, "-o", out, "--targets", "none", "--zone", "0,0,40,40", "--drop-streams", "audio")
            #expect(r.status == 0, "\(r.stderr)")
            #expect(try probeStreams(out).map { $0.split(separator: ",").first.map(String.init) ?? "" }.contains("audio") == false)
            let m = try manifest(out)
            #expect(m.streams?.map(\.stream.action) == [.redacted, .dropped, .copied])
            #expect(m.streams?[1].stream.reason == "--drop-streams audio")
            #expect(m.notes?.contains { $0.contains("stream 1 (audio pcm_alaw) dropped") } == true)
            #expect(try CLI.run("verify", out).status == 0)
        }
    }

    /// Cover art could show a face and is not redacted: a file with it is refused, and with
    /// `--drop-streams cover` redacted without it, the manifest saying so.
    @Test func coverArtIsRefusedUnlessLeftOut() throws {
        let source = Fixtures.corpus("coverart.mp4")
        try Fixtures.withTemporaryDirectory { dir in
            let out = dir + "/out.mp4"
            let refused = try CLI.run("run", source, "-o", out, "--targets", "none", "--zone", "0,0,40,40")
            #expect(refused.status == 1 && refused.stderrLines.count == 1, "\(refused.stderr)")
            #expect(refused.stderr.contains("stream 1 is an attached picture (cover art), which could show a face and is not redacted; --drop-streams cover"), "\(refused.stderr)")
            #expect(try FileManager.default.contentsOfDirectory(atPath: dir).isEmpty)

            let r = try CLI.run("run", source, "-o", out, "--targets", "none", "--zone", "0,0,40,40", "--drop-streams", "cover")
            #expect(r.status == 0, "\(r.stderr)")
            #expect(try probeStreams(out).count == 1)
            let m = try manifest(out)
            #expect(m.streams?.map(\.stream.action) == [.redacted, .dropped])
            #expect(m.streams?[1].stream.reason == "--drop-streams cover")
            #expect(try CLI.run("verify", out).status == 0)
        }
    }
}

/// What cannot be redacted is refused up front, once, by name: before a byte is split, with
/// one line naming the file and the reason, and nothing left behind.
@Suite struct PreflightRefusalTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var reason: String
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        .init(name: "wmv.wmv", reason: "ASF/WMV cannot be written back frame-exact yet"),
    ]

    @Test(arguments: cases)
    func runAndProbeRefuseUpFront(_ c: Case) throws {
        let source = Fixtures.corpus(c.name)
        try Fixtures.withTemporaryDirectory { dir in
            let r = try CLI.run("run", source, "-o", dir + "/out." + URL(fileURLWithPath: c.name).pathExtension, "--targets", "none", "--zone", "0,0,8,8")
            #expect(r.status == 1)
            #expect(r.stderrLines.count == 1, "\(r.stderr)")
            #expect(r.stderr.hasPrefix("redactfarm: error: \(source): \(c.reason)"), "\(r.stderr)")
            #expect(!r.stderr.contains("inproc://") && !r.stderr.contains("failed 3 times"))
            #expect(try FileManager.default.contentsOfDirectory(atPath: dir).isEmpty)

            let probe = try CLI.run("probe", source)
            #expect(probe.status == 1)
            #expect(probe.stdout.contains("can be redacted: no, because"))
            #expect(probe.stdout.contains(c.reason))
        }
    }
}
