import CFFmpeg
@testable import RedactCore
@testable import RedactIntegrity
@testable import RedactMedia
@testable import RedactSupport
@testable import RedactTransport
@testable import RedactVision
@testable import Redaction
import Testing

/// The split invariant: decoding each segment on its own and concatenating the frames it owns
/// gives exactly the input's decoded frames, timestamps included.
@Suite struct SplitInvariantTests {
    @Test(arguments: CorpusClip.all)
    func segmentsDecodedAloneReproduceEveryFrame(clip: CorpusClip) throws {
        let source = Fixtures.media(clip.name)
        try Fixtures.withTemporaryDirectory { dir in
            let plan = try Splitter.split(input: source, segmentSeconds: clip.segmentSeconds, into: dir + "/seg")
            #expect(plan.segments.count >= clip.minSegments)
            if clip.expectsDecodePrefix {
                #expect(plan.segments.contains { $0.decodePrefixPackets > 0 })
            }
            var stitched: [FrameDigest] = []
            for record in plan.segments {
                let (segment, sha) = try SegmentFile.read(path: dir + "/seg/" + record.file)
                #expect(sha == record.sha256)
                let frames = try FrameDigest.ofSegment(segment, label: record.file)
                #expect(frames.count == record.frameCount)
                #expect(frames.first?.pts == record.ptsFirst)
                #expect(frames.last?.pts == record.ptsLast)
                stitched += frames
            }
            let whole = try FrameDigest.ofVideo(at: source)
            #expect(whole.count == plan.frameCount)
            #expect(stitched == whole)
        }
    }

    /// Cut for workers, each segment but the last also carries the next GOP's first frames
    /// (look-ahead): they are exactly the frames the next segment starts with, a worker
    /// decodes them as context only, and the owned frames are unchanged.
    @Test(arguments: CorpusClip.all)
    func workerSegmentsLookAheadAcrossTheCut(clip: CorpusClip) throws {
        let source = Fixtures.media(clip.name)
        try Fixtures.withTemporaryDirectory { dir in
            let plan = try Splitter.split(input: source, segmentSeconds: clip.segmentSeconds, into: dir + "/seg", carryContext: true)
            let segments = try plan.segments.map { try SegmentFile.read(path: dir + "/seg/" + $0.file).segment }
            var owned: [FrameDigest] = []
            for (i, segment) in segments.enumerated() {
                let label = plan.segments[i].file
                owned += try FrameDigest.ofSegment(segment, label: label)
                var context: [Int64] = [], ownedPts: [Int64] = []
                try SegmentDecoder.decodeFrames(of: segment, label: label, contextFrames: 0, lookAheadFrames: 1000) { frame, isOwned, _ in
                    if isOwned { ownedPts.append(frame.presentationTimestamp) } else { context.append(frame.presentationTimestamp) }
                }
                #expect(ownedPts == segment.ownedPackets.map(\.pts).sorted())
                guard i + 1 < segments.count else {
                    #expect(segment.contextSuffixCount == 0)
                    continue
                }
                let next = segments[i + 1].ownedPackets.map(\.pts).sorted()
                #expect(segment.contextSuffixCount >= min(Splitter.lookAheadFrames, next.count), "\(label)")
                #expect(context.sorted() == Array(next.prefix(context.count)), "\(label): look-ahead is not where the next segment starts")
                #expect(context.count == segment.contextSuffixCount, "\(label): a look-ahead frame did not decode")
            }
            #expect(owned == (try FrameDigest.ofVideo(at: source)))
        }
    }

    /// The last frames of a decode-only prefix, handed to a worker as context, are the file's
    /// own frames at those times, though the prefix's unreferenced pictures are not decoded.
    @Test(arguments: ["h264_bframes.mp4", "h264_opengop.ts", "hevc_opengop.mkv", "long_gop.mp4", "bikes.mp4"])
    func prefixContextFramesAreTheFilesOwnFrames(name: String) throws {
        let source = Fixtures.media(name)
        let whole = Dictionary(try FrameDigest.ofVideo(at: source).map { ($0.pts, $0) }, uniquingKeysWith: { a, _ in a })
        try Fixtures.withTemporaryDirectory { dir in
            let plan = try Splitter.split(input: source, segmentSeconds: 1, into: dir + "/seg", carryContext: true)
            var checked = 0
            for record in plan.segments where record.decodePrefixPackets > 0 {
                let (segment, _) = try SegmentFile.read(path: dir + "/seg/" + record.file)
                let firstOwned = try #require(segment.ownedPackets.map(\.pts).min())
                let expected = segment.packets.prefix(segment.decodePrefixCount).map(\.pts).filter { $0 < firstOwned }.sorted().suffix(8)
                var context: [FrameDigest] = []
                try SegmentDecoder.decodeFrames(of: segment, label: record.file, threads: 1, contextFrames: 8, lookAheadFrames: 0) { (frame, owned, _) throws(MediaError) in
                    if !owned { context.append(try FrameDigest(frame: frame)) }
                }
                #expect(context.map(\.pts).sorted() == Array(expected), "\(record.file)")
                #expect(context.allSatisfy { whole[$0.pts] == $0 }, "\(record.file): a context frame differs from the file's")
                checked += 1
            }
            #expect(checked > 0)
        }
    }

    /// Skipping unreferenced pictures drops some frames of a B-frame H.264 GOP and changes no
    /// other; HEVC's "non-reference" pictures may be referenced across temporal layers, so
    /// there nothing is skipped.
    @Test(arguments: [("h264_bframes.mp4", true), ("hevc_opengop.mkv", false)])
    func skippingUnreferencedPicturesChangesNoOtherPicture(name: String, skips: Bool) throws {
        let source = Fixtures.corpus(name)
        try Fixtures.withTemporaryDirectory { dir in
            let plan = try Splitter.split(input: source, segmentSeconds: 1, into: dir + "/seg")
            let (segment, _) = try SegmentFile.read(path: dir + "/seg/" + plan.segments[0].file)
            func decode(skipping: Bool) throws -> [FrameDigest] {
                let decoder = try VideoDecoder(codec: segment.codec, timeBase: segment.timeBase, threads: 1)
                var frames: [FrameDigest] = []
                let keep = { (frame: UnsafeMutablePointer<AVFrame>) throws(MediaError) in frames.append(try FrameDigest(frame: frame)) }
                for p in segment.packets { try decoder.decode(p, skipIfUnreferenced: skipping, keep) }
                try decoder.decode(nil, keep)
                return frames
            }
            let all = try decode(skipping: false), some = try decode(skipping: true)
            #expect(all.count == segment.packets.count)
            #expect(skips ? some.count < all.count : some == all)
            let byPts = Dictionary(all.map { ($0.pts, $0) }, uniquingKeysWith: { a, _ in a })
            #expect(!some.isEmpty && some.allSatisfy { byPts[$0.pts] == $0 })
        }
    }

    /// A file ending in two short GOPs (5 and 6 frames after four 1 s GOPs): probe and split
    /// both keep the tail with the segment before it, from the container's declared end (the
    /// stream's in MP4 and MPEG-TS, the file's in Matroska).
    @Test(arguments: ["mp4", "ts", "mkv"])
    func probeAndSplitKeepATailOfShortGOPsTogether(container: String) throws {
        try Fixtures.withTemporaryDirectory { dir in
            let source = dir + "/tail." + container
            _ = try FFmpegOracle.run("/usr/bin/env", ["ffmpeg", "-nostdin", "-v", "error", "-f", "lavfi", "-i", "testsrc2=size=160x120:rate=25",
                                                      "-frames:v", "110", "-c:v", "libx264", "-g", "1000", "-sc_threshold", "0",
                                                      "-force_key_frames", "0,1,2,3,4,4.2", "-pix_fmt", "yuv420p", source])
            let probe = try MediaProbe.probe(path: source, segmentSeconds: 1)
            let plan = try Splitter.split(input: source, segmentSeconds: 1, into: dir + "/seg", carryContext: true)
            #expect(plan.segments.map(\.frameCount) == [25, 25, 25, 35])
            #expect(probe.plan.segments.map(\.frames) == plan.segments.map(\.frameCount))
        }
    }

    /// Our per-frame digest is ffmpeg's framemd5, so the two tools can vouch for each other.
    @Test(arguments: ["hevc_opengop.mkv", "mjpeg.mov", "vfr.mp4"])
    func frameDigestsMatchFFmpegFramemd5(name: String) throws {
        let path = Fixtures.corpus(name)
        let ours = try FrameDigest.ofVideo(at: path).map(\.md5)
        let reference = try FFmpegOracle.frameMD5(path, streams: "0:v").map { String($0.split(separator: ",").last!.trimmingCharacters(in: .whitespaces)) }
        #expect(!ours.isEmpty)
        #expect(ours == reference)
    }

    /// Without its prefix, an open-GOP segment cannot produce its leading pictures, and the
    /// segment decoder must say so rather than hand back fewer frames.
    @Test func openGOPSegmentWithoutItsPrefixFailsClosed() throws {
        try Fixtures.withTemporaryDirectory { dir in
            let plan = try Splitter.split(input: Fixtures.corpus("hevc_opengop.mkv"), segmentSeconds: 1, into: dir + "/seg")
            let record = try #require(plan.segments.first { $0.decodePrefixPackets > 0 })
            var (segment, _) = try SegmentFile.read(path: dir + "/seg/" + record.file)
            segment.packets.removeFirst(segment.decodePrefixCount)
            segment.decodePrefixCount = 0
            #expect(throws: MediaError.self) { try FrameDigest.ofSegment(segment, label: record.file) }
        }
    }
}
