import CFFmpeg
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

    /// Interlaced H.264 stays interlaced (fields coded, top first); MPEG-2 in MXF, a program
    /// stream or a DVD VOB stays MPEG-2 in the same container; a raw H.264 or HEVC stream
    /// comes back as one; an MPEG-TS whose PTS wraps keeps every timestamp either side of the
    /// wrap; an AVI (which stores only the decode order) keeps its decoder's delay, so its
    /// frames are shown when they were; Xvid stays MPEG-4 Part 2 tagged XVID; FFV1 stays
    /// lossless. Streams whose container leaves presentation times out get them from
    /// `PresentationOrder`, as ffmpeg reads them; an MP4 cut mid-GOP by stream copy keeps the
    /// frames its edit list shows, the ones before decoded for reference only, and so does one
    /// trimmed at both ends (the frames after its edit's end decoded for reference only); WMV 8 stays
    /// WMV 8 and H.264 in ASF stays H.264, neither reordered (the ASF muxer would store decode
    /// times as presentation times). All: every
    /// frame's pts and duration, every
    /// other packet, codec, tag and field order as they were, every frame in its place with
    /// only the zone changed.
    @Test(arguments: ["interlaced.ts", "mpeg2.mxf", "raw.h264", "tswrap.ts", "raw_bframes.h264", "raw_bframes.hevc", "ps.mpg", "dvd.vob",
                      "h264_bframes.avi", "xvid_bframes.avi", "ffv1.mkv", "odd_422.avi", "h264_10bit.mp4", "prores.mov", "vp9.webm", "raw422.avi", "raw_bframes.m4v", "raw_bframes.m2v", "editlist.mp4",
                      "trimmed.mp4", "wmv.wmv", "h264.asf"])
    func isRedactedFrameExact(name: String) throws {
        let source = Fixtures.corpus(name)
        try Fixtures.withTemporaryDirectory { dir in
            let out = dir + "/out." + URL(fileURLWithPath: name).pathExtension
            _ = try LocalFarm.zonesOnly(look: RedactionLook(style: .fill)).redact(input: source, output: out)
            #expect(try MediaInspection.videoTimestamps(out) == MediaInspection.videoTimestamps(source))
            #expect(try MediaInspection.nonVideoPackets(out) == MediaInspection.nonVideoPackets(source))
            for field in ["codec_name", "codec_tag_string", "profile", "pix_fmt", "field_order"] {
                #expect(try Self.videoField(out, field) == Self.videoField(source, field), "\(field)")
            }
            if name.hasSuffix(".avi") { #expect(try Self.videoField(out, "has_b_frames") == Self.videoField(source, "has_b_frames")) }
            #expect(try MediaInput(path: out).formatName == MediaInput(path: source).formatName)
            let notes = try SignedManifest.open(FileBytes.read(OutputSidecars.manifestPath(out)), path: out).manifest.notes ?? []
            #expect(!notes.contains { $0.contains("re-encoded as") }, "\(notes)")

            let before = try LumaFrames.read(source), after = try LumaFrames.read(out)
            try #require(before.count == after.count && !before.isEmpty, "\(before.count) frames in, \(after.count) out")
            for (n, (a, b)) in zip(before, after).enumerated() {
                let zone = LumaFrames.meanAbsDiff(a, b, x: 2..<30, y: 2..<30)
                let elsewhere = LumaFrames.meanAbsDiff(a, b, x: 60..<300, y: 60..<220)
                // Lossless stays lossless: outside the zone, not one pixel changes.
                let limit = ["ffv1.mkv", "raw422.avi"].contains(name) ? 0 : 3.0
                #expect(zone > 4 && elsewhere <= limit, "frame \(n): zone \(zone), elsewhere \(elsewhere)")
                if zone <= 4 || elsewhere > limit { break }
            }
        }
    }

    /// A stitch of a split alone writes the source's segments: frames an edit list leaves
    /// unshown cannot be left out of them, and the stitch says so rather than count wrong.
    @Test(arguments: ["editlist.mp4", "trimmed.mp4"])
    func aPlainStitchOfAnEditListSaysWhyItCannot(name: String) throws {
        try Fixtures.withTemporaryDirectory { dir in
            _ = try Splitter.split(input: Fixtures.corpus(name), segmentSeconds: 1, into: dir + "/seg")
            #expect { try Stitcher.stitch(directory: dir + "/seg", output: dir + "/out.mp4") } throws: { error in
                (error as? MediaError)?.reason.contains("holds frames the source's edit list leaves unshown") == true
            }
            #expect(!FileManager.default.fileExists(atPath: dir + "/out.mp4"))
        }
    }

    /// HDR10 static metadata in the bitstream (mastering display, content light level) is
    /// written into the re-encoded one, as the source's frames carry it.
    @Test func hdr10MetadataSurvives() throws {
        func sideData(_ path: String) throws -> [String] {
            try FFmpegOracle.run("/usr/bin/env", ["ffprobe", "-v", "error", "-select_streams", "v:0", "-read_intervals", "%+#1", "-show_frames",
                                                  "-show_entries", "frame_side_data", "-of", "flat", path])
                .split(separator: "\n").filter { $0.contains(".side_data_list.") }.map(String.init)
        }
        let source = Fixtures.corpus("carphone_10bit.mkv")
        let before = try sideData(source)
        try #require(before.contains { $0.contains("max_luminance") } && before.contains { $0.contains("max_content") }, "\(before)")
        try Fixtures.withTemporaryDirectory { dir in
            let out = dir + "/out.mkv"
            _ = try LocalFarm.zonesOnly().redact(input: source, output: out)
            #expect(try sideData(out) == before)
        }
    }

    /// x264 and x265 cannot encode a 4:2:0 picture of odd size, so a source that would be
    /// written back with them is refused up front; libavcodec's own encoders take any size.
    @Test func anOddSizeIsRefusedOnlyWhereTheEncoderCannotWriteIt() throws {
        let par = try #require(avcodec_parameters_alloc())
        var owned: UnsafeMutablePointer<AVCodecParameters>? = par
        defer { avcodec_parameters_free(&owned) }
        par.pointee.codec_type = AVMEDIA_TYPE_VIDEO
        (par.pointee.width, par.pointee.height, par.pointee.format) = (721, 577, AV_PIX_FMT_YUV420P.rawValue)
        for (id, family) in [(AV_CODEC_ID_H264, EncoderChoice.Family.x264), (AV_CODEC_ID_HEVC, .x265), (AV_CODEC_ID_VP8, .vpx), (AV_CODEC_ID_MJPEG, .intra)] {
            par.pointee.codec_id = id
            let codec = CodecParameters(par)
            let choice = try EncoderChoice.choose(source: codec, muxer: "matroska", settings: EncoderSettings())
            #expect(choice.family == family && choice.note == nil, "\(codec.codecName)")
        }
        par.pointee.codec_id = AV_CODEC_ID_H264
        #expect(Preflight.subsamplingRefusal(CodecParameters(par))?.contains("the picture is 721x577 in yuv420p") == true)
        (par.pointee.width, par.pointee.height) = (720, 576)
        #expect(Preflight.subsamplingRefusal(CodecParameters(par)) == nil)
        // A codec with no encoder of its own here falls back to H.264, and says so.
        par.pointee.codec_id = AV_CODEC_ID_WMV3
        let fallback = try EncoderChoice.choose(source: CodecParameters(par), muxer: "matroska", settings: EncoderSettings())
        #expect(fallback.family == .x264 && fallback.note?.contains("re-encoded as h264") == true)
    }

    /// A raw stream whose header states no frame rate is timed by `--fps`, never by the
    /// demuxer's guess of 25: refused without it, and with it every frame is where ffmpeg
    /// puts it at that rate. `--fps` is refused where it contradicts the stream, or where
    /// there is no raw stream to time, and a malformed one is a usage error.
    @Test func aRawStreamThatStatesNoFrameRateIsTimedByFPS() throws {
        let source = Fixtures.corpus("notiming.hevc")
        // As ffmpeg reads them (ffprobe shows a raw stream's frames untimed): the time base and
        // every frame's pts and duration.
        func times(_ path: String, rate: String?) throws -> [String] {
            try FFmpegOracle.run("/usr/bin/env", ["ffmpeg", "-nostdin", "-v", "error", "-copyts"] + (rate.map { ["-framerate", $0] } ?? [])
                                 + ["-i", path, "-map", "0:v:0", "-fps_mode", "passthrough", "-f", "framemd5", "-"])
                .split(separator: "\n").filter { $0.hasPrefix("#tb") || !$0.hasPrefix("#") }
                .map { $0.split(separator: ",").prefix(4).dropFirst(2).joined(separator: ",") + ($0.hasPrefix("#tb") ? String($0) : "") }
        }
        try Fixtures.withTemporaryDirectory { dir in
            let refused = try CLI.run("run", source, "-o", dir + "/a.hevc", "--targets", "none", "--zone", "0,0,32,32")
            #expect(refused.status == 1 && refused.stderr.contains("states no frame rate") && refused.stderr.contains("--fps"), "\(refused.stderr)")
            var farm = try LocalFarm.zonesOnly()
            farm.job.sourceFrameRate = Rational(num: 30, den: 1)
            let out = dir + "/out.hevc"
            _ = try farm.redact(input: source, output: out)
            let expected = try times(source, rate: "30")
            #expect(expected.count == 61 && expected.first == "#tb 0: 1/30", "\(expected.prefix(3))")
            #expect(try times(out, rate: nil) == expected)

            let contradicts = try CLI.run("run", Fixtures.corpus("raw.h264"), "-o", dir + "/b.h264", "--targets", "none", "--zone", "0,0,32,32", "--fps", "30")
            #expect(contradicts.status == 1 && contradicts.stderr.contains("the stream states 25 fps itself; --fps 30 would retime every frame"), "\(contradicts.stderr)")
            let nothingToTime = try CLI.run("run", Fixtures.corpus("h264_bframes.mp4"), "-o", dir + "/c.mp4", "--fps", "25")
            #expect(nothingToTime.status == 1 && nothingToTime.stderr.contains("--fps applies only to raw video streams"), "\(nothingToTime.stderr)")
            for bad in ["0", "abc", "30/0", "2000"] {
                let r = try CLI.run("run", source, "-o", dir + "/d.hevc", "--fps", bad)
                #expect(r.status == 64 && r.stderrLines.count == 1 && r.stderr.contains("--fps \(bad): a frame rate"), "\(bad): \(r.stderr)")
            }
            #expect(try FileManager.default.contentsOfDirectory(atPath: dir).sorted() == ["out.hevc", "out.hevc.detections.json", "out.hevc.manifest.json"])
        }
    }

    /// Raw MJPEG (JPEG pictures one after another, no timing): timed by `--fps`, redacted,
    /// and written back as the same kind of stream, every frame where ffmpeg puts it at that
    /// rate, the zone hidden and the rest as it was but for one more JPEG pass.
    @Test func aRawMJPEGStreamComesBackAsOne() throws {
        let source = Fixtures.corpus("raw.mjpeg")
        try Fixtures.withTemporaryDirectory { dir in
            let refused = try CLI.run("run", source, "-o", dir + "/a.mjpeg", "--targets", "none", "--zone", "0,0,64,64")
            #expect(refused.status == 1 && refused.stderr.contains("states no frame rate"), "\(refused.stderr)")
            let out = dir + "/out.mjpeg"
            let r = try CLI.run("run", source, "-o", out, "--targets", "none", "--zone", "0,0,64,64", "--fps", "15")
            #expect(r.status == 0, "\(r.stderr)")
            let describe = { (path: String) in
                try FFmpegOracle.run("/usr/bin/env", ["ffprobe", "-v", "error", "-framerate", "15", "-count_frames", "-show_entries",
                                                      "format=format_name:stream=codec_name,pix_fmt,width,height,nb_read_frames", "-of", "compact", path])
            }
            let (described, expected) = (try describe(out), try describe(source))
            #expect(described == expected && expected.contains("nb_read_frames=30"), "\(described)")
            let times = { (path: String) in
                try FFmpegOracle.run("/usr/bin/env", ["ffmpeg", "-v", "error", "-framerate", "15", "-i", path, "-f", "framemd5", "-"])
                    .split(separator: "\n").filter { !$0.hasPrefix("#") }.map { $0.split(separator: ",").prefix(4).joined(separator: ",") }
            }
            #expect(try times(out) == times(source))
            #expect(try CLI.run("verify", out).status == 0)
            let frame = { (path: String) in
                try Subprocess.run("/usr/bin/env", ["ffmpeg", "-v", "error", "-framerate", "15", "-i", path, "-vf", "select=eq(n\\,7)", "-frames:v", "1",
                                                    "-f", "rawvideo", "-pix_fmt", "gray", "-"]).stdout
            }
            let a = try frame(source), b = try frame(out)
            #expect(a.count == 320 * 240 && b.count == a.count)
            var inside = 0.0, outside = 0.0
            for i in a.indices {
                let d = Double(abs(Int(a[i]) - Int(b[i])))
                if i % 320 < 64 && i / 320 < 64 { inside += d / 4096 } else if i % 320 > 72 || i / 320 > 72 { outside += d / Double(a.count - 72 * 72) }
            }
            #expect(inside > 5 && outside < 3, "inside \(inside), outside \(outside)")
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

    @Test(arguments: [("cutinside.mp4", "its edit list leaves frames unshown between frames it shows (video packet 50), a cut inside the file")])
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
/// frame-exact, with the source's fragment layout, track by track.
@Suite struct FragmentedMP4Tests {
    /// Video samples per fragment, in file order.
    func videoLayout(_ path: String) throws -> [Int] {
        let fragments = try #require(MP4Fragments.read(path: path))
        return fragments.samplesPerFragment.compactMap { $0[1] }
    }

    @Test func aFragmentedMP4StaysFragmentedWithTheSourcesFragments() throws {
        try Fixtures.withTemporaryDirectory { dir in
            // Fragments of 0.7 s, most of them starting mid-GOP: not FFmpeg's layout of a
            // fragment per keyframe, which the stitch wrote before it followed the source's.
            let source = dir + "/frag.mp4"
            _ = try FFmpegOracle.run("/usr/bin/env", ["ffmpeg", "-nostdin", "-v", "error", "-i", Fixtures.corpus("h264_bframes.mp4"), "-c", "copy",
                                                      "-frag_duration", "700000", "-movflags", "empty_moov+default_base_moof", source])
            try #require(MP4Fragments.isFragmented(path: source))
            #expect(!MP4Fragments.isFragmented(path: Fixtures.corpus("h264_bframes.mp4")))
            #expect(MP4Fragments.read(path: Fixtures.corpus("h264_bframes.mp4")) == nil)
            let layout = try videoLayout(source)
            try #require(layout.count > 6 && Set(layout).count > 1, "\(layout)")
            let out = dir + "/out.mp4"
            _ = try LocalFarm.zonesOnly().redact(input: source, output: out)
            #expect(MP4Fragments.isFragmented(path: out))
            #expect(try videoLayout(out) == layout)
            // The audio too: each fragment holds as many of its packets as the source's did,
            // though the frame that opens a fragment is not where its audio is cut.
            let whole = try #require(MP4Fragments.read(path: source)).samplesPerFragment
            try #require(Set(whole.map { $0[2] ?? 0 }).count > 1, "\(whole)")
            #expect(MP4Fragments.read(path: out)?.samplesPerFragment == whole)
            #expect(try MediaInspection.videoTimestamps(out) == MediaInspection.videoTimestamps(source))
            #expect(try MediaInspection.nonVideoPackets(out) == MediaInspection.nonVideoPackets(source))
        }
    }

    @Test func fragmentStartsCountEachTracksSamplesInFileOrder() {
        let fragments = MP4Fragments(samplesPerFragment: [[1: 18, 2: 31], [2: 10], [1: 17, 2: 33], [1: 8]])
        #expect(fragments.starts(ofTrack: 1) == ([18, 35], 43))
        #expect(fragments.starts(ofTrack: 2) == ([31, 41], 74))
        #expect(fragments.starts(ofTrack: 3) == ([], 0))
    }
}
