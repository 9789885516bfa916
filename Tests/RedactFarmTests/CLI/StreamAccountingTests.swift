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
            #expect(m.formatVersion == RedactionManifest.formatVersion && m.formatVersion == 6)
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

    /// A picture's pixels as RGB24, decoded by ffmpeg (the oracle, not our code).
    func rgb(_ path: String, stream: String) throws -> [UInt8] {
        try Subprocess.run("/usr/bin/env", ["ffmpeg", "-v", "error", "-i", path, "-map", stream, "-frames:v", "1", "-f", "rawvideo", "-pix_fmt", "rgb24", "-"]).stdout
    }

    /// Mean absolute difference of two RGB24 pictures of `width`, inside the first of `boxes`,
    /// or outside all of them grown by half (the look's padding hides a margin around each).
    func difference(_ a: [UInt8], _ b: [UInt8], width: Int, boxes: [[Double]], inside: Bool) -> Double {
        var sum = 0, n = 0
        let grown = boxes.map { b in [b[0] - (b[2] - b[0]) / 4, b[1] - (b[3] - b[1]) / 4, b[2] + (b[2] - b[0]) / 4, b[3] + (b[3] - b[1]) / 4] }
        let within = { (x: Double, y: Double, b: [Double]) in x >= b[0] && x < b[2] && y >= b[1] && y < b[3] }
        for i in 0..<min(a.count, b.count) {
            let x = Double((i / 3) % width), y = Double((i / 3) / width)
            if inside { guard within(x, y, boxes[0]) else { continue } } else { guard !grown.contains(where: { within(x, y, $0) }) else { continue } }
            sum += abs(Int(a[i]) - Int(b[i]))
            n += 1
        }
        return n == 0 ? 0 : Double(sum) / Double(n)
    }

    /// Cover art could show a face: it is examined like a frame and written back with the face
    /// hidden, in its own codec (JPEG in MP4, PNG as a Matroska attachment), the manifest saying
    /// what was hidden; a rerender keeps it; a job that looks for no faces cannot keep it, and
    /// `--drop-streams cover` leaves it out.
    @Test func coverArtHasItsFacesHiddenOrIsLeftOutWhenAsked() throws {
        let source = Fixtures.corpus("coverart.mp4")
        try Fixtures.withTemporaryDirectory { dir in
            let out = dir + "/out.mp4"
            let r = try CLI.run("run", source, "-o", out)
            #expect(r.status == 0, "\(r.stderr)")
            #expect(try probeStreams(out) == probeStreams(source))
            let m = try manifest(out)
            #expect(m.streams?.map(\.stream.action) == [.redacted, .redactedPicture])
            let picture = try #require(m.streams?[1].picture)
            #expect(picture.examinedFor == ["face"] && picture.width == 512 && picture.height == 600)
            #expect(picture.hidden.count == 1 && picture.hidden[0][2] - picture.hidden[0][0] > 150, "\(picture.hidden)")
            #expect(m.notes?.contains { $0.contains("stream 1 (cover art, mjpeg 512x600) examined for face: 1 region(s) hidden") } == true)
            let verified = try CLI.run("verify", out)
            #expect(verified.status == 0 && verified.stdout.contains("cover art as recorded (1 region(s) hidden)"), "\(verified.stdout)\(verified.stderr)")
            // The face changed; the rest of the picture is the source's, but for one more JPEG pass.
            let before = try rgb(source, stream: "0:1"), after = try rgb(out, stream: "0:1")
            #expect(before.count == 512 * 600 * 3 && after.count == before.count)
            #expect(difference(before, after, width: 512, boxes: picture.hidden, inside: true) > 8)
            #expect(difference(before, after, width: 512, boxes: picture.hidden, inside: false) < 3)

            // The review page shows it as the source had it and as it was written.
            #expect(try CLI.run("review", out, "-o", dir + "/review").status == 0)
            let page = String(decoding: try FileBytes.read(dir + "/review/index.html"), as: UTF8.self)
            #expect(page.contains("<section id=\"cover\">") && page.components(separatedBy: "class=\"cover\"").count - 1 == 2)

            // A rerender runs no detector: the picture is the earlier output's, bit for bit.
            let corrections = dir + "/c.json"
            try JSONEncoder().encode(Corrections()).write(to: URL(fileURLWithPath: corrections))
            #expect(try CLI.run("rerender", out, "--corrections", corrections, "-o", dir + "/again.mp4").status == 0)
            #expect(try MediaInput(path: dir + "/again.mp4").attachedPicture(stream: 1) == MediaInput(path: out).attachedPicture(stream: 1))

            // In Matroska the cover is an attachment; PNG stays PNG.
            let png = dir + "/cover.png", mkv = dir + "/cover.mkv"
            _ = try FFmpegOracle.run("/usr/bin/env", ["ffmpeg", "-v", "error", "-i", Fixtures.asset("grace_hopper.jpg"), png])
            _ = try FFmpegOracle.run("/usr/bin/env", ["ffmpeg", "-v", "error", "-i", Fixtures.corpus("sparse_faces.mkv"), "-attach", png,
                                                      "-metadata:s:t", "mimetype=image/png", "-map", "0", "-c", "copy", mkv])
            let mkvOut = dir + "/out.mkv"
            let k = try CLI.run("run", mkv, "-o", mkvOut, "--profile", "fast")
            #expect(k.status == 0, "\(k.stderr)")
            #expect(try probeStreams(mkvOut) == probeStreams(mkv))
            // The face, and at `fast`'s threshold perhaps a speck of the cap's badge beside it.
            let mkvHidden = try #require(try manifest(mkvOut).streams?.last?.picture?.hidden).sorted { ($0[2] - $0[0]) > ($1[2] - $1[0]) }
            #expect(mkvHidden.count >= 1 && mkvHidden[0][2] - mkvHidden[0][0] > 150, "\(mkvHidden)")
            #expect(try CLI.run("verify", mkvOut).status == 0)
            let pngBefore = try rgb(mkv, stream: "0:2"), pngAfter = try rgb(mkvOut, stream: "0:2")
            #expect(difference(pngBefore, pngAfter, width: 512, boxes: mkvHidden, inside: true) > 8)
            #expect(difference(pngBefore, pngAfter, width: 512, boxes: mkvHidden, inside: false) < 1)

            // A picture with no face in it is kept as it was.
            let plain = dir + "/plain.mp4", plainOut = dir + "/plain-out.mp4"
            _ = try FFmpegOracle.run("/usr/bin/env", ["ffmpeg", "-v", "error", "-i", Fixtures.corpus("sparse_baseline.mp4"), "-f", "lavfi", "-i",
                                                      "testsrc=size=320x240:duration=0.04", "-map", "0", "-map", "1", "-c:v:0", "copy",
                                                      "-c:v:1", "mjpeg", "-frames:v:1", "1", "-disposition:v:1", "attached_pic", plain])
            #expect(try CLI.run("run", plain, "-o", plainOut, "--profile", "fast").status == 0)
            let kept = try #require(try manifest(plainOut).streams?.last?.picture)
            let plainPictures = (try MediaInput(path: plainOut).attachedPicture(stream: 1), try MediaInput(path: plain).attachedPicture(stream: 1))
            #expect(kept.hidden.isEmpty && plainPictures.0 != nil && plainPictures.0 == plainPictures.1)

            // Looking for no faces cannot keep a picture that may show one.
            let refused = try CLI.run("run", source, "-o", dir + "/none.mp4", "--targets", "none", "--zone", "0,0,40,40")
            #expect(refused.status == 1 && refused.stderrLines.count == 1, "\(refused.stderr)")
            #expect(refused.stderr.contains("stream 1 is an attached picture (cover art), which could show a face, and this job looks for neither faces nor plates in it (--targets); --drop-streams cover"), "\(refused.stderr)")
            #expect(!FileManager.default.fileExists(atPath: dir + "/none.mp4"))

            let dropped = dir + "/dropped.mp4"
            let d = try CLI.run("run", source, "-o", dropped, "--targets", "none", "--zone", "0,0,40,40", "--drop-streams", "cover")
            #expect(d.status == 0, "\(d.stderr)")
            #expect(try probeStreams(dropped).count == 1)
            let dm = try manifest(dropped)
            #expect(dm.streams?.map(\.stream.action) == [.redacted, .dropped])
            #expect(dm.streams?[1].stream.reason == "--drop-streams cover")
            #expect(try CLI.run("verify", dropped).status == 0)
        }
    }
}

extension StreamAccountingTests {
    /// libavcodec decodes what it can of a cut JPEG without an error; "nothing found" would
    /// then describe half a picture while the file kept carrying all of it.
    @Test func aDamagedCoverPictureIsRefusedUpFrontOrWrittenAsDecodedWhenDamageIsAccepted() throws {
        try Fixtures.withTemporaryDirectory { dir in
            let whole = try #require(try MediaInput(path: Fixtures.corpus("coverart.mp4")).attachedPicture(stream: 1))
            let cut = dir + "/cut.jpg", source = dir + "/cut-cover.mp4"
            try Data(whole.prefix(whole.count / 2)).write(to: URL(fileURLWithPath: cut))
            _ = try FFmpegOracle.run("/usr/bin/env", ["ffmpeg", "-v", "error", "-i", Fixtures.corpus("sparse_baseline.mp4"), "-i", cut,
                                                      "-map", "0", "-map", "1", "-c", "copy", "-disposition:v:1", "attached_pic", source])
            let out = dir + "/out.mp4"
            let refused = try CLI.run("run", source, "-o", out, "--profile", "fast")
            #expect(refused.status == 1 && refused.stderrLines.count == 1, "\(refused.stderr)")
            #expect(refused.stderr.contains("\(source): cover art (stream 1, mjpeg): is damaged (it decodes only in part); --accept-damage"), "\(refused.stderr)")
            #expect(try FileManager.default.contentsOfDirectory(atPath: dir).sorted() == ["cut-cover.mp4", "cut.jpg"])

            let accepted = try CLI.run("run", source, "-o", out, "--profile", "fast", "--accept-damage")
            #expect(accepted.status == 0, "\(accepted.stderr)")
            let picture = try #require(try manifest(out).streams?.last?.picture)
            #expect(picture.damaged == true)
            #expect(try manifest(out).notes?.contains { $0.contains("examined for face: damaged, only part of it decodes (--accept-damage)") } == true)
            // What was written is the picture as examined, whole, not the source's cut bytes.
            let written = try #require(try MediaInput(path: out).attachedPicture(stream: 1))
            #expect(written != Array(whole.prefix(whole.count / 2)) && StillPicture.endsItsLastScan(written))
            let strict = try Subprocess.run("/usr/bin/env", ["ffmpeg", "-v", "error", "-err_detect", "explode", "-i", out, "-map", "0:1", "-f", "null", "-"])
            #expect(strict.status == 0 && strict.stderr.isEmpty, "\(String(decoding: strict.stderr, as: UTF8.self))")
            let verified = try CLI.run("verify", out)
            #expect(verified.status == 0 && verified.stdout.contains("in a damaged picture, as decoded"), "\(verified.stdout)\(verified.stderr)")
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
        .init(name: "aac.avi", reason: "stream 1 is AAC audio in AVI, which this FFmpeg cannot write back with its timestamps"),
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
