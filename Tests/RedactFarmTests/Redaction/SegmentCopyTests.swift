import Foundation
@testable import RedactCore
@testable import RedactIntegrity
@testable import RedactMedia
@testable import RedactSupport
@testable import RedactVision
@testable import Redaction
import RedactCoordinator
import Testing

/// Segments in which nothing is to be hidden are the source's packets in the output, byte for
/// byte, beside re-encoded ones in one playable stream; the manifest says which is which and
/// `verify` proves it. (docs/segment-copy.md)
@Suite struct SegmentCopyTests {
    struct Outcome {
        var manifest: RedactionManifest
        var report: RedactionReport
    }

    static func run(_ source: String, _ out: String, job: RedactionJob? = nil, segmentSeconds: Double = 1) throws -> Outcome {
        let farm = LocalFarm(job: job ?? RedactionJob(), segmentSeconds: segmentSeconds, workers: 2, models: try EmbeddedRunTests.faceModel.get())
        let report = try farm.redact(input: source, output: out)
        let manifest = try SignedManifest.open(FileBytes.read(OutputSidecars.manifestPath(out)), path: out).manifest
        return Outcome(manifest: manifest, report: report)
    }

    /// The picture hashes ffmpeg decodes after seeking to `seconds`, and what it complained of.
    static func framesAfterSeek(_ path: String, seconds: Double, count: Int) throws -> (frames: [String], errors: String) {
        let r = try Subprocess.run("/usr/bin/env", ["ffmpeg", "-nostdin", "-v", "error", "-ss", String(seconds), "-i", path, "-map", "0:v",
                                                     "-frames:v", String(count), "-f", "framemd5", "-"])
        return (pictureHashes(String(decoding: r.stdout, as: UTF8.self)), String(decoding: r.stderr, as: UTF8.self))
    }

    static func pictureHashes(_ framemd5: String) -> [String] {
        framemd5.split(separator: "\n").filter { !$0.hasPrefix("#") }.compactMap { $0.split(separator: ",").last.map { $0.trimmingCharacters(in: .whitespaces) } }
    }

    /// Whether `run` is a stretch of `all`, frame for frame: what a decode from the start gave.
    static func isStretch(_ run: [String], of all: [String]) -> Bool {
        guard let first = run.first, let start = all.firstIndex(of: first), start + run.count <= all.count else { return false }
        return Array(all[start..<start + run.count]) == run
    }

    static func decodeErrors(_ path: String) throws -> String {
        let r = try Subprocess.run("/usr/bin/env", ["ffmpeg", "-nostdin", "-v", "error", "-i", path, "-f", "null", "-"])
        return String(decoding: r.stderr, as: UTF8.self)
    }

    /// A CCTV-like clip with one face in view from 3.2 s to 3.8 s, keyframes each second: the
    /// segments the face's track reaches are redacted, the others copied. Every frame keeps
    /// its timestamp and duration; a copied frame decodes to exactly the source's, a redacted
    /// one is changed where the face was; audio is bit for bit; the stream decodes without an
    /// error, from the start and after a seek into either kind of GOP; verify proves the
    /// copied stretches are the source's bytes.
    @Test(arguments: ["sparse_faces.mp4", "sparse_faces.mkv", "sparse_faces.ts", "sparse_faces.flv", "sparse_faces.avi", "sparse_baseline.mp4", "sparse_baseline.h264",
                      "sparse_faces_hevc.ts", "sparse_faces.hevc", "sparse_faces_hevc.mp4", "sparse_faces_hevc.mkv"])
    func copiesOnlyTheSegmentsWithNothingToHide(name: String) throws {
        let source = Fixtures.corpus(name)
        try Fixtures.withTemporaryDirectory { dir in
            let out = dir + "/out." + URL(fileURLWithPath: name).pathExtension
            let outcome = try Self.run(source, out)
            let segments = outcome.manifest.segments
            try #require(segments.count == 8)
            let copied = Set(segments.filter(\.isCopied).map(\.index))
            #expect(segments.allSatisfy { $0.handling == (copied.contains($0.index) ? "copied" : "redacted") })
            // The face is in segment 3; its track reaches at most a second either side.
            #expect(!copied.contains(3) && copied.isSuperset(of: [0, 1, 6, 7]), "copied: \(copied.sorted())")

            // What the record says was hidden is where it says: never in a copied segment.
            let hiddenAt = outcome.report.perFrame.filter { !$0.covered.isEmpty }.map(\.pts)
            try #require(!hiddenAt.isEmpty)
            for s in segments where s.isCopied {
                #expect(!hiddenAt.contains { (s.ptsFirst...s.ptsLast).contains($0) }, "segment \(s.index) is copied but something in it was hidden")
            }

            #expect(try MediaInspection.videoTimestamps(out) == MediaInspection.videoTimestamps(source))
            #expect(try MediaInspection.nonVideoPackets(out) == MediaInspection.nonVideoPackets(source))
            #expect(try Self.decodeErrors(out) == "")
            #expect(try ArchiveFormatTests.videoField(out, "profile") == ArchiveFormatTests.videoField(source, "profile"))

            // Frame by frame: a copied segment's frames are the source's; where a face was
            // hidden, the picture changed there.
            let before = try FFmpegOracle.frameMD5(source, streams: "0:v"), after = try FFmpegOracle.frameMD5(out, streams: "0:v")
            try #require(before.count == 200 && after.count == 200)
            var frame = 0
            for s in segments {
                for _ in 0..<s.frameCount {
                    if s.isCopied { #expect(before[frame] == after[frame], "frame \(frame) of copied segment \(s.index)") }
                    frame += 1
                }
            }
            let lumaBefore = try LumaFrames.read(source), lumaAfter = try LumaFrames.read(out)
            let faceFrames = (0..<200).filter { Double($0) / 25 >= 3.25 && Double($0) / 25 <= 3.75 }
            for n in faceFrames {
                let change = LumaFrames.meanAbsDiff(lumaBefore[n], lumaAfter[n], x: 260..<380, y: 90..<200)
                #expect(change > 8, "frame \(n): the face area changed by \(change)")
            }

            // Seeking, as players do, into a copied GOP (1.5 s), the redacted ones (3.5 s) and
            // a copied one after them (6.2 s): the frames are those a decode from the start
            // gives, the copied ones the source's. MP4 and Matroska seek to a keyframe and
            // decode without a complaint; MPEG-TS seeks to a byte position, so ffmpeg reports
            // the pictures before the next keyframe, which it then drops, as for the source (and
            // lands elsewhere than in the source, whose bytes are laid out otherwise). FFmpeg's
            // HEVC decoder shows those pictures, broken, for the source as for the output: there
            // the pictures from the next keyframe on must be the stretch. A raw stream has no
            // index to seek by.
            let whole = Self.pictureHashes(after.joined(separator: "\n"))
            let showsBrokenPicturesAfterASeek = name.hasSuffix("_hevc.ts")
            for at in [1.5, 3.5, 6.2] where !name.hasSuffix(".h264") && !name.hasSuffix(".hevc") {
                if showsBrokenPicturesAfterASeek {
                    // A keyframe comes within 25 pictures: the last 12 of 40 are past it.
                    for file in [out, source] {
                        let seek = try Self.framesAfterSeek(file, seconds: at, count: 40)
                        let all = file == out ? whole : Self.pictureHashes(before.joined(separator: "\n"))
                        #expect(seek.frames.count == 40 && Self.isStretch(Array(seek.frames.suffix(12)), of: all), "\(file) after a seek to \(at) s")
                    }
                    continue
                }
                let seek = try Self.framesAfterSeek(out, seconds: at, count: 12), inSource = try Self.framesAfterSeek(source, seconds: at, count: 12)
                #expect(seek.frames.count == 12 && Self.isStretch(seek.frames, of: whole), "after a seek to \(at) s")
                guard !name.hasSuffix(".ts") else { continue }
                #expect(seek.errors == "", "after a seek to \(at) s: \(seek.errors)")
                // AVI holds decode order only: after a seek ffmpeg guesses presentation times
                // from the reorder delay it has seen, which the re-encoded GOPs change, so it may
                // land a frame apart from the source (a whole stretch of the right pictures still).
                if at != 3.5, !name.hasSuffix(".avi") { #expect(seek.frames == inSource.frames, "after a seek to \(at) s") }
            }

            let verified = try ManifestVerifier.verify(output: out)
            #expect(verified.checks.contains("copied segments byte-identical to the source's"), "\(verified.checks)")
            #expect(outcome.manifest.notes?.contains { $0.hasPrefix("\(copied.count) of 8 segments had nothing to hide") } == true)
        }
    }

    /// Segments of four GOPs: the face's track reaches into both, so neither is copied whole,
    /// but the GOPs of each with nothing to hide are the source's packets (five of eight), the
    /// others re-encoded around them in the same stream. The manifest lists each copied GOP,
    /// verify proves them against output and source, every frame keeps its time, the copied
    /// GOPs' frames decode to the source's, the face is hidden, and a seek into a copied GOP
    /// of a redacted segment gives the source's frames.
    @Test(arguments: ["sparse_faces.mp4", "sparse_faces.ts", "sparse_faces_hevc.ts", "sparse_baseline.h264", "sparse_faces_hevc.mp4", "sparse_faces_hevc.mkv"])
    func copiesTheGOPsWithNothingToHideInsideRedactedSegments(name: String) throws {
        let source = Fixtures.corpus(name)
        try Fixtures.withTemporaryDirectory { dir in
            let out = dir + "/out." + URL(fileURLWithPath: name).pathExtension
            let outcome = try Self.run(source, out, segmentSeconds: 4)
            let segments = outcome.manifest.segments
            try #require(segments.count == 2)
            #expect(segments.allSatisfy { $0.handling == "redacted" })
            // GOP g is frames 25g..<25(g+1); the face is in GOP 3, its track a second either side.
            let copiedGOPs = segments.flatMap { s in (s.copiedGOPs ?? []).map { (s.index * 4 + $0.firstPacket / 25, $0) } }
            let copied = Set(copiedGOPs.map(\.0))
            #expect(copied.isSuperset(of: [0, 1, 6, 7]) && !copied.contains(3), "copied GOPs: \(copied.sorted())")
            #expect(copiedGOPs.allSatisfy { $0.1.firstPacket % 25 == 0 && $0.1.packets == 25 })

            #expect(try MediaInspection.videoTimestamps(out) == MediaInspection.videoTimestamps(source))
            #expect(try MediaInspection.nonVideoPackets(out) == MediaInspection.nonVideoPackets(source))
            #expect(try Self.decodeErrors(out) == "")
            let before = try FFmpegOracle.frameMD5(source, streams: "0:v"), after = try FFmpegOracle.frameMD5(out, streams: "0:v")
            try #require(before.count == 200 && after.count == 200)
            for frame in 0..<200 {
                #expect((before[frame] == after[frame]) == copied.contains(frame / 25), "frame \(frame)")
            }
            let lumaBefore = try LumaFrames.read(source), lumaAfter = try LumaFrames.read(out)
            for n in (0..<200).filter({ Double($0) / 25 >= 3.25 && Double($0) / 25 <= 3.75 }) {
                #expect(LumaFrames.meanAbsDiff(lumaBefore[n], lumaAfter[n], x: 260..<380, y: 90..<200) > 8, "frame \(n)")
            }
            if name.hasSuffix(".mp4") {
                let whole = Self.pictureHashes(after.joined(separator: "\n"))
                for at in [0.5, 6.2] {
                    let seek = try Self.framesAfterSeek(out, seconds: at, count: 12), inSource = try Self.framesAfterSeek(source, seconds: at, count: 12)
                    #expect(seek.errors == "" && seek.frames == inSource.frames && Self.isStretch(seek.frames, of: whole), "after a seek to \(at) s")
                }
            }
            let verified = try ManifestVerifier.verify(output: out)
            #expect(verified.checks.contains("copied GOPs byte-identical to the source's"), "\(verified.checks)")
            #expect(outcome.manifest.notes?.contains { $0.hasPrefix("\(copiedGOPs.count) GOP(s) in 2 redacted segment(s) had nothing to hide") } == true)
            // The read-back names a GOP whose record the file does not bear out.
            var misrecorded = segments
            let s = try #require(misrecorded.firstIndex { $0.copiedGOPs?.isEmpty == false })
            misrecorded[s].copiedGOPs![0].firstPacket += 1
            #expect(try CopiedSegmentCheck.firstCopyMismatch(in: out, videoStream: 0, segments: segments) == nil)
            #expect(try CopiedSegmentCheck.firstCopyMismatch(in: out, videoStream: 0, segments: misrecorded) == .gop(misrecorded[s].copiedGOPs![0]))
        }
    }

    /// `--profile fast` re-encodes with CAVLC: its GOPs sit beside the source's CABAC ones in
    /// one stream (the entropy coder is the picture parameter set's, and each kind has its
    /// own), which decodes without a complaint, the copied frames the source's and the face
    /// hidden.
    @Test(arguments: ["sparse_faces.mp4", "sparse_faces.ts"])
    func speedFirstGOPsBesideCopiedOnesMakeOneStream(name: String) throws {
        let source = Fixtures.corpus(name)
        try Fixtures.withTemporaryDirectory { dir in
            let out = dir + "/out." + URL(fileURLWithPath: name).pathExtension
            var job = RedactionJob()
            job.detector = DetectionProfile.fast.settings
            job.encoder.speedFirst = true
            let outcome = try Self.run(source, out, job: job, segmentSeconds: 4)
            let copied = Set(outcome.manifest.segments.flatMap { s in (s.copiedGOPs ?? []).map { s.index * 4 + $0.firstPacket / 25 } })
            try #require(!copied.isEmpty && !copied.contains(3), "copied GOPs: \(copied.sorted())")
            // x264 names its options in the MP4's stored parameter sets (a copied GOP may carry
            // the source's own); a transport stream keeps no such line.
            if name.hasSuffix(".mp4") {
                let text = String(decoding: try Data(contentsOf: URL(fileURLWithPath: out)).map { $0 == 0 ? 0x0A : $0 }, as: UTF8.self)
                #expect(text.split(separator: "\n").contains { $0.contains("x264 - core") && $0.contains(" cabac=0 ") })
            }
            #expect(try Self.decodeErrors(out) == "")
            #expect(try MediaInspection.videoTimestamps(out) == MediaInspection.videoTimestamps(source))
            let before = try FFmpegOracle.frameMD5(source, streams: "0:v"), after = try FFmpegOracle.frameMD5(out, streams: "0:v")
            try #require(before.count == 200 && after.count == 200)
            for frame in 0..<200 { #expect((before[frame] == after[frame]) == copied.contains(frame / 25), "frame \(frame)") }
            let lumaBefore = try LumaFrames.read(source), lumaAfter = try LumaFrames.read(out)
            for n in 82...93 { #expect(LumaFrames.meanAbsDiff(lumaBefore[n], lumaAfter[n], x: 260..<380, y: 90..<200) > 8, "frame \(n)") }
            #expect(try ManifestVerifier.verify(output: out).checks.contains("copied GOPs byte-identical to the source's"))
        }
    }

    /// `--reencode-all` copies nothing, and says so.
    @Test func reencodeAllCopiesNothing() throws {
        try Fixtures.withTemporaryDirectory { dir in
            var job = RedactionJob()
            job.reencodeAll = true
            let outcome = try Self.run(Fixtures.corpus("sparse_faces.mp4"), dir + "/out.mp4", job: job)
            #expect(outcome.manifest.segments.allSatisfy { $0.handling == "redacted" })
            #expect(outcome.manifest.notes?.contains("every segment was re-encoded (--reencode-all)") == true)
        }
    }

    /// A zone active for part of the file keeps the segments it is active in from being
    /// copied, and only those (a zones-only job examines no frame for faces).
    @Test func aZoneIsRedactedWhereItIsActiveAndNowhereElse() throws {
        try Fixtures.withTemporaryDirectory { dir in
            let out = dir + "/out.mp4"
            let source = Fixtures.corpus("sparse_faces.mp4")
            var job = RedactionJob()
            job.targets = []
            job.look = RedactionLook(style: .fill)
            job.zones = [try PrivacyZone(parsing: "0,0,64,64@2.2-2.6")]
            let farm = LocalFarm(job: job, segmentSeconds: 1, workers: 2, finder: EmbeddedRunTests.BrokenDetector())
            _ = try farm.redact(input: source, output: out)
            let manifest = try SignedManifest.open(FileBytes.read(OutputSidecars.manifestPath(out)), path: out).manifest
            #expect(manifest.segments.map(\.handling) == ["copied", "copied", "redacted", "copied", "copied", "copied", "copied", "copied"])
            let before = try LumaFrames.read(source), after = try LumaFrames.read(out)
            for n in [56, 60, 64] { #expect(LumaFrames.meanAbsDiff(before[n], after[n], x: 4..<60, y: 4..<60) > 8, "frame \(n)") }
            #expect(try MediaInspection.videoTimestamps(out) == MediaInspection.videoTimestamps(source))
            _ = try ManifestVerifier.verify(output: out)
        }
    }

    /// Where copying is not built (HEVC in Matroska: an hvcC) or a GOP does not start clean (an H.264 open GOP's
    /// recovery point), segments are re-encoded and the output is as frame-exact as ever; the
    /// manifest says why nothing was copied.
    @Test(arguments: ["h264_opengop.ts", "hevc_opengop.mkv"])
    func whatCannotBeCopiedIsReencoded(name: String) throws {
        let source = Fixtures.corpus(name)
        try Fixtures.withTemporaryDirectory { dir in
            let out = dir + "/out." + URL(fileURLWithPath: name).pathExtension
            _ = try LocalFarm.zonesOnly("0,0,32,32@0-0.5").redact(input: source, output: out)
            let manifest = try SignedManifest.open(FileBytes.read(OutputSidecars.manifestPath(out)), path: out).manifest
            #expect(try MediaInspection.videoTimestamps(out) == MediaInspection.videoTimestamps(source))
            #expect(try Self.decodeErrors(out) == "")
            let plan = try Splitter.split(input: source, segmentSeconds: 1, into: dir + "/split")
            try #require(plan.segments.count == manifest.segments.count)
            // The record says why the segments past the zone's, with nothing hidden, were not copied.
            var openGOPs: [String: Int] = [:]
            for s in plan.segments.dropFirst() where s.keyframe != .idr { openGOPs[s.keyframe?.rawValue ?? "?", default: 0] += 1 }
            try #require(!openGOPs.isEmpty)
            for (kind, count) in openGOPs {
                #expect(manifest.notes?.contains("\(count) segment(s) in which nothing was hidden were re-encoded all the same: each opens with a \(kind) keyframe, not an IDR picture, and the leading pictures of such an open GOP lean on the segment before, which may be re-encoded") == true,
                        "\(manifest.notes ?? [])")
            }
            if name.hasPrefix("hevc") {
                // Every segment opens with a CRA, whose leading pictures lean on the GOP before.
                #expect(manifest.segments.allSatisfy { $0.handling == "redacted" })
                #expect(plan.segments.dropFirst().allSatisfy { $0.keyframe == .cra })
            } else {
                // Only segments that open with an IDR picture may be copied.
                #expect(plan.segments.contains { $0.keyframe != .idr })
                for s in manifest.segments {
                    let kind = plan.segments[s.index].keyframe
                    #expect(s.isCopied == (kind == .idr && s.index > 0), "segment \(s.index): \(s.handling ?? "") from a \(kind?.rawValue ?? "none") start")
                }
                _ = try ManifestVerifier.verify(output: out)
            }
        }
    }

    /// HEVC is copied in band where every GOP opens with its own VPS, SPS and PPS (MPEG-TS and
    /// raw streams as NVRs write them), at x265's own id 0; under an hvcC (MP4, Matroska),
    /// with x265's sets renumbered to 15 and listed beside the source's; in FLV, not at all.
    /// A re-encoded picture in band opens with the source's access unit delimiter, as the
    /// copied ones do.
    @Test func hevcIsCopiedWhereTheParameterSetsCanBeTold() throws {
        try Fixtures.withTemporaryDirectory { dir in
            for (name, id) in [("sparse_faces_hevc.ts", 0), ("sparse_faces.hevc", 0), ("sparse_faces_hevc.mp4", 15), ("sparse_faces_hevc.mkv", 15),
                               ("hevc_opengop.mkv", 15)] {
                let plan = try Splitter.split(input: Fixtures.corpus(name), segmentSeconds: 1, into: dir + "/" + name)
                let copying = try #require(plan.video.copying)
                #expect(copying.parameterSetID == id, "\(name): \(copying.unavailable ?? "copies")")
            }
            let source = try MediaInput(path: Fixtures.corpus("sparse_faces_hevc.mp4"))
            let codec = CodecParameters(source.stream(0).pointee.codecpar)
            #expect(SegmentCopying.decide(source: codec, muxer: "flv", firstKeyframe: []).unavailable?.contains("HEVC segments in flv are always re-encoded") == true)
            // A source that already uses id 15 leaves none for the re-encoded sets.
            var sets = HEVCParameterSets(extradata: codec.extradata)
            sets.picture = try sets.picture.map { try HEVCRenumbering(label: "").renumbered($0[...]) }
            var clashing = codec
            clashing.extradata = try #require(HEVCParameterSets.mergedHVCC(sets, source: codec.extradata))
            #expect(SegmentCopying.decide(source: clashing, muxer: "mp4", firstKeyframe: []).unavailable?.contains("uses HEVC parameter set id 15") == true)
            // probe says so before any work.
            let probe = try CLI.run("probe", Fixtures.corpus("sparse_faces_hevc.mkv"))
            #expect(probe.stdout.contains("(HEVC in matroska, if it starts with an IDR picture; the re-encoded ones' parameter sets are numbered 15, beside the source's)"), "\(probe.stdout)")
        }
        let delimiter: [UInt8] = [0, 0, 1, 0x46, 0x01, 0x50]
        let x265: [UInt8] = [0, 0, 0, 1, 0x40, 0x01, 0x0C, 0x01]
        #expect(SegmentCopying.delimited(x265, by: delimiter) == delimiter + x265)
        #expect(SegmentCopying.delimited(delimiter + x265, by: delimiter) == delimiter + x265)
        #expect(SegmentCopying.delimited([0, 0, 0, 1, 0x46, 0x01, 0x10] + x265, by: delimiter) == [0, 0, 0, 1, 0x46, 0x01, 0x10] + x265)
    }

    /// The parameter sets of the corpus's H.264 are found by id, a free id is chosen, and the
    /// merged avcC lists both sets, which libavcodec reads back.
    @Test func parameterSetsAreReadAndMerged() throws {
        let input = try MediaInput(path: Fixtures.corpus("sparse_faces.mp4"))
        let codec = CodecParameters(input.stream(try input.primaryVideoStream()).pointee.codecpar)
        let source = H264ParameterSets(extradata: codec.extradata)
        #expect(source.sequenceIDs == [0] && source.pictureIDs == [0] && source.freeID == 1)
        var ours = H264ParameterSets()
        ours.sequence = source.sequence.map { var s = $0; s[4] = 0b0100_0000 | (s[4] & 0x1F); return s }  // ue(1) = 010
        ours.picture = [[0x68, 0b0100_1000]]  // pps id ue(1) = 010, sps id ue(1) = 010
        #expect(ours.sequenceIDs == [1] && ours.pictureIDs == [1])
        #expect(H264ParameterSets.sequenceIDOfPicture(ours.picture[0]) == 1)
        let merged = try #require(H264ParameterSets.mergedAVCC(source, ours, template: codec.extradata))
        let back = H264ParameterSets(extradata: merged)
        #expect(back.sequenceIDs == [0, 1] && back.pictureIDs == [0, 1])
        #expect(Array(merged[1...3]) == Array(codec.extradata[1...3]))
    }

    /// The copied stretches are read back from a file by frame counts: the source and the
    /// output agree there, and a file whose bytes differ there does not.
    @Test func copiedStretchesAreReadBackFromEitherFile() throws {
        try Fixtures.withTemporaryDirectory { dir in
            let out = dir + "/out.mp4"
            let source = Fixtures.corpus("sparse_faces.mp4")
            _ = try LocalFarm.zonesOnly("0,0,32,32@2.2-2.6").redact(input: source, output: out)
            let manifest = try SignedManifest.open(FileBytes.read(OutputSidecars.manifestPath(out)), path: out).manifest
            let counts = manifest.segments.map(\.frameCount), copied = Set(manifest.segments.filter(\.isCopied).map(\.index))
            try #require(copied.count == 7)
            let inSource = try CopiedSegmentCheck(path: source, videoStream: 0, frameCounts: counts, copied: copied).found
            let inOutput = try CopiedSegmentCheck(path: out, videoStream: 0, frameCounts: counts, copied: copied).found
            for s in manifest.segments where s.isCopied {
                #expect(inSource[s.index]?.sha256 == s.copiedPayloadSHA256 && inOutput[s.index]?.sha256 == s.copiedPayloadSHA256)
            }
            // The same pictures packed otherwise (Annex B, in MPEG-TS) are not these bytes.
            let other = try CopiedSegmentCheck(path: Fixtures.corpus("sparse_faces.ts"), videoStream: 0, frameCounts: counts, copied: copied).found
            #expect(other[0]?.sha256 != manifest.segments[0].copiedPayloadSHA256)

            // `verify --source`: the input where it is now proves the copies; another file, or
            // none at the path given, is an error naming it.
            let moved = dir + "/moved.mp4"
            try FileManager.default.copyItem(atPath: source, toPath: moved)
            #expect(try ManifestVerifier.verify(output: out, source: moved).checks.contains("copied segments byte-identical to the source's"))
            #expect(throws: MediaError.self) { try ManifestVerifier.verify(output: out, source: Fixtures.corpus("sparse_faces.ts")) }
            let missing = try CLI.run("verify", out, "--source", dir + "/nowhere.mp4")
            #expect(missing.status == 1 && missing.stderr.contains("nowhere.mp4, does not exist"), "\(missing.stderr)")
        }
    }
}
